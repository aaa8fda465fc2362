import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../gateway/store/database.ts';
import { NodeRegistry } from '../../gateway/store/registry.ts';
import { type NetProvider, realTcp } from '../board/links.ts';
import { GATEWAY_HOST } from '../scenario/node-setup.ts';
import { CloudListener } from './cloud-listener.ts';
import { GatewayProcess } from './gateway-process.ts';
import { freePort, type RunningMosquitto, startMosquitto } from './mosquitto.ts';
import { type PtyPair, startPtyPair } from './pty-pair.ts';
import { SerialNodeEnd } from './serial-node-end.ts';

/**
 * The real processes a live run talks to, in a temp folder: a Mosquitto as the cloud (with
 * persistence), one socat PTY pair per serial node, the `parkwatch gateway` process with the
 * nodes registered, and a cloud-side listener. `dispose` takes it all down.
 */
export interface StackNode {
  id: string;
  key: string;
  link: 'mqtt' | 'serial';
  enterprise?: string;
  zone?: string;
  channels: string[];
}

export class LiveStack {
  private cleanup: (() => Promise<void>)[] = [];
  readonly ptys = new Map<string, PtyPair>();
  readonly serialEnds = new Map<string, SerialNodeEnd>();
  cloud!: RunningMosquitto;
  gateway!: GatewayProcess;
  listener!: CloudListener;
  localPort = 0;
  readonly dataDir: string;

  /** `keepData`: the gateway's data folder goes there and stays after dispose (for reports on the run) */
  private constructor(
    readonly dir: string,
    keepData?: string,
  ) {
    this.dataDir = keepData ?? join(dir, 'data');
  }

  static async start(nodes: StackNode[], options: { keepData?: string } = {}): Promise<LiveStack> {
    const stack = new LiveStack(mkdtempSync(join(tmpdir(), 'pw-sim-live-')), options.keepData);
    try {
      await stack.boot(nodes);
    } catch (err) {
      await stack.dispose();
      throw err;
    }
    return stack;
  }

  private async boot(nodes: StackNode[]): Promise<void> {
    this.cloud = await startMosquitto({ persistence: true });
    this.cleanup.push(() => this.cloud.dispose());
    this.localPort = await freePort();
    const httpPort = await freePort();
    for (const n of nodes.filter((x) => x.link === 'serial')) {
      const dir = join(this.dir, `pty-${n.id}`);
      mkdirSync(dir);
      const pty = await startPtyPair({ dir });
      this.ptys.set(n.id, pty);
      this.cleanup.push(() => pty.stop());
    }
    this.register(nodes);
    this.gateway = new GatewayProcess(
      this.dir,
      {
        gatewayId: 'gw1',
        parkId: 'sim',
        dataDir: this.dataDir,
        http: { host: '127.0.0.1', port: httpPort },
        localBroker: { mode: 'embedded', host: '127.0.0.1', port: this.localPort },
        serial: [...this.ptys.values()].map((p) => ({ path: p.gatewayPath })),
        cloud: { url: this.cloud.url, backoff: { minMs: 200, maxMs: 2000 } },
        log: { level: 'warn' },
      },
      this.localPort,
    );
    await this.gateway.start();
    this.cleanup.push(() => this.gateway.stop());
    this.listener = new CloudListener(this.cloud.url);
    await this.listener.start();
    this.cleanup.push(() => this.listener.stop());
    for (const [id, pty] of this.ptys) {
      const end = new SerialNodeEnd(pty.nodePath);
      await end.open();
      this.serialEnds.set(id, end);
      this.cleanup.push(() => end.close());
    }
  }

  /** Real TCP to the gateway's broker for nodes configured with GATEWAY_HOST. */
  net(): NetProvider {
    return realTcp((host, port) =>
      host === GATEWAY_HOST ? { host: '127.0.0.1', port: this.localPort } : { host, port },
    );
  }

  private register(nodes: StackNode[]): void {
    const db = openDatabase(this.dataDir);
    try {
      new NodeRegistry(db).upsert(
        nodes.map((n) => ({
          id: n.id,
          keyHex: n.key.toLowerCase(),
          enterprise: n.enterprise ?? '',
          zone: n.zone ?? 'sim',
          location: `simulated ${n.link} node`,
          channels: n.channels,
        })),
        Date.now(),
      );
    } finally {
      db.close();
    }
  }

  /** Every event the gateway committed, by id (its event log); call after the gateway stopped. */
  decidedIds(): Set<string> {
    const db = openDatabase(this.dataDir);
    try {
      const rows = db.prepare('SELECT body FROM events').all() as { body: string }[];
      return new Set(rows.map((r) => (JSON.parse(r.body) as { id: string }).id));
    } finally {
      db.close();
    }
  }

  async dispose(): Promise<void> {
    for (const fn of this.cleanup.reverse()) await fn().catch(() => {});
    this.cleanup = [];
    rmSync(this.dir, { recursive: true, force: true });
  }
}
