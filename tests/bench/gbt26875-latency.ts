import { rmSync } from 'node:fs';
import type { MqttClient } from 'mqtt';
import { openDatabase } from '../../gateway/store/database.ts';
import { NodeRegistry } from '../../gateway/store/registry.ts';
import { GbtCentre } from '../../simulator/gbt26875-centre/centre.ts';
import { freePort } from '../../simulator/live/mosquitto.ts';
import { NodeClient } from '../../simulator/node-client.ts';
import { spawnGateway, waitForPort, writeConfig } from '../gateway/support/gateway-process.ts';
import { tempDir } from '../gateway/support/gateway-rig.ts';

/**
 * Alarm-to-centre latency under load: the real gateway process (GB/T 26875 uplink on), the
 * centre peer over TCP, LOAD_NODES nodes sending telemetry and troubles (the other lane kept
 * busy) while FIRES nodes each raise one smoke alarm. Latency = node publish -> the centre
 * holding the component-status fire frame. Prints the figures; no assertion (a shared box).
 *
 *   npx tsx tests/bench/gbt26875-latency.ts [FIRES=50] [LOAD_NODES=100] [RATE_PER_NODE=10]
 */
const FIRES = Number(process.argv[2] ?? 50);
const LOAD_NODES = Number(process.argv[3] ?? 100);
const RATE = Number(process.argv[4] ?? 10);
const dir = tempDir('pw-gbt-bench-');

async function main(): Promise<void> {
  const fireSeen = new Map<number, number>();
  const centre = new GbtCentre({
    onFrame: (r) => {
      if (r.data?.type !== 2) return;
      const o = (r.data as unknown as { objects: { componentAddress: number; status: { bits: string[] } }[] })
        .objects[0];
      if (o.status.bits.includes('fire') && !fireSeen.has(o.componentAddress)) fireSeen.set(o.componentAddress, r.at);
    },
  });
  const centrePort = await centre.start();
  const brokerPort = await freePort();
  const config = writeConfig(dir, {
    dataDir: dir,
    http: { host: '127.0.0.1', port: await freePort() },
    localBroker: { mode: 'embedded', host: '127.0.0.1', port: brokerPort },
    panel: { enabled: false },
    log: { level: 'warn' },
    gbt26875: { enabled: true, port: centrePort, heartbeatS: 0, backoff: { minMs: 50, maxMs: 500 } },
  });
  const db = openDatabase(dir);
  const registry = new NodeRegistry(db);
  const ids = [
    ...Array.from({ length: FIRES }, (_, i) => ({ id: `fire-${i}`, channels: ['smoke'] })),
    ...Array.from({ length: LOAD_NODES }, (_, i) => ({ id: `load-${i}`, channels: ['smoke', 'water'] })),
  ];
  const nodes = registry.upsert(ids, Date.now()).map((n) => new NodeClient(n.id, n.keyHex));
  db.close();
  const gw = spawnGateway(config);
  await waitForPort(brokerPort);
  const url = `mqtt://127.0.0.1:${brokerPort}`;
  const clients = new Map<string, MqttClient>();
  for (const n of nodes) clients.set(n.id, await n.connect(url));
  const fireNodes = nodes.slice(0, FIRES);
  const loadNodes = nodes.slice(FIRES);
  const started = new Map<string, number>();
  const addressOf = new Map<number, string>();
  centre.received.length = 0;

  let stop = false;
  let loadSent = 0;
  const load = (async () => {
    const tickMs = 100;
    while (!stop) {
      const t = Date.now();
      for (const n of loadNodes) {
        const c = clients.get(n.id) as MqttClient;
        for (let k = 0; k < (RATE * tickMs) / 1000; k++) {
          const wire =
            loadSent % 20 === 0
              ? n.wire(loadSent % 40 === 0 ? 'trouble' : 'trouble_clear', 'water', { code: 'dirty' })
              : n.telemetry();
          c.publish(`pw/v1/node/${n.id}/up`, wire, { qos: 1 });
          loadSent++;
        }
      }
      await new Promise((r) => setTimeout(r, Math.max(0, tickMs - (Date.now() - t))));
    }
  })();
  await new Promise((r) => setTimeout(r, 1000));
  for (const n of fireNodes) {
    started.set(n.id, Date.now());
    await n.publish(clients.get(n.id) as MqttClient, n.alarm('smoke', 900));
    await new Promise((r) => setTimeout(r, 100));
  }
  const deadline = Date.now() + 30_000;
  while (fireSeen.size < FIRES && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  stop = true;
  await load;
  // the component address is derived from the node id (gateway/gbt26875/addresses.ts)
  const { derivedBase } = await import('../../gateway/gbt26875/addresses.ts');
  for (const n of fireNodes) addressOf.set(derivedBase(n.id), n.id);
  const latencies: number[] = [];
  for (const [address, at] of fireSeen) {
    const id = addressOf.get(address);
    if (id) {
      latencies.push(at - (started.get(id) as number));
    }
  }
  latencies.sort((a, b) => a - b);
  const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))];
  const otherFrames = centre.received.filter((r) => r.data?.type === 2).length - fireSeen.size;
  console.log('GB/T 26875 alarm-to-centre latency under load (real gateway process, centre peer over TCP)');
  console.log(
    `  load: ${LOAD_NODES} nodes x ${RATE} msg/s over local MQTT (${loadSent} sent, 1 in 20 a trouble or its clear)`,
  );
  console.log(
    `  fire alarms: ${FIRES} sent, ${latencies.length} at the centre; other-lane frames meanwhile: ${otherFrames}`,
  );
  console.log(
    `  latency ms: p50 ${q(0.5)}  p95 ${q(0.95)}  max ${latencies[latencies.length - 1]}  (target: far under 10000)`,
  );
  for (const c of clients.values()) c.end(true);
  gw.child.kill('SIGTERM');
  await gw.exited;
  await centre.stop();
  rmSync(dir, { recursive: true, force: true });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
