import { createHash } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MqttLink } from '../../firmware/link/mqtt-link.ts';
import { nodeSha256 } from '../../gateway/wire/node-sha256.ts';
import { NodeMessage } from '../../gateway/wire/schemas.ts';
import { seal } from '../../protocol/envelope.ts';
import { mqttPassword } from '../../protocol/mqtt-auth.ts';
import { nodeDown, nodeUp, nodeWill } from '../../protocol/topics.ts';
import { type RunningMosquitto, startMosquitto } from '../../simulator/live/mosquitto.ts';
import { NetBoard } from './support/net-board.ts';
import { FW, KEY, NodeHarness, nodeConfig } from './support/node-harness.ts';

const ID = 'n-101';
const sha = (s: string) => createHash('sha256').update(s, 'latin1').digest().toString('latin1');

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
      command(h.booted.boot, 1, 'event_ack', { seqs: [hello.seq] });
      command(h.booted.boot, 2, 'test', {});
      const ack = await until(() => up.find((m) => m.kind === 'ack'));
      expect(ack.d).toEqual({ cmd: 2, ok: true });
      expect(up.find((m) => m.kind === 'test')?.d).toEqual({ by: 'command', ok: true });
      await until(() => h.booted.messenger!.ring.due(Number.MAX_SAFE_INTEGER).length <= 2 || undefined);
      expect(h.booted.messenger!.ring.due(Number.MAX_SAFE_INTEGER).map((e) => e.seq)).not.toContain(hello.seq);
      expect(link.up).toBe(true);
      expect(board.station.connects).toBe(1);

      // Wi-Fi drops: the link goes down, asks Wi-Fi to reconnect, then MQTT reconnects
      board.dropWifi();
      expect(link.up).toBe(false);
      await until(() => link.up);
      expect(board.station.connects).toBe(2);

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
      await until(() => link.up);
      await broker.stop();
      await until(() => !link.up);
      h.board.press(); // a self test while the broker is away: an event
      await broker.start();
      await until(() => link.up, 10_000);
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
      await until(() => board.logs.filter((l) => l.startsWith('PW-MQTT refused 5')).length >= 2 || undefined, 10_000);
      expect(link.up).toBe(false);
    } finally {
      board.powerCut();
    }
  });
});
