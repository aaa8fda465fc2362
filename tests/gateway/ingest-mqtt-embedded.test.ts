import { createHmac } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConsumerBook, ConsumerCredential, hashConsumerPassword } from '../../gateway/ingest/consumer-credentials.ts';
import { EmbeddedMqttIngest } from '../../gateway/ingest/embedded-broker.ts';
import type { InboundFrame } from '../../gateway/ingest/inbound.ts';
import { mayPublish, maySubscribe } from '../../gateway/ingest/local-acl.ts';
import { DecidedEvent, GatewayState, NodeState } from '../../gateway/wire/events.ts';
import { nodeSha256 } from '../../gateway/wire/node-sha256.ts';
import {
  gatewayEvent,
  gatewayNodeState,
  gatewayState,
  mqttPassword,
  nodeDown,
  nodeUp,
  seal,
} from '../../protocol/index.ts';
import { KEY, OTHER_KEY, SAMPLE_MESSAGES } from '../protocol/samples.ts';
import { waitFor } from './ingest-wait.ts';

const KEYS: Record<string, string> = { n1: KEY, n2: OTHER_KEY };
const pw = (node: string) => mqttPassword(nodeSha256, KEYS[node])!;
const WIRE = seal(nodeSha256, KEY, { ...SAMPLE_MESSAGES[1], node: 'n1' });

const EVENT: DecidedEvent = {
  id: 'gw1:7',
  seq: 7,
  gw: 'gw1',
  park: 'park1',
  kind: 'alarm',
  priority: 'fire',
  at: 1_700_000_000_000,
  receivedAt: 1_700_000_000_100,
  node: 'n1',
  ch: 'smoke',
  placement: null,
  data: { v: 160 },
};

const frames: InboundFrame[] = [];
const counted: string[] = [];
let ingest: EmbeddedMqttIngest;
let url: string;
const clients: MqttClient[] = [];

beforeAll(async () => {
  ingest = new EmbeddedMqttIngest({
    host: '127.0.0.1',
    port: 0,
    gw: 'gw1',
    consumers: [
      { username: 'nodered', password: 'read-only-pass' },
      { username: 'panel', passwordHash: await hashConsumerPassword('panel-secret') },
    ],
    ctx: {
      keyOf: (node) => KEYS[node],
      count: (_name, labels) => counted.push(labels.reason),
      log: pino({ level: 'silent' }),
    },
  });
  await ingest.start((f) => frames.push(f));
  url = `mqtt://127.0.0.1:${ingest.port}`;
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.endAsync(true)));
  await ingest.stop();
});

async function connect(username: string, password: string, clientId = username): Promise<MqttClient> {
  const client = await mqtt.connectAsync(url, { username, password, clientId, reconnectPeriod: 0, protocolVersion: 4 });
  clients.push(client);
  return client;
}

function refusedConnect(username: string, password: string, clientId = username): Promise<string> {
  return connect(username, password, clientId).then(
    () => 'connected',
    (err: Error) => err.message,
  );
}

/** Granted QoS per filter; 128 is a refusal (mqtt.js reports it as an error carrying the SUBACK). */
function grantedQos(client: MqttClient, filters: string[]): Promise<number[]> {
  return client.subscribeAsync(filters, { qos: 1 }).then(
    (granted) => granted.map((g) => g.qos),
    (err: Error & { packet?: { granted?: number[] } }) => {
      if (!err.packet?.granted) throw err;
      return err.packet.granted;
    },
  );
}

describe('node MQTT password', () => {
  it('is hex of HMAC-SHA256(key, "pw-mqtt") cut to 16 bytes, the same with protocol/hmac.ts and node:crypto', () => {
    const expected = createHmac('sha256', Buffer.from(KEY, 'hex')).update('pw-mqtt').digest('hex').slice(0, 32);
    expect(mqttPassword(nodeSha256, KEY)).toBe(expected);
    expect(mqttPassword(nodeSha256, 'not hex')).toBeUndefined();
  });
});

