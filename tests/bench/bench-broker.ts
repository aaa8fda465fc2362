import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../support/mosquitto.ts';

/**
 * A Mosquitto process for the benchmark with a config we write in full (persistence mode and
 * bridge settings are the thing being measured, so tests/support/mosquitto.ts's fixed
 * `autosave_interval 1` does not fit). stop = SIGTERM (saves), kill = SIGKILL (a crash).
 */
export class BenchBroker {
  private child: ChildProcess | null = null;
  private logText = '';
  readonly url: string;

  private constructor(
    readonly dir: string,
    readonly port: number,
  ) {
    this.url = `mqtt://127.0.0.1:${port}`;
  }

  /** `config` receives the port and the broker's own folder and returns the rest of mosquitto.conf. */
  static async create(name: string, config: (dir: string) => string): Promise<BenchBroker> {
    const dir = mkdtempSync(join(tmpdir(), `pw-bench-${name}-`));
    const port = await freePort();
    const lines = [
      process.getuid?.() === 0 ? 'user root' : '',
      'per_listener_settings false',
      'log_dest stderr',
      'log_type error',
      'log_type warning',
      `listener ${port} 127.0.0.1`,
      'allow_anonymous true',
      // every broker in the bench (cloud and bridge edge alike) sends at once, as one tuned for alarms would
      'set_tcp_nodelay true',
      config(dir),
    ];
    writeFileSync(join(dir, 'mosquitto.conf'), lines.filter((l) => l !== '').join('\n') + '\n');
    const broker = new BenchBroker(dir, port);
    await broker.start();
    return broker;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  log(): string {
    return this.logText;
  }

  async start(): Promise<void> {
    if (this.child) return;
    const child = spawn('/usr/sbin/mosquitto', ['-c', join(this.dir, 'mosquitto.conf')], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    this.child = child;
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      this.logText = (this.logText + chunk).slice(-16384);
    });
    child.once('exit', () => {
      if (this.child === child) this.child = null;
    });
    const deadline = Date.now() + 10_000;
    while (!(await canConnect(this.port))) {
      if (this.child !== child) throw new Error(`mosquitto exited on start (${this.dir}):\n${this.logText}`);
      if (Date.now() > deadline) throw new Error(`mosquitto did not listen on ${this.port}:\n${this.logText}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  stop(): Promise<void> {
    return this.signal('SIGTERM');
  }

  kill(): Promise<void> {
    return this.signal('SIGKILL');
  }

  async dispose(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async signal(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (!child) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    await exited;
  }
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
