import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A real serial line without hardware (the serial nodes of live simulation, and the tests): two
 * pseudo-terminals joined by socat, reachable through two stable symlinks. Open either end with
 * the `serialport` package. `unplug()` removes the links and SIGKILLs socat (both ends see the
 * line vanish and the paths are gone, as when a USB adapter is pulled); `plug()` starts a new
 * socat on the same link paths, as when it is plugged back in.
 *
 *   const pty = await startPtyPair();
 *   // the gateway opens pty.gatewayPath, the simulated node opens pty.nodePath
 *   await pty.unplug(); await pty.plug();
 *   await pty.stop();
 */
export interface PtyPair {
  /** the end the gateway opens */
  readonly gatewayPath: string;
  /** the end the test's simulated node opens */
  readonly nodePath: string;
  /** true while socat runs */
  readonly plugged: boolean;
  /** Removes the links and SIGKILLs socat; both PTYs disappear. */
  unplug(): Promise<void>;
  /** Starts socat again on the same link paths; resolves when both links exist. */
  plug(): Promise<void>;
  /** Unplugs and removes the temp folder. */
  stop(): Promise<void>;
}

export interface PtyPairOptions {
  /** folder for the two links; a new temp folder by default */
  dir?: string;
  /** how long to wait for socat to create the links, ms (default 5000) */
  startTimeoutMs?: number;
}

export async function startPtyPair(options: PtyPairOptions = {}): Promise<PtyPair> {
  const ownDir = options.dir === undefined;
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'pw-pty-'));
  const pair = new SocatPair(join(dir, 'gateway'), join(dir, 'node'), options.startTimeoutMs ?? 5000, () => {
    if (ownDir) rmSync(dir, { recursive: true, force: true });
  });
  await pair.plug();
  return pair;
}

class SocatPair implements PtyPair {
  private child: ChildProcess | null = null;

  constructor(
    readonly gatewayPath: string,
    readonly nodePath: string,
    private startTimeoutMs: number,
    private cleanup: () => void,
  ) {}

  get plugged(): boolean {
    return this.child !== null;
  }

  async plug(): Promise<void> {
    if (this.child) return;
    // A SIGKILLed socat leaves its links behind, dangling; socat would then fail to create them.
    rmSync(this.gatewayPath, { force: true });
    rmSync(this.nodePath, { force: true });
    const child = spawn(
      'socat',
      ['-d', '-d', `pty,raw,echo=0,link=${this.gatewayPath}`, `pty,raw,echo=0,link=${this.nodePath}`],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    this.child = child;
    let log = '';
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      if (log.length < 4000) log += chunk;
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.once('exit', () => {
      if (this.child === child) this.child = null;
    });
    child.once('error', (err) => {
      log += String(err);
      if (this.child === child) this.child = null;
    });
    const deadline = Date.now() + this.startTimeoutMs;
    // socat logs "starting data transfer loop" once both PTYs and links exist.
    while (!log.includes('starting data transfer loop')) {
      if (this.child !== child) throw new Error(`socat exited before the PTY pair was ready: ${log.trim()}`);
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        await exited;
        throw new Error(`socat did not start within ${this.startTimeoutMs} ms: ${log.trim()}`);
      }
      await sleep(10);
    }
    if (!existsSync(this.gatewayPath) || !existsSync(this.nodePath)) throw new Error(`socat links missing: ${log}`);
  }

  async unplug(): Promise<void> {
    const child = this.child;
    if (!child) return;
    // The links go first, as a USB device node vanishes on unplug. Left behind, they would point
    // at /dev/pts numbers the kernel soon gives to another test's socat.
    rmSync(this.gatewayPath, { force: true });
    rmSync(this.nodePath, { force: true });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await exited;
  }

  async stop(): Promise<void> {
    await this.unplug();
    rmSync(this.gatewayPath, { force: true });
    rmSync(this.nodePath, { force: true });
    this.cleanup();
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
