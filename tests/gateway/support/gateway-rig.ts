import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import { validateConfig } from '../../../gateway/config/load.ts';
import { DirectIngest } from '../../../gateway/direct-ingest.ts';
import { Gateway } from '../../../gateway/gateway.ts';
import { NodeClient } from '../../../simulator/node-client.ts';

/** An in-process gateway on a temp data folder, fed through DirectIngest, for the core's tests. */
export interface Rig {
  gateway: Gateway;
  direct: DirectIngest;
  dir: string;
  /** sealed commands received per node */
  commands: Map<string, string[]>;
  node(id: string, channels?: string[]): NodeClient;
  metrics(): Promise<string>;
  restart(): Promise<void>;
  dispose(): Promise<void>;
}

export function tempDir(prefix = 'pw-gw-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export async function startRig(
  extra: Record<string, unknown> = {},
  dir = tempDir(),
  options: { now?: () => number; elapsed?: () => number; logger?: Logger } = {},
): Promise<Rig> {
  const config = validateConfig(
    { dataDir: dir, http: { host: '127.0.0.1', port: 0 }, log: { level: 'silent' }, ...extra },
    'test',
  );
  const commands = new Map<string, string[]>();
  const nodes: NodeClient[] = [];
  const build = async () => {
    const direct = new DirectIngest(options.now);
    for (const n of nodes) direct.attach(n.id, (w) => commands.get(n.id)?.push(w));
    const gateway = new Gateway(config, {
      ingest: [() => direct],
      logger: options.logger ?? pino({ level: 'silent' }),
      now: options.now,
      elapsed: options.elapsed,
    });
    await gateway.start();
    live.add(gateway);
    return { gateway, direct };
  };
  const rig: Rig = {
    ...(await build()),
    dir,
    commands,
    node(id, channels = ['smoke']) {
      const [stored] = this.gateway.registry.upsert(
        [{ id, channels, enterprise: 'E1', zone: 'Z1' }],
        this.gateway.now(),
      );
      const n = new NodeClient(id, stored.keyHex);
      nodes.push(n);
      commands.set(id, []);
      this.direct.attach(id, (w) => commands.get(id)?.push(w));
      return n;
    },
    async metrics() {
      const res = await fetch(`http://127.0.0.1:${this.gateway.httpPort}/metrics`);
      return res.text();
    },
    async restart() {
      live.delete(this.gateway);
      await this.gateway.stop();
      Object.assign(this, await build());
    },
    async dispose() {
      live.delete(this.gateway);
      await this.gateway.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return rig;
}

/** Gateways of the rigs alive in this test file, so `tick` can wait for their commits. */
const live = new Set<Gateway>();

/** Waits `ms`, then until every live gateway has committed what it was handed (the store thread answered). */
export async function tick(ms = 5): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
  await Promise.all([...live].map((g) => g.pipeline.idle()));
}

export async function until(
  cond: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await tick(20);
  }
}

/** Value of a metric line, e.g. metric(text, 'parkwatch_rejects_total{reason="replay"}'). */
export function metric(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}
