import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync, type WriteStream, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDatabase } from '../../gateway/store/database.ts';
import { NodeRegistry } from '../../gateway/store/registry.ts';
import { canConnect, freePort } from '../../simulator/live/mosquitto.ts';

/**
 * The real gateway as a child process, started the way an installer starts it
 * (`parkwatch gateway --config FILE`), so it can be SIGKILLed, restarted on the same data and
 * measured (RSS from /proc). Nodes are provisioned in its SQLite registry before start, as the
 * `parkwatch nodes` command would. Its stdout/stderr (pino) go to `logFile`.
 */
const BIN = fileURLToPath(new URL('../../bin/parkwatch.js', import.meta.url));

export interface GatewayProcessOptions {
  /** folder for config, data and log; created if missing */
  dir: string;
  cloudUrl?: string;
  /** merged over the generated config (e.g. cloud.tls, outbox.quotaBytes, log.level) */
  config?: Record<string, unknown>;
  /** extra environment for the process */
  env?: Record<string, string>;
  /** node flags before the script, e.g. ['--cpu-prof', '--cpu-prof-dir=/tmp/prof'] to profile it */
  nodeArgs?: string[];
}

export class GatewayProcess {
  private child: ChildProcess | null = null;
  private log: WriteStream | null = null;
  readonly configFile: string;
  readonly dataDir: string;
  readonly logFile: string;
  brokerPort = 0;
  httpPort = 0;

  constructor(private options: GatewayProcessOptions) {
    mkdirSync(options.dir, { recursive: true });
    this.configFile = join(options.dir, 'gateway.json');
    this.dataDir = join(options.dir, 'data');
    this.logFile = join(options.dir, 'gateway.log');
  }

  get brokerUrl(): string {
    return `mqtt://127.0.0.1:${this.brokerPort}`;
  }
  get httpUrl(): string {
    return `http://127.0.0.1:${this.httpPort}`;
  }
  get pid(): number | undefined {
    return this.child?.pid;
  }
  get running(): boolean {
    return this.child !== null;
  }

  /** Registers nodes (id + key) in the gateway's database; call before start or while it runs. */
  provision(nodes: readonly { id: string; keyHex: string }[]): void {
    const db = openDatabase(this.dataDir);
    try {
      new NodeRegistry(db).upsert(
        nodes.map((n) => ({ id: n.id, keyHex: n.keyHex, enterprise: 'bench', zone: 'z1', channels: ['smoke'] })),
        Date.now(),
      );
    } finally {
      db.close();
    }
  }

  async start(): Promise<void> {
    if (this.child) return;
    if (this.brokerPort === 0) {
      this.brokerPort = await freePort();
      this.httpPort = await freePort();
    }
    this.writeConfig();
    this.log = createWriteStream(this.logFile, { flags: 'a' });
    const child = spawn(
      process.execPath,
      [...(this.options.nodeArgs ?? []), BIN, 'gateway', '--config', this.configFile],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, ...this.options.env },
      },
    );
    this.child = child;
    child.stdout?.pipe(this.log, { end: false });
    child.stderr?.pipe(this.log, { end: false });
    child.once('exit', () => {
      if (this.child === child) this.child = null;
    });
    const deadline = Date.now() + 20_000;
    while (!(await this.ready())) {
      if (this.child !== child) throw new Error(`gateway exited on start; log ${this.logFile}:\n${this.logTail()}`);
      if (Date.now() > deadline) {
        await this.kill();
        throw new Error(`gateway not ready within 20 s; log ${this.logFile}:\n${this.logTail()}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** SIGTERM (graceful) and wait for exit. */
  stop(): Promise<void> {
    return this.signal('SIGTERM');
  }

  /** SIGKILL (a crash) and wait for exit. */
  kill(): Promise<void> {
    return this.signal('SIGKILL');
  }

  /** Sends a signal without waiting for an exit (e.g. SIGUSR2 for the clock-offset preload). */
  poke(signal: NodeJS.Signals): void {
    this.child?.kill(signal);
  }

  /** The gateway's Prometheus text. */
  async metrics(): Promise<string> {
    return (await fetch(`${this.httpUrl}/metrics`)).text();
  }

  /** The value of one metric line, e.g. metric('parkwatch_rejects_total{reason="bad_signature"}'); 0 when absent. */
  async metric(series: string): Promise<number> {
    const text = await this.metrics();
    for (const line of text.split('\n'))
      if (line.startsWith(`${series} `)) return Number(line.slice(series.length + 1));
    return 0;
  }

  /** Sum of every series of a metric whose labels contain all of `labels` (e.g. { reason: 'bad_signature' }). */
  async metricSum(name: string, labels: Record<string, string> = {}): Promise<number> {
    const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
    let sum = 0;
    for (const line of (await this.metrics()).split('\n')) {
      if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
      const space = line.lastIndexOf(' ');
      const series = line.slice(0, space);
      if (wanted.every((w) => series.includes(w))) sum += Number(line.slice(space + 1));
    }
    return sum;
  }

  logText(): string {
    try {
      return readFileSync(this.logFile, 'utf8');
    } catch {
      return '';
    }
  }

  private logTail(): string {
    return this.logText().slice(-4000);
  }

  private writeConfig(): void {
    const base: Record<string, unknown> = {
      gatewayId: 'gw1',
      parkId: 'park1',
      dataDir: this.dataDir,
      http: { host: '127.0.0.1', port: this.httpPort },
      localBroker: { mode: 'embedded', host: '127.0.0.1', port: this.brokerPort },
      log: { level: 'info' },
    };
    if (this.options.cloudUrl) base.cloud = { url: this.options.cloudUrl };
    const merged = mergeDeep(base, this.options.config ?? {});
    writeFileSync(this.configFile, JSON.stringify(merged, null, 2), { mode: 0o600 });
  }

  private async ready(): Promise<boolean> {
    if (!(await canConnect(this.brokerPort))) return false;
    try {
      return (await fetch(`${this.httpUrl}/healthz`)).status < 500;
    } catch {
      return false;
    }
  }

  private async signal(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (!child) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    await exited;
    this.log?.end();
    this.log = null;
  }
}

function mergeDeep(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    out[k] =
      v && typeof v === 'object' && !Array.isArray(v) && prev && typeof prev === 'object' && !Array.isArray(prev)
        ? mergeDeep(prev as Record<string, unknown>, v as Record<string, unknown>)
        : v;
  }
  return out;
}
