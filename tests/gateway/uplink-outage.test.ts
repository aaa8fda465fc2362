import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DecidedEvent } from '../../gateway/wire/events.ts';
import { CLOUD_ALL_EVENTS, cloudCommand, cloudCommandReply } from '../../protocol/topics.ts';
import { type RunningMosquitto, startMosquitto } from '../../simulator/live/mosquitto.ts';
import { metric, type Rig, startRig, until } from './support/gateway-rig.ts';

/**
 * The cloud uplink against a real Mosquitto: events queue in the outbox while the broker is
 * down, and after it returns all are delivered, in order per node, each id at least once and
 * nothing else than duplicates with the same id.
 */
let broker: RunningMosquitto;
let rig: Rig;
let watcher: MqttClient;
const received: DecidedEvent[] = [];

beforeAll(async () => {
  // unlimited queue for offline subscribers: the watcher must not lose what the broker accepted
  broker = await startMosquitto({ persistence: true, extraConfig: 'max_queued_messages 0' });
  // A persistent session so the watcher also gets what was published while it reconnected.
  watcher = await mqtt.connectAsync(broker.url, { clientId: 'watcher', clean: false, reconnectPeriod: 100 });
  watcher.on('message', (topic, payload) => {
    // node events only: the alarm-clear rounds also open a "repeated false alarms" hazard per node
    if (topic.includes('/event/') && !topic.endsWith('/event/hazard')) received.push(JSON.parse(payload.toString()));
  });
  await watcher.subscribeAsync(CLOUD_ALL_EVENTS, { qos: 1 });
  rig = await startRig({ cloud: { url: broker.url, inflight: 200, backoff: { minMs: 100, maxMs: 400 } } });
});

afterAll(async () => {
  await rig?.dispose();
  watcher?.end(true);
  await broker?.dispose();
});