describe('EmbeddedMqttIngest (aedes) with real MQTT clients', () => {
  it('takes a node publish on its own up topic into the pipeline, inside the broker', async () => {
    const n1 = await connect('n1', pw('n1'));
    await n1.publishAsync(nodeUp('n1'), WIRE, { qos: 1 });
    await waitFor(() => frames.length === 1, 'frame');
    expect(frames[0]).toMatchObject({ path: 'mqtt', via: 'n1', raw: WIRE, topicNode: 'n1' });
  });

  it('refuses a wrong password, an unknown node, no credentials and a client id that is not the node id', async () => {
    expect(await refusedConnect('n1', pw('n2'))).toMatch(/Bad username or password/);
    expect(await refusedConnect('n9', pw('n1'))).toMatch(/Bad username or password/);
    expect(await refusedConnect('n2', pw('n2'), 'n1')).toMatch(/Identifier rejected/);
    const anonymous = await mqtt.connectAsync(url, { clientId: 'anon', reconnectPeriod: 0 }).then(
      (c) => c.endAsync().then(() => 'connected'),
      (err: Error) => err.message,
    );
    expect(anonymous).toMatch(/Bad username or password/);
    expect(await refusedConnect('nodered', 'wrong-password')).toMatch(/Bad username or password/);
    expect(await refusedConnect('nodered', 'read-only-pass', 'n1')).toMatch(/Identifier rejected/);
    expect(ingest.refusals()).toMatchObject({
      connect_bad_password: 1,
      connect_unknown_node: 1,
      connect_client_id_mismatch: 1,
      connect_consumer_bad_password: 1,
      connect_consumer_client_id_is_node: 1,
      connect_no_credentials: 1,
    });
    expect(counted).toContain('connect_bad_password');
  });

  it('drops a node that publishes on another node up topic, counts it, and passes nothing on', async () => {
    const before = frames.length;
    const n2 = await connect('n2', pw('n2'));
    const closed = new Promise<void>((resolve) => n2.once('close', () => resolve()));
    n2.publish(nodeUp('n1'), WIRE, { qos: 1 });
    await closed;
    expect(frames.length).toBe(before);
    expect(ingest.refusals().publish_not_own_topic).toBe(1);
  });

  it('lets a node subscribe to its own down topic only, and delivers commands there', async () => {
    const n2 = await connect('n2', pw('n2'));
    expect(await grantedQos(n2, [nodeDown('n1')])).toEqual([128]);
    expect(await grantedQos(n2, [nodeDown('n2')])).toEqual([1]);
    expect(ingest.refusals().subscribe_not_own_down).toBe(1);
    const got = new Promise<[string, string]>((resolve) => n2.once('message', (t, p) => resolve([t, p.toString()])));
    expect(ingest.sendToNode('n2', '{"cmd":1}')).toBe(true);
    expect(await got).toEqual([nodeDown('n2'), '{"cmd":1}']);
    expect(ingest.sendToNode('n9', '{}')).toBe(false);
  });

  it('gives consumers read-only access to pw/v1/gw/# with decided events and retained states', async () => {
    const consumer = await connect('nodered', 'read-only-pass', 'nodered-1');
    expect(await grantedQos(consumer, ['pw/v1/gw/#', 'pw/v1/node/+/up', '#', '$SYS/#'])).toEqual([1, 128, 128, 128]);
    const seen: [string, unknown][] = [];
    consumer.on('message', (t, p) => seen.push([t, JSON.parse(p.toString())]));

    const event = EVENT;
    const state: NodeState = {
      node: 'n1',
      online: true,
      lastSeen: 1_700_000_000_100,
      placement: null,
      fw: '1.0.0',
      battery: 3650,
      rssi: -61,
      mem: 1800,
      channels: { smoke: 'alarm' },
      troubles: [],
    };
    ingest.publisher.publishEvents([event]);
    ingest.publisher.publishNodeState(state);
    ingest.publisher.publishGatewayState({ gw: 'gw1', park: 'park1', state: 'online', since: 1 });
    await waitFor(() => seen.length === 3, 'three messages at the consumer');
    expect(seen[0]).toEqual([gatewayEvent('gw1', 'alarm'), DecidedEvent.parse(event)]);
    expect(NodeState.parse(seen[1][1])).toEqual(state);

    // a consumer that comes later gets the retained states (hashed password this time)
    const panel = await connect('panel', 'panel-secret', 'panel-1');
    const late: string[] = [];
    panel.on('message', (t) => late.push(t));
    await panel.subscribeAsync('pw/v1/gw/gw1/+/#', { qos: 1 });
    await waitFor(() => late.length === 2, 'retained states');
    expect(late.sort()).toEqual([gatewayNodeState('gw1', 'n1'), gatewayState('gw1')].sort());

    const closed = new Promise<void>((resolve) => consumer.once('close', () => resolve()));
    consumer.publish('pw/v1/gw/gw1/event/alarm', '{}', { qos: 1 });
    await closed;
    expect(ingest.refusals().publish_consumer_read_only).toBe(1);
  });

  it('leaves a retained offline gateway state when it stops', async () => {
    const panel = await connect('panel', 'panel-secret', 'panel-2');
    const states: GatewayState[] = [];
    panel.on('message', (_t, p) => states.push(GatewayState.parse(JSON.parse(p.toString()))));
    await panel.subscribeAsync(gatewayState('gw1'), { qos: 1 });
    await waitFor(() => states.length === 1, 'retained online state');
    await ingest.stop();
    await waitFor(() => states.length === 2, 'offline state');
    expect(states[1]).toMatchObject({ gw: 'gw1', state: 'offline' });
  });
});

