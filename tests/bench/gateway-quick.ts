/**
 * Quick gateway measure (prints figures, asserts nothing):
 *  1. ingest: signed alarms into the gateway pipeline (verify, decide, group commit by the store
 *     thread into the durable outbox with WAL + synchronous=FULL) while the uplink drains to a
 *     real Mosquitto. Alarms, because the per-node rate limit (gateway/pipeline/rate-limit.ts)
 *     refuses a node's telemetry beyond a few per second, while events are never limited;
 *  2. drain: an outbox backlog built while Mosquitto is down, delivered after it returns;
 *  3. alarm latency: one node alarm at a time, from arrival at the gateway to the cloud
 *     subscriber, and the part of it spent before the commit (the gateway's own share);
 *  4. ingest through the embedded local broker from MQTT node clients in the same process.
 *
 *   npx tsx tests/bench/gateway-quick.ts [--nodes 200] [--messages 100000] [--backlog 50000] [--alarms 200]
 */
import { rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import mqtt from 'mqtt';
import pino from 'pino';
import { validateConfig } from '../../gateway/config/load.ts';
import { DirectIngest } from '../../gateway/direct-ingest.ts';
import { Gateway } from '../../gateway/gateway.ts';
import { runGateway } from '../../gateway/run.ts';
import { CLOUD_ALL_EVENTS, nodeUp } from '../../protocol/topics.ts';
import { startMosquitto } from '../../simulator/live/mosquitto.ts';
import { NodeClient } from '../../simulator/node-client.ts';
import { tempDir } from '../gateway/support/gateway-rig.ts';

const { values } = parseArgs({
  options: {
    nodes: { type: 'string', default: '200' },
    messages: { type: 'string', default: '100000' },
    backlog: { type: 'string', default: '50000' },
    alarms: { type: 'string', default: '200' },
  },
});
const NODES = Number(values.nodes);
const MESSAGES = Number(values.messages);
const BACKLOG = Number(values.backlog);
const ALARMS = Number(values.alarms);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
// TCP_NODELAY on the broker too, as a cloud broker tuned for alarms would run
const broker = await startMosquitto({ extraConfig: 'set_tcp_nodelay true' });
const dir = tempDir('pw-bench-gw-');
const config = validateConfig(
  {
    dataDir: dir,
    http: { host: '127.0.0.1', port: 0 },
    cloud: { url: broker.url, inflight: 1000, backoff: { minMs: 50, maxMs: 200 } },
    panel: { enabled: false },
    log: { level: 'silent' },
  },
  'bench',
);
const direct = new DirectIngest();
const gateway = new Gateway(config, { ingest: [() => direct], logger: pino({ level: 'silent' }) });
await gateway.start();
const stored = gateway.registry.upsert(
  Array.from({ length: NODES }, (_, i) => ({ id: `b${i}`, channels: ['smoke'] })),
  Date.now(),
);
const nodes = stored.map((s) => new NodeClient(s.id, s.keyHex));
await new Promise<void>((r) => {
  const check = () => (gateway.uplink?.state === 'connected' ? r() : setTimeout(check, 20));
  check();
});

/** read through a function: TypeScript would narrow a property read across awaits */
const uplinkState = (): string | undefined => gateway.uplink?.state;

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

// 1. ingest ---------------------------------------------------------------------------------
{
  const wires = Array.from({ length: MESSAGES }, (_, i) => {
    const n = nodes[i % NODES];
    return { wire: n.alarm('smoke', 900 + (i % 50)), node: n.id };
  });
  const startSeq = gateway.pipeline.lastSeq();
  const CHUNK = 2000;
  const started = performance.now();
  for (let i = 0; i < wires.length; i += CHUNK) {
    for (const w of wires.slice(i, i + CHUNK)) direct.push(w.wire, w.node);
    // one chunk per event-loop turn, as frames arrive from sockets
    await new Promise((r) => setImmediate(r));
  }
  while (gateway.pipeline.lastSeq() - startSeq < MESSAGES) await new Promise((r) => setImmediate(r));
  await gateway.pipeline.idle();
  const s = (performance.now() - started) / 1000;
  console.log(
    `ingest: ${MESSAGES} signed alarm messages from ${NODES} nodes verified, decided and committed ` +
      `(WAL, synchronous=FULL, group commit) in ${s.toFixed(2)} s -> ${Math.round(MESSAGES / s)} msg/s ` +
      `(uplink draining to Mosquitto at the same time)`,
  );
  while (gateway.outbox.stats().depth > 0) await sleep(20);
}

// 2. drain ----------------------------------------------------------------------------------
{
  await broker.stop();
  while (uplinkState() === 'connected') await sleep(10);
  const startSeq = gateway.pipeline.lastSeq();
  for (let i = 0; i < BACKLOG; i++) {
    const n = nodes[i % NODES];
    direct.push(n.alarm(), n.id);
    if (i % 2000 === 0) await new Promise((r) => setImmediate(r));
  }
  while (gateway.pipeline.lastSeq() - startSeq < BACKLOG) await sleep(5);
  await gateway.pipeline.idle();
  const depth = gateway.outbox.stats().depth;
  await broker.start();
  while (uplinkState() !== 'connected') await sleep(2);
  const started = performance.now();
  while (gateway.outbox.stats().depth > 0) await sleep(2);
  const s = (performance.now() - started) / 1000;
  console.log(
    `drain: ${depth} queued events delivered to Mosquitto after the outage in ${s.toFixed(2)} s -> ` +
      `${Math.round(depth / s)} events/s (QoS 1, in-flight window ${config.cloud.inflight}, removed on PUBACK)`,
  );
}

// 3. alarm latency --------------------------------------------------------------------------
{
  const watcher = await mqtt.connectAsync(broker.url, { clientId: 'bench-watcher' });
  const arrived = new Map<string, number>();
  watcher.on('message', (_t, payload) => {
    const e = JSON.parse(payload.toString()) as { kind: string; node: string; origin?: { seq: number } };
    if (e.kind === 'alarm') arrived.set(`${e.node}/${e.origin?.seq}`, performance.now());
  });
  await watcher.subscribeAsync(CLOUD_ALL_EVENTS, { qos: 1 });
  const committedAt = new Map<string, number>();
  gateway.bus.on('committed', (events) => {
    const t = performance.now();
    for (const e of events) if (e.kind === 'alarm') committedAt.set(`${e.node}/${e.origin?.seq}`, t);
  });
  const total: number[] = [];
  const share: number[] = [];
  for (let i = 0; i < ALARMS; i++) {
    const n = nodes[i % NODES];
    const wire = n.alarm();
    const key = `${n.id}/${n.seq}`;
    const t0 = performance.now();
    direct.push(wire, n.id);
    while (!arrived.has(key)) await new Promise((r) => setImmediate(r));
    total.push(arrived.get(key)! - t0);
    share.push(committedAt.get(key)! - t0);
    await sleep(2);
  }
  total.sort((a, b) => a - b);
  share.sort((a, b) => a - b);
  console.log(
    `alarm latency, arrival at the gateway -> cloud subscriber (Mosquitto): p50 ${pct(total, 50).toFixed(2)} ms, ` +
      `p99 ${pct(total, 99).toFixed(2)} ms, max ${total[total.length - 1].toFixed(2)} ms over ${ALARMS} alarms`,
  );
  console.log(
    `  of which arrival -> durably committed (verify + decide + fsync): p50 ${pct(share, 50).toFixed(2)} ms, ` +
      `p99 ${pct(share, 99).toFixed(2)} ms`,
  );
  watcher.end(true);
}

await gateway.stop();

// 4. ingest through the embedded local broker ------------------------------------------------
{
  const mqttDir = tempDir('pw-bench-gw-mqtt-');
  const local = await runGateway(
    validateConfig(
      {
        dataDir: mqttDir,
        http: { host: '127.0.0.1', port: 0 },
        localBroker: { mode: 'embedded', host: '127.0.0.1', port: 0 },
        cloud: { url: broker.url },
        panel: { enabled: false },
        log: { level: 'silent' },
      },
      'bench',
    ),
    { logger: pino({ level: 'silent' }), panel: false },
  );
  const g = local.gateway;
  const clientsN = 8;
  const perClient = Math.floor(MESSAGES / 4 / clientsN);
  const sims = g.registry
    .upsert(
      Array.from({ length: clientsN }, (_, i) => ({ id: `m${i}` })),
      Date.now(),
    )
    .map((s) => new NodeClient(s.id, s.keyHex));
  const url = `mqtt://127.0.0.1:${local.localBrokerPort}`;
  const clients = await Promise.all(sims.map((n) => n.connect(url)));
  const wires = sims.map((n) => Array.from({ length: perClient }, () => n.alarm()));
  const startSeq = g.pipeline.lastSeq();
  const started = performance.now();
  await Promise.all(
    clients.map(async (c, i) => {
      for (let k = 0; k < perClient; k += 100)
        await Promise.all(wires[i].slice(k, k + 100).map((w) => c.publishAsync(nodeUp(sims[i].id), w, { qos: 1 })));
    }),
  );
  while (g.pipeline.lastSeq() - startSeq < clientsN * perClient) await sleep(2);
  await g.pipeline.idle();
  const s = (performance.now() - started) / 1000;
  console.log(
    `ingest over the embedded broker: ${clientsN} MQTT node clients x ${perClient} QoS 1 alarms = ` +
      `${clientsN * perClient} committed in ${s.toFixed(2)} s -> ${Math.round((clientsN * perClient) / s)} msg/s ` +
      `(clients, broker, pipeline and uplink share one process)`,
  );
  await Promise.all(clients.map((c) => c.endAsync(true)));
  await local.stop();
  rmSync(mqttDir, { recursive: true, force: true });
}

await broker.dispose();
rmSync(dir, { recursive: true, force: true });
