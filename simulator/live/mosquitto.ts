import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A real Mosquitto (Debian's /usr/sbin/mosquitto) on a free port (never 1883) with a temp config:
 * the cloud broker of live simulation (`sim park`, live scenarios) and of the tests. `stop()` and `start()` take it down and bring it back on the same port and config
 * (a cloud outage); `kill()` SIGKILLs it (a crash; persistence keeps what it had saved).
 *
 *   const broker = await startMosquitto({ users: [{ username: 'n1', password: 'pw' }], acl: '...' });
 *   mqtt.connect(broker.url, { username: 'n1', password: 'pw' });
 *   await broker.stop(); await broker.start(); await broker.dispose();
 */
export interface MosquittoOptions {
  /** users for a password file (hashed with mosquitto_passwd); without users, anonymous clients may connect */
  users?: { username: string; password: string }[];
  /** ACL file contents (mosquitto acl_file syntax) */
  acl?: string;
  /** keep messages and sessions on disk in the temp folder across stop/start and kill */
  persistence?: boolean;
  /** adds a second, TLS listener (PEM file paths; tests/support/test-certificates.ts makes them) */
  tls?: { certFile: string; keyFile: string; caFile: string; requireCertificate?: boolean };
  /** lines appended to mosquitto.conf as they are */
  extraConfig?: string;
  /** how long to wait for the listener(s), ms (default 5000) */
  startTimeoutMs?: number;
}

export interface RunningMosquitto {
  readonly port: number;
  /** mqtt://127.0.0.1:port */
  readonly url: string;
  /** set when options.tls was given: mqtts://localhost:tlsPort */
  readonly tlsPort?: number;
  readonly tlsUrl?: string;
  /** the temp folder holding mosquitto.conf, password file, ACL file, persistence */
  readonly dir: string;
  readonly running: boolean;
  /** the broker's own log (stderr), last 64 kB, for failing tests */
  log(): string;
  /** SIGTERM and wait for exit */
  stop(): Promise<void>;
  /** SIGKILL and wait for exit */
  kill(): Promise<void>;
  /** starts it again on the same ports and config */
  start(): Promise<void>;
  /** stops it and removes the temp folder */
  dispose(): Promise<void>;
}

export async function startMosquitto(options: MosquittoOptions = {}): Promise<RunningMosquitto> {
  const dir = mkdtempSync(join(tmpdir(), 'pw-mosq-'));
  const port = await freePort();
  const tlsPort = options.tls ? await freePort() : undefined;
  writeFileSync(join(dir, 'mosquitto.conf'), configText(dir, port, tlsPort, options));
  return MosquittoProcess.launch(dir, port, tlsPort, options.startTimeoutMs ?? 5000);
}

function configText(dir: string, port: number, tlsPort: number | undefined, options: MosquittoOptions): string {
  const lines = [
    'per_listener_settings false',
    // Started as root, mosquitto drops to user "mosquitto", which cannot read our 0700 temp folder.
    process.getuid?.() === 0 ? 'user root' : '',
    'log_dest stderr',
    'log_type error',
    'log_type warning',
    'log_type notice',
    'log_type information',
    `listener ${port} 127.0.0.1`,
  ];
  if (options.tls && tlsPort !== undefined) {
    lines.push(
      `listener ${tlsPort} 127.0.0.1`,
      `certfile ${options.tls.certFile}`,
      `keyfile ${options.tls.keyFile}`,
      `cafile ${options.tls.caFile}`,
      `require_certificate ${options.tls.requireCertificate ? 'true' : 'false'}`,
    );
  }
  if (options.users && options.users.length > 0) {
    const file = join(dir, 'passwd');
    writeFileSync(file, '', { mode: 0o600 });
    for (const user of options.users) {
      execFileSync('mosquitto_passwd', ['-b', file, user.username, user.password], { stdio: 'pipe' });
    }
    lines.push('allow_anonymous false', `password_file ${file}`);
  } else {
    lines.push('allow_anonymous true');
  }
  if (options.acl !== undefined) {
    const file = join(dir, 'acl');
    writeFileSync(file, options.acl, { mode: 0o600 });
    lines.push(`acl_file ${file}`);
  }
  if (options.persistence) lines.push('persistence true', `persistence_location ${dir}/`, 'autosave_interval 1');
  else lines.push('persistence false');
  if (options.extraConfig) lines.push(options.extraConfig);
  return lines.filter((l) => l !== '').join('\n') + '\n';
}

/** One Mosquitto process on a config file in `dir`; the benchmark writes its own config and uses it too. */
export class MosquittoProcess implements RunningMosquitto {
  private child: ChildProcess | null = null;
  private logText = '';
  readonly url: string;
  readonly tlsUrl?: string;

  constructor(
    readonly dir: string,
    readonly port: number,
    readonly tlsPort: number | undefined,
    private startTimeoutMs: number,
  ) {
    this.url = `mqtt://127.0.0.1:${port}`;
    if (tlsPort !== undefined) this.tlsUrl = `mqtts://localhost:${tlsPort}`;
  }

  /** Started, or cleaned up (temp dir removed) and the error thrown. */
  static async launch(
    dir: string,
    port: number,
    tlsPort: number | undefined,
    startTimeoutMs: number,
  ): Promise<MosquittoProcess> {
    const broker = new MosquittoProcess(dir, port, tlsPort, startTimeoutMs);
    try {
      await broker.start();
    } catch (err) {
      await broker.dispose();
      throw err;
    }
    return broker;
  }

  get running(): boolean {
    return this.child !== null;
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
      this.logText = (this.logText + chunk).slice(-65536);
    });
    child.once('exit', () => {
      if (this.child === child) this.child = null;
    });
    child.once('error', (err) => {
      this.logText += String(err);
      if (this.child === child) this.child = null;
    });
    const deadline = Date.now() + this.startTimeoutMs;
    const ports = this.tlsPort === undefined ? [this.port] : [this.port, this.tlsPort];
    for (const port of ports) {
      while (!(await canConnect(port))) {
        if (this.child !== child) throw new Error(`mosquitto exited on start:\n${this.logText}`);
        if (Date.now() > deadline) {
          await this.kill();
          throw new Error(`mosquitto did not listen on ${port} within ${this.startTimeoutMs} ms:\n${this.logText}`);
        }
        await sleep(20);
      }
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

/** Asks the OS for a free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** True when something accepts TCP connections on 127.0.0.1:port. */
export function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