describe('a consumer that stops reading', () => {
  it('does not hold up node messages: they are taken on arrival and the frozen consumer is dropped', async () => {
    const got: InboundFrame[] = [];
    const own = new EmbeddedMqttIngest({
      host: '127.0.0.1',
      port: 0,
      gw: 'gw1',
      consumers: [{ username: 'frozen', password: 'frozen-pass' }],
      ctx: { keyOf: (node) => KEYS[node], count: () => {}, log: pino({ level: 'silent' }) },
    });
    await own.start((f) => got.push(f));
    try {
      const ownUrl = `mqtt://127.0.0.1:${own.port}`;
      const frozen = await mqtt.connectAsync(ownUrl, {
        username: 'frozen',
        password: 'frozen-pass',
        clientId: 'frozen',
        reconnectPeriod: 0,
      });
      await frozen.subscribeAsync('pw/v1/gw/#', { qos: 1 });
      frozen.stream.pause(); // stops reading its socket, like a hung Node-RED
      const big = { ...EVENT, data: { pad: 'x'.repeat(4000) } };
      for (let i = 0; i < 3000; i++) own.publisher.publishEvents([big]); // ~12 MB: more than the socket buffers
      const node = await mqtt.connectAsync(ownUrl, {
        username: 'n1',
        password: pw('n1'),
        clientId: 'n1',
        reconnectPeriod: 0,
      });
      for (let seq = 1; seq <= 10; seq++) await node.publishAsync(nodeUp('n1'), `${seq}`, { qos: 1 });
      await waitFor(() => got.length === 10, 'all node messages despite the frozen consumer');
      expect(got.map((f) => f.raw)).toEqual(['1', '2', '3', '4', '5', '6', '7', '8', '9', '10']);
      await node.endAsync(true);
      frozen.end(true);
    } finally {
      await own.stop();
    }
  });
});

describe('local ACL rules and consumer credentials', () => {
  it('keeps wildcards from widening a consumer filter to node topics', () => {
    const consumer = { kind: 'consumer', username: 'c' } as const;
    for (const filter of ['pw/v1/gw', 'pw/v1/gw/', '+/v1/gw/#', 'pw/+/gw/#', 'pw/v1/+/#', '$share/g/pw/v1/node/+/up'])
      expect(maySubscribe(consumer, filter)).toEqual({ ok: false, reason: 'outside_gw' });
    expect(maySubscribe(consumer, 'pw/v1/gw/gw1/event/+').ok).toBe(true);
    const node = { kind: 'node', node: 'n1' } as const;
    expect(mayPublish(node, nodeUp('n1'), 5000)).toEqual({ ok: false, reason: 'oversize' });
    expect(mayPublish(node, 'pw/v1/node/n1/down', 10)).toEqual({ ok: false, reason: 'not_own_topic' });
    expect(maySubscribe(node, 'pw/v1/node/+/down')).toEqual({ ok: false, reason: 'not_own_down' });
  });

  it('verifies scrypt hashes and refuses a config entry with both or neither password form', async () => {
    const book = new ConsumerBook([{ username: 'a', passwordHash: await hashConsumerPassword('correct horse') }]);
    expect(await book.verify('a', 'correct horse')).toBe(true);
    expect(await book.verify('a', 'correct horsE')).toBe(false);
    expect(await book.verify('b', 'correct horse')).toBe(false);
    expect(ConsumerCredential.safeParse({ username: 'x' }).success).toBe(false);
    expect(
      ConsumerCredential.safeParse({ username: 'x', password: 'long enough', passwordHash: 'scrypt$1$1$1$a$b' })
        .success,
    ).toBe(false);
    expect(ConsumerCredential.safeParse({ username: 'x', passwordHash: 'md5$abc' }).success).toBe(false);
  });
});
