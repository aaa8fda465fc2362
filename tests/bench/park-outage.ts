import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { openDatabase } from '../../gateway/store/database.ts';
import { EventLog } from '../../gateway/store/event-log.ts';
import type { DecidedEvent } from '../../gateway/wire/events.ts';
import { CLOUD_ALL_EVENTS } from '../../protocol/topics.ts';
import { NodeClient } from '../../simulator/node-client.ts';
import { BenchBroker } from './bench-broker.ts';
import { readBenchConfig } from './bench-config.ts';
import { percentile } from './delivery-log.ts';
import { GatewayProcess } from './gateway-process.ts';
import { connectClient, rssOf } from './mqtt-rig-parts.ts';

/**
 * The park after a day without its cloud: 2,000 nodes (heartbeat every 30 s, telemetry every
 * 5 min) whose 24 hours of telemetry wait in the outbox (2,000 x 288 = 576,000 events, written
 * by the gateway's own EventLog.commit before the gateway starts, as they would have been
 * stored one by one). The cloud is up; the gateway starts and drains. Meanwhile the park keeps
 * talking (its heartbeat and telemetry rate, carried by `LIVE` nodes so the bench opens few
 * connections) and a fire node raises an alarm every `alarmEveryMs`: how long the drain takes,
 * and how long a fire raised during it takes to reach the cloud (publish -> cloud receipt).
 */
export interface ParkOutageFigures {
  nodes: number;
  backlog: number;
  drainS: number;
  drainEvPerS: number;
  alarms: number;
  alarmP50Ms: number;
  alarmP99Ms: number;
  alarmMaxMs: number;
  rssPeakMb: number;
}

const LIVE = 20;
const TELEMETRY_EVERY_MS = 5 * 60_000;
const HEARTBEAT_EVERY_MS = 30_000;
const OUTAGE_MS = 24 * 3600_000;

function backlogEvent(seq: number, node: string, k: number, at: number): DecidedEvent {
  return {
    id: `gw1:${seq}`,
    seq,
    gw: 'gw1',
    park: 'park1',
    kind: 'telemetry',
    priority: 'telemetry',
    at,
    receivedAt: at,
    node,
    ch: 'smoke',
    placement: { enterprise: 'bench', site: '', zone: 'z1', location: '' },
    data: { v: 100 + (k % 40), b: 100 },
    origin: { path: 'mqtt', boot: 1, seq: k + 1 },
  };
}

/** Writes the outage's telemetry through the store's own commit, in transactions of 10,000. */
function writeBacklog(dataDir: string, nodes: readonly string[], now: number): number {
  const db = openDatabase(dataDir);
  const log = new EventLog(db, OUTAGE_MS);
  const perNode = OUTAGE_MS / TELEMETRY_EVERY_MS;
  let seq = 0;
  let rows: DecidedEvent[] = [];
  const flush = () => {
    log.commit({ rows: log.rowsOf(rows), replay: [], commandSeq: 0, conditions: { upserts: [], removes: [] } });
    rows = [];
  };
  // in time order, as the gateway stored them: reading k of every node, then reading k + 1
  for (let k = 0; k < perNode; k++)
    for (const [i, node] of nodes.entries()) {
      const at = now - OUTAGE_MS + (k + 0.5) * TELEMETRY_EVERY_MS + ((i * 149) % TELEMETRY_EVERY_MS) / 2;
      rows.push(backlogEvent(++seq, node, k, Math.min(at, now)));
      if (rows.length === 10_000) flush();
    }
  if (rows.length > 0) flush();
  db.close();
  return seq;
}

