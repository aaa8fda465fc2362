import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';

/**
 * The real gateway as a child process (`parkwatch gateway --config FILE`), for live runs:
 * started, SIGKILLed and started again on the same config and data folder.
 */
const BIN = new URL('../../bin/parkwatch.js', import.meta.url).pathname;
const START_TIMEOUT_MS = 20000;

export class GatewayProcess {
  private child: ChildProcess | null = null;
  private logText = '';
  readonly configFile: string;

  constructor(
    dir: string,
    config: Record<string, unknown>,
    /** TCP port that accepts once the gateway is ready (its local broker) */
    private readyPort: number,
  ) {
    this.configFile = join(dir, 'gateway.json');
    writeFileSync(this.configFile, JSON.stringify(config, null, 2));
  }

  get running(): boolean {
    return this.child !== null;
  }

  /** the gateway's own output, last 32 kB, for a failing run */
  log(): string {
    return this.logText;
  }

  async start(): Promise<void> {
    const child = spawn(process.execPath, [BIN, 'gateway', '--config', this.configFile], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    const keep = (b: Buffer) => {
      this.logText = (this.logText + b.toString()).slice(-32768);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    child.on('exit', () => {
      if (this.child === child) this.child = null;
    });
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (!(await accepts(this.readyPort))) {
      if (this.child !== child) throw new Error(`gateway exited during start / 网关启动失败:\n${this.logText}`);
      if (Date.now() > deadline) throw new Error(`gateway not ready after ${START_TIMEOUT_MS} ms:\n${this.logText}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** SIGKILL: no shutdown, no goodbye; whatever was not committed is the gateway's problem. */
  kill(): Promise<void> {
    return this.signal('SIGKILL');
  }

  stop(): Promise<void> {
    return this.signal('SIGTERM');
  }

  private signal(sig: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (!child) return Promise.resolve();
    return new Promise((resolve) => {
      child.once('exit', () => resolve());
      child.kill(sig);
    });
  }
}

export function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}
