import { createHash } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import mqttPacket from 'mqtt-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MqttLink } from '../../firmware/link/mqtt-link.ts';
import * as P from '../../firmware/link/mqtt-packets.ts';
import { NodeMessage } from '../../gateway/wire/schemas.ts';
import { seal } from '../../protocol/envelope.ts';
import { mqttPassword } from '../../protocol/mqtt-auth.ts';
import { nodeDown, nodeUp, nodeWill } from '../../protocol/topics.ts';
import { type RunningMosquitto, startMosquitto } from '../support/mosquitto.ts';
import { NetBoard } from './support/net-board.ts';
import { FW, KEY, NodeHarness, nodeConfig } from './support/node-harness.ts';
import { nodeSha256 } from './support/test-board.ts';

const ID = 'n-101';
const sha = (s: string) => createHash('sha256').update(s, 'latin1').digest().toString('latin1');

function parsePacket(bytes: string): mqttPacket.Packet {
  const parser = mqttPacket.parser({ protocolVersion: 4 });
  let out: mqttPacket.Packet | undefined;
  parser.on('packet', (p) => {
    out = p;
  });
  parser.on('error', (e) => {
    throw e;
  });
  parser.parse(Buffer.from(bytes, 'latin1'));
  if (!out) throw new Error('no packet');
  return out;
}

describe('MQTT packets (checked with mqtt-packet, the parser MQTT.js uses)', () => {
  const MqttCodec = P.mqttCodecClass();
  const codec = new MqttCodec(() => {});
  it('CONNECT carries the will, keepalive, username and password', () => {
    const p = parsePacket(
      codec.connect({
        clientId: ID,
        username: ID,
        password: 'pw',
        willTopic: nodeWill(ID),
        willMessage: 'offline',
        keepaliveS: 30,
      }),
    ) as mqttPacket.IConnectPacket;
    expect(p).toMatchObject({
      cmd: 'connect',
      clientId: ID,
      username: ID,
      keepalive: 30,
      clean: true,
      protocolVersion: 4,
    });
    expect(String(p.password)).toBe('pw');
    expect(p.will).toMatchObject({ topic: nodeWill(ID), qos: 1, retain: false });
    expect(String(p.will?.payload)).toBe('offline');
  });

  it('PUBLISH QoS 1 (with DUP), SUBSCRIBE, PUBACK and a long payload with a multi-byte length', () => {
    const long = 'x'.repeat(700);
    const pub = parsePacket(codec.publish(nodeUp(ID), long, 513, true)) as mqttPacket.IPublishPacket;
    expect(pub).toMatchObject({ cmd: 'publish', topic: nodeUp(ID), qos: 1, dup: true, messageId: 513 });
    expect(String(pub.payload)).toBe(long);
    expect(parsePacket(codec.subscribe(1, nodeDown(ID)))).toMatchObject({
      cmd: 'subscribe',
      messageId: 1,
      subscriptions: [{ topic: nodeDown(ID), qos: 1 }],
    });
    expect(parsePacket(codec.puback(7))).toMatchObject({ cmd: 'puback', messageId: 7 });
    expect(parsePacket(P.PINGREQ_PACKET)).toMatchObject({ cmd: 'pingreq' });
  });

  it('the codec splits a stream cut anywhere and refuses an oversize packet', () => {
    const got: P.Packet[] = [];
    const r = new MqttCodec((p) => got.push(p));
    const bytes =
      mqttPacket
        .generate({
          cmd: 'publish',
          topic: nodeDown(ID),
          payload: 'hello',
          qos: 1,
          messageId: 9,
          dup: false,
          retain: false,
        })
        .toString('latin1') + mqttPacket.generate({ cmd: 'puback', messageId: 4 }).toString('latin1');
    for (const ch of bytes) expect(r.push(ch)).toBe(true);
    expect(got.map((p) => [p.type, p.id, p.topic, p.payload])).toEqual([
      [P.PUBLISH, 9, nodeDown(ID), 'hello'],
      [P.PUBACK, 4, '', ''],
    ]);
    expect(new MqttCodec(() => {}).push(String.fromCharCode(0x30, 0xff, 0xff, 0x7f))).toBe(false);
  });
});