export async function parkOutage(
  options: { nodes?: number; alarmEveryMs?: number; nodeArgs?: string[] } = {},
): Promise<ParkOutageFigures> {
  const nodeCount = options.nodes ?? 2000;
  const alarmEveryMs = options.alarmEveryMs ?? 100;
  const cloud = await BenchBroker.create('park-cloud', (dir) =>
    ['persistence true', `persistence_location ${dir}/`, 'max_queued_messages 0', 'max_inflight_messages 1000'].join(
      '\n',
    ),
  );
  const dir = mkdtempSync(join(tmpdir(), 'pw-bench-park-'));
  const gateway = new GatewayProcess({
    dir,
    cloudUrl: cloud.url,
    config: { log: { level: 'warn' } },
    nodeArgs: options.nodeArgs,
  });
  const clients: MqttClient[] = [];
  const timers: NodeJS.Timeout[] = [];
  try {
    const ids = Array.from({ length: nodeCount }, (_, i) => `p-${i}`);
    const keys = new Map(ids.map((id) => [id, randomBytes(32).toString('hex')]));
    keys.set('fire-0', randomBytes(32).toString('hex'));
    gateway.provision([...keys].map(([id, keyHex]) => ({ id, keyHex })));
    const backlog = writeBacklog(gateway.dataDir, ids, Date.now());
    process.stderr.write(`bench: park outage: ${backlog} telemetry events queued for ${nodeCount} nodes\n`);

    let received = 0;
    let lastBacklogAt = 0;
    const sentAt = new Map<string, number>();
    const latencies: number[] = [];
    const tap = await connectClient(cloud.url, 'pw-bench-park-tap', { clean: true });
    tap.on('message', (_topic, payload) => {
      const text = payload.toString('utf8');
      if (text.includes('"node":"fire-0"')) {
        const m = /"origin":\{"path":"[a-z]+","boot":(\d+),"seq":(\d+)\}/.exec(text);
        const t = m ? sentAt.get(`${m[1]}:${m[2]}`) : undefined;
        if (t !== undefined) latencies.push(performance.now() - t);
      } else if (text.includes('"kind":"telemetry"') && backlogSeq(text) <= backlog) {
        received++;
        if (received === backlog) lastBacklogAt = performance.now();
      }
    });
    await tap.subscribeAsync(CLOUD_ALL_EVENTS, { qos: 1 });

    const started = performance.now();
    await gateway.start();
    let rssPeak = rssOf(gateway.pid);
    timers.push(setInterval(() => (rssPeak = Math.max(rssPeak, rssOf(gateway.pid))), 200));

    // the park goes on talking: its heartbeat and telemetry rate, spread over LIVE nodes
    const live = await Promise.all(
      ids.slice(0, LIVE).map(async (id) => {
        const n = new NodeClient(id, keys.get(id) as string);
        const c = await n.connect(gateway.brokerUrl);
        clients.push(c);
        return { n, c };
      }),
    );
    const parkRate = nodeCount * (1000 / HEARTBEAT_EVERY_MS + 1000 / TELEMETRY_EVERY_MS);
    let turn = 0;
    timers.push(
      setInterval(() => {
        const { n, c } = live[turn++ % LIVE];
        const telemetry = turn % Math.round(TELEMETRY_EVERY_MS / HEARTBEAT_EVERY_MS + 1) === 0;
        void n.publish(c, telemetry ? n.telemetry() : n.heartbeat(30)).catch(() => undefined);
      }, 1000 / parkRate),
    );
    const fire = new NodeClient('fire-0', keys.get('fire-0') as string);
    const fireClient = await fire.connect(gateway.brokerUrl);
    clients.push(fireClient);
    timers.push(
      setInterval(() => {
        const m = fire.message('alarm', 'smoke', { v: 900, b: 100, th: 500, src: 'smoke' });
        sentAt.set(`${m.boot}:${m.seq}`, performance.now());
        void fire.publish(fireClient, fire.seal(m)).catch(() => undefined);
      }, alarmEveryMs),
    );

    const deadline = Date.now() + 15 * 60_000;
    while (received < backlog && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    for (const t of timers) clearInterval(t);
    if (received < backlog) throw new Error(`drain incomplete: ${received} of ${backlog} after 15 min`);
    // the last alarms' receipts; one that never arrives counts as infinitely late
    const until = Date.now() + 10_000;
    while (latencies.length < sentAt.size && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    while (latencies.length < sentAt.size) latencies.push(Number.POSITIVE_INFINITY);
    await tap.endAsync(true);
    const drainS = (lastBacklogAt - started) / 1000;
    const sorted = [...latencies].sort((a, b) => a - b);
    return {
      nodes: nodeCount,
      backlog,
      drainS,
      drainEvPerS: backlog / drainS,
      alarms: sorted.length,
      alarmP50Ms: percentile(sorted, 50),
      alarmP99Ms: percentile(sorted, 99),
      alarmMaxMs: sorted[sorted.length - 1] ?? Number.NaN,
      rssPeakMb: rssPeak / 1024 / 1024,
    };
  } finally {
    for (const t of timers) clearInterval(t);
    await Promise.all(clients.map((c) => c.endAsync(true).catch(() => undefined)));
    await gateway.stop();
    await cloud.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The gateway seq of a cloud event (its "seq" field follows "id"). */
function backlogSeq(text: string): number {
  const m = /"id":"gw1:(\d+)"/.exec(text);
  return m ? Number(m[1]) : Number.POSITIVE_INFINITY;
}

export function parkOutageLine(f: ParkOutageFigures): string {
  return (
    `park outage: ${f.nodes} nodes, 24 h of telemetry (${f.backlog} events) drained in ${f.drainS.toFixed(1)} s ` +
    `(${Math.round(f.drainEvPerS)} ev/s, gateway start included); a fire every 100 ms during the drain reached ` +
    `the cloud in p50 ${f.alarmP50Ms.toFixed(2)} / p99 ${f.alarmP99Ms.toFixed(2)} / max ${f.alarmMaxMs.toFixed(2)} ms ` +
    `(${f.alarms} alarms); gateway RSS peak ${Math.round(f.rssPeakMb)} MB`
  );
}

// Alone: npx tsx tests/bench/park-outage.ts (BENCH_PARK_NODES, BENCH_GATEWAY_NODE_ARGS as for npm run bench)
if (process.argv[1] && import.meta.filename === process.argv[1]) {
  const cfg = readBenchConfig(process.env);
  console.log(parkOutageLine(await parkOutage({ nodes: cfg.BENCH_PARK_NODES, nodeArgs: cfg.BENCH_GATEWAY_NODE_ARGS })));
}
