import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../gateway/store/database.ts';
import { NodeRegistry } from '../../gateway/store/registry.ts';
import type { DecidedEvent } from '../../gateway/wire/events.ts';
import { nodeSha256 } from '../../gateway/wire/node-sha256.ts';
import { unseal, verifyBody } from '../../protocol/envelope.ts';
import { CLOUD_ALL_EVENTS } from '../../protocol/topics.ts';
import { freePort, type RunningMosquitto, startMosquitto } from '../../simulator/live/mosquitto.ts';
import { NodeClient } from '../../simulator/node-client.ts';
import { type GatewayProcess, spawnGateway, waitForPort, writeConfig } from './support/gateway-process.ts';
import { tempDir, until } from './support/gateway-rig.ts';

/**
 * The gateway process is SIGKILLed while it replays a backlog to the cloud, then started
 * again: every event a node had been acknowledged for reaches the cloud, in order per node.
 */
const NODES = 10;
const EVENTS_PER_NODE = 400;

let broker: RunningMosquitto | undefined;
let gw: GatewayProcess | undefined;
const clients: MqttClient[] = [];
const dir = tempDir();

afterAll(async () => {
  gw?.child.kill('SIGKILL');
  for (const c of clients) c.end(true);
  await broker?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

describe('gateway killed with SIGKILL mid-replay', () => {
  it('loses nothing it acknowledged', async () => {
    // unlimited queue for offline subscribers: the watcher must not lose what the broker accepted
    broker = await startMosquitto({ persistence: true, extraConfig: 'max_queued_messages 0' });
    const received: DecidedEvent[] = [];
    const watcher = await mqtt.connectAsync(broker.url, {
      clientId: 'kill-watcher',
      clean: false,
      reconnectPeriod: 100,
    });
    clients.push(watcher);
    let killOnFirst = false;
    watcher.on('message', (topic, payload) => {
      // node events: the alarm-clear stream also opens a "repeated false alarms" hazard per node
      if (!topic.endsWith('/event/hazard')) received.push(JSON.parse(payload.toString()));
      // SIGKILL from inside the handler of the first replayed event: no polling delay
      if (killOnFirst) {
        killOnFirst = false;
        gw?.child.kill('SIGKILL');
      }
    });
    await watcher.subscribeAsync(CLOUD_ALL_EVENTS, { qos: 1 });
    await broker.stop(); // the cloud is down while the nodes report

    const db = openDatabase(dir);
    const registry = new NodeRegistry(db);
    const stored = registry.upsert(
      Array.from({ length: NODES }, (_, i) => ({ id: `k${i}`, channels: ['smoke'] })),
      Date.now(),
    );
    db.close();
    const localPort = await freePort();
    const config = writeConfig(dir, {
      dataDir: dir,
      http: { host: '127.0.0.1', port: 0 },
      localBroker: { mode: 'embedded', host: '127.0.0.1', port: localPort },
      cloud: { url: broker.url, inflight: 100, backoff: { minMs: 100, maxMs: 300 } },
      panel: { enabled: false },
      log: { level: 'warn' },
    });
    gw = spawnGateway(config);
    await waitForPort(localPort);

    const acked = new Map<string, Set<number>>();
    const nodes = stored.map((s) => new NodeClient(s.id, s.keyHex));
    for (const n of nodes) {
      acked.set(n.id, new Set());
      const client = await n.connect(`mqtt://127.0.0.1:${localPort}`, (wire) => {
        const parts = unseal(wire);
        if (!parts || !verifyBody(nodeSha256, n.keyHex, parts)) return;
        const cmd = JSON.parse(wire) as { kind: string; d: { seqs?: number[] } };
        if (cmd.kind === 'event_ack') for (const s of cmd.d.seqs ?? []) acked.get(n.id)?.add(s);
      });
      clients.push(client);
    }
    await Promise.all(
      nodes.map(async (n, i) => {
        // windows of 50 QoS 1 publishes; one connection keeps them in order
        for (let k = 0; k < EVENTS_PER_NODE; k += 50) {
          const wires = Array.from({ length: 50 }, (_, j) => ((k + j) % 2 === 0 ? n.alarm() : n.clear()));
          await Promise.all(wires.map((w) => n.publish(clients[i + 1], w)));
        }
      }),
    );
    const total = NODES * EVENTS_PER_NODE;
    const ackedCount = () => [...acked.values()].reduce((a, s) => a + s.size, 0);
    await until(() => ackedCount() === total, 20_000, 'all events acknowledged');

    await broker.start();
    killOnFirst = true;
    await until(() => received.length > 0, 20_000, 'replay to begin');
    expect(await gw.exited).toBe('SIGKILL');
    const before = new Set(received.map((e) => e.id)).size;

    gw = spawnGateway(config);
    await until(
      () => {
        const delivered = new Set(received.map((e) => `${e.node}/${e.origin?.seq}`));
        return [...acked].every(([node, seqs]) => [...seqs].every((s) => delivered.has(`${node}/${s}`)));
      },
      30_000,
      'every acknowledged event at the cloud',
    );
    expect(before).toBeLessThan(total); // it really was killed mid-replay
    const ids = new Set(received.map((e) => e.id));
    expect(ids.size).toBe(total);
    for (const n of nodes) {
      const seqs = received.filter((e) => e.node === n.id).map((e) => e.origin?.seq ?? 0);
      const firsts = seqs.filter((s, i) => seqs.indexOf(s) === i);
      expect(firsts).toEqual([...firsts].sort((a, b) => a - b));
    }
    await waitForPort(localPort); // a clean stop needs the gateway up, not still loading its modules
    gw.child.kill('SIGTERM');
    expect(await gw.exited).toBe(0);
  }, 90_000);

  it('loses nothing it acknowledged when killed while nodes are sending', async () => {
    if (!broker) throw new Error('needs the broker of the previous test');
    const received = new Set<string>();
    const watcher = await mqtt.connectAsync(broker.url, { clientId: 'kill-watcher-2', reconnectPeriod: 100 });
    clients.push(watcher);
    watcher.on('message', (_t, payload) => {
      const e = JSON.parse(payload.toString()) as DecidedEvent;
      received.add(`${e.node}/${e.origin?.boot}/${e.origin?.seq}`);
    });
    await watcher.subscribeAsync(CLOUD_ALL_EVENTS, { qos: 1 });
    const db = openDatabase(dir);
    const stored = new NodeRegistry(db).list().slice(0, 4);
    db.close();
    const config = join(dir, 'gateway.json');
    const localPort = JSON.parse(readFileSync(config, 'utf8')).localBroker.port as number;
    gw = spawnGateway(config);
    await waitForPort(localPort);
    const acked = new Set<string>();
    const nodes = stored.map((s) => new NodeClient(s.id, s.keyHex, 2));
    const conns = await Promise.all(
      nodes.map((n) =>
        n.connect(`mqtt://127.0.0.1:${localPort}`, (wire) => {
          const cmd = JSON.parse(wire) as { kind: string; boot: number; d: { seqs?: number[] } };
          if (cmd.kind === 'event_ack') for (const s of cmd.d.seqs ?? []) acked.add(`${n.id}/${cmd.boot}/${s}`);
        }),
      ),
    );
    clients.push(...conns);
    const sending = nodes.map(async (n, i) => {
      for (let k = 0; k < 2000; k += 20) {
        const wires = Array.from({ length: 20 }, () => n.wire('test', '', { by: 'button', ok: true }));
        await Promise.all(wires.map((w) => n.publish(conns[i], w)));
      }
    });
    await until(() => acked.size >= 400, 20_000, 'some events acknowledged');
    gw.child.kill('SIGKILL');
    await gw.exited;
    for (const c of conns) c.end(true); // pending publishes fail: they were never acknowledged
    await Promise.allSettled(sending);
    const ackedAtKill = [...acked];
    gw = spawnGateway(config);
    await until(() => ackedAtKill.every((k) => received.has(k)), 30_000, 'every acknowledged event at the cloud');
    expect(ackedAtKill.length).toBeGreaterThanOrEqual(400);
    await waitForPort(localPort); // a clean stop needs the gateway up, not still loading its modules
    gw.child.kill('SIGTERM');
    expect(await gw.exited).toBe(0);
  }, 90_000);
});