describe('MqttLink against a real Mosquitto', () => {
  let broker: RunningMosquitto;
  let gw: MqttClient;
  const up: NodeMessage[] = [];
  const wills: string[] = [];

  beforeAll(async () => {
    broker = await startMosquitto({
      users: [
        { username: ID, password: mqttPassword(sha, KEY)! },
        { username: 'gateway', password: 'gw-secret' },
      ],
      // the broker enforces that a node writes only its own up/will topics and reads its own down topic
      acl: `user ${ID}\ntopic write pw/v1/node/${ID}/up\ntopic write pw/v1/node/${ID}/will\ntopic read pw/v1/node/${ID}/down\n\nuser gateway\ntopic readwrite pw/v1/#\n`,
    });
    gw = mqtt.connect(broker.url, { username: 'gateway', password: 'gw-secret', clientId: 'gw-test' });
    await new Promise<void>((res) => gw.on('connect', () => res()));
    await gw.subscribeAsync([nodeUp(ID), nodeWill(ID)], { qos: 1 });
    gw.on('message', (topic, payload) => {
      if (topic === nodeWill(ID)) wills.push(payload.toString());
      else up.push(NodeMessage.parse(JSON.parse(payload.toString())));
    });
  });

  afterAll(async () => {
    gw?.end(true);
    await broker?.dispose();
  });

  async function until<T>(what: () => T | undefined, ms = 8000): Promise<T> {
    const end = Date.now() + ms;
    for (;;) {
      const v = what();
      if (v !== undefined && v !== false) return v;
      if (Date.now() > end) throw new Error('timed out\n' + broker.log().slice(-2000));
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  function command(boot: number, seq: number, kind: 'event_ack' | 'test', d: { [k: string]: unknown }) {
    gw.publish(nodeDown(ID), seal(nodeSha256, KEY, { v: 1, node: ID, boot, seq, kind, d }), { qos: 1 });
  }

  it('connects with its derived password, publishes hello (QoS 1), takes commands on its down topic', async () => {
    const board = new NetBoard();
    const cfg = nodeConfig({ link: { kind: 'mqtt', ssid: 'park', pass: 'x', host: '127.0.0.1', port: broker.port } });
    const h = new NodeHarness(cfg, board).boot();
    try {
      const hello = await until(() => up.find((m) => m.kind === 'hello' && m.boot === h.booted.boot));
      expect(hello.d).toMatchObject({ fw: FW.version, chs: ['smoke', 'water'] });
      const link = h.booted.link as MqttLink;
      await until(() => link.freeSlots() === 4);
      command(h.booted.boot, 1, 'event_ack', { seqs: [hello.seq] });
      command(h.booted.boot, 2, 'test', {});
      const ack = await until(() => up.find((m) => m.kind === 'ack'));
      expect(ack.d).toEqual({ cmd: 2, ok: true });
      expect(up.find((m) => m.kind === 'test')?.d).toEqual({ by: 'command', ok: true });
      await until(() => h.booted.messenger!.ring.size <= 2 || undefined);
      expect(h.booted.messenger!.ring.due(Number.MAX_SAFE_INTEGER).map((e) => e.seq)).not.toContain(hello.seq);
      expect(link.stats.connects).toBe(1);

      // Wi-Fi drops: the link goes down, asks Wi-Fi to reconnect, then MQTT reconnects
      board.dropWifi();
      expect(link.isUp()).toBe(false);
      await until(() => link.stats.connects === 2);
      expect(board.wifiConnects).toBe(2);

      // power cut: no DISCONNECT, so the broker publishes the last-will
      board.powerCut();
      expect(await until(() => wills[0])).toBe('offline');
    } finally {
      board.powerCut();
    }
  });

  it('keeps events while the broker is down and delivers them after it comes back', async () => {
    const board = new NetBoard();
    const cfg = nodeConfig({ link: { kind: 'mqtt', ssid: 'park', pass: 'x', host: '127.0.0.1', port: broker.port } });
    const h = new NodeHarness(cfg, board).boot();
    try {
      const link = h.booted.link as MqttLink;
      await until(() => link.isUp());
      await broker.stop();
      await until(() => !link.isUp());
      h.board.press(); // a self test while the broker is away: an event
      await broker.start();
      await until(() => link.stats.connects >= 2, 10_000);
      const test = await until(() => up.find((m) => m.kind === 'test' && m.d.by === 'button'));
      expect(test.d).toEqual({ by: 'button', ok: true });
    } finally {
      board.powerCut();
    }
  });

  it('a wrong password is refused by the broker and retried with backoff, never crashing', async () => {
    const board = new NetBoard();
    const cfg = nodeConfig({
      key: 'ff'.repeat(32),
      link: { kind: 'mqtt', ssid: 'park', pass: 'x', host: '127.0.0.1', port: broker.port },
    });
    const h = new NodeHarness(cfg, board).boot();
    try {
      const link = h.booted.link as MqttLink;
      await until(() => link.stats.refused >= 2, 10_000);
      expect(link.isUp()).toBe(false);
      expect(board.logs.some((l) => l.startsWith('PW-MQTT refused 5'))).toBe(true);
    } finally {
      board.powerCut();
    }
  });
});