describe('uplink through a cloud outage', () => {
  it('delivers everything queued during the outage, ordered per node', async () => {
    const nodes = ['a', 'b', 'c'].map((id) => rig.node(id));
    const send = (round: number) => {
      for (const n of nodes) rig.direct.push(round % 2 === 0 ? n.alarm() : n.clear(), n.id);
    };
    for (let r = 0; r < 10; r++) send(r);
    await until(() => received.length >= 30, 10_000, 'first events at the cloud');

    await broker.stop();
    await until(() => rig.gateway.uplink?.state !== 'connected', 5000, 'uplink to notice');
    for (let r = 10; r < 400; r++) send(r);
    // 390 node events per node, and at most one hazard per node if its false alarms add up meanwhile
    await until(() => rig.gateway.outbox.stats().depth >= 390 * 3, 5000, 'events queued');
    const queued = metric(await rig.metrics(), 'parkwatch_outbox_depth');
    expect(queued).toBeGreaterThanOrEqual(1170);
    expect(queued).toBeLessThanOrEqual(1173);

    await broker.start();
    await until(() => rig.gateway.outbox.stats().depth === 0, 15_000, 'outbox drained');
    await until(() => new Set(received.map((e) => e.id)).size === 1200, 10_000, 'all events at the cloud');

    const byId = new Map(received.map((e) => [e.id, e]));
    expect(byId.size).toBe(1200);
    for (const n of nodes) {
      const origin = received.filter((e) => e.node === n.id).map((e) => e.origin?.seq ?? 0);
      // first delivery of each event, in arrival order: strictly rising per node
      const firsts = origin.filter((s, i) => origin.indexOf(s) === i);
      expect(firsts).toEqual([...firsts].sort((x, y) => x - y));
      expect(firsts.length).toBe(400);
    }
    const text = await rig.metrics();
    expect(metric(text, 'parkwatch_uplink_published_total')).toBeGreaterThanOrEqual(1200);
    expect(metric(text, 'parkwatch_uplink_disconnects_total')).toBeGreaterThanOrEqual(1);
  });

  it('answers a cloud command on cmd/reply and refuses an invalid one', async () => {
    rig.direct.push(rig.node('d').alarm(), 'd');
    await until(() => rig.gateway.panel.activeConditions().some((c) => c.node === 'd'), 5000, 'alarm on d');
    const ref = rig.gateway.panel.activeConditions().find((c) => c.node === 'd')?.ref ?? '';
    const replies: { id: string | null; ok: boolean; error?: { code: string } }[] = [];
    const { parkId, gatewayId } = rig.gateway.config;
    watcher.on('message', (topic, payload) => {
      if (topic === cloudCommandReply(parkId, gatewayId)) replies.push(JSON.parse(payload.toString()));
    });
    await watcher.subscribeAsync(cloudCommandReply(parkId, gatewayId), { qos: 1 });
    await watcher.publishAsync(
      cloudCommand(parkId, gatewayId),
      JSON.stringify({ id: 'c1', action: 'acknowledge', ref, by: 'insurer' }),
      { qos: 1 },
    );
    await watcher.publishAsync(cloudCommand(parkId, gatewayId), JSON.stringify({ id: 'c2', action: 'explode', ref }), {
      qos: 1,
    });
    await until(() => replies.length >= 2, 5000, 'replies');
    expect(replies.find((r) => r.id === 'c1')).toMatchObject({ ok: true });
    expect(replies.find((r) => r.id === 'c2')).toMatchObject({ ok: false, error: { code: 'schema' } });
    const [cond] = rig.gateway.panel.activeConditions().filter((c) => c.node === 'd');
    expect(cond).toMatchObject({ state: 'acknowledged', acknowledgedBy: 'cloud:insurer' });

    const cfg = { smoke: { alarm: 600 } };
    await watcher.publishAsync(
      cloudCommand(parkId, gatewayId),
      JSON.stringify({ id: 'c3', action: 'config', node: 'd', cfg, by: 'ops' }),
      { qos: 1 },
    );
    const big = { blob: 'x'.repeat(1000) };
    await watcher.publishAsync(
      cloudCommand(parkId, gatewayId),
      JSON.stringify({ id: 'c4', action: 'config', node: 'd', cfg: big, by: 'ops' }),
      { qos: 1 },
    );
    await until(() => replies.length >= 4, 5000, 'config replies');
    expect(replies.find((r) => r.id === 'c3')).toMatchObject({ ok: true });
    expect(replies.find((r) => r.id === 'c4')).toMatchObject({ ok: false, error: { code: 'schema' } });
    const sent = (rig.commands.get('d') ?? []).map((w) => JSON.parse(w)).find((c) => c.kind === 'set_config');
    expect(sent).toMatchObject({ node: 'd', boot: 1, d: { cfg } });

    // a latched water alarm reset from the cloud: recorded with who, sent to the node as `reset`
    const w = rig.node('w', ['water']);
    rig.direct.push(w.wire('alarm', 'water', { v: 1, b: 0, th: 1, src: 'water', latch: true }), 'w');
    await until(() => rig.gateway.panel.activeConditions().some((c) => c.node === 'w'), 5000, 'alarm on w');
    const leak = rig.gateway.panel.activeConditions().find((c) => c.node === 'w');
    expect(leak?.latched).toBe(true);
    await watcher.publishAsync(
      cloudCommand(parkId, gatewayId),
      JSON.stringify({ id: 'c5', action: 'reset', ref: leak?.ref, by: 'ops' }),
      { qos: 1 },
    );
    await until(() => replies.some((r) => r.id === 'c5'), 5000, 'reset reply');
    expect(replies.find((r) => r.id === 'c5')).toMatchObject({ ok: true });
    const reset = (rig.commands.get('w') ?? []).map((x) => JSON.parse(x)).find((c) => c.kind === 'reset');
    expect(reset).toMatchObject({ node: 'w', boot: 1, d: { ch: 'water' } });
    const logged = rig.gateway.panel.history({ limit: 5, node: 'w' }).events.find((e) => e.kind === 'reset');
    expect(logged?.data).toMatchObject({ by: 'cloud:ops', sent: 'reset' });
  });
});
