import mqttPacket from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import type { Stream, TcpOptions, Wifi } from '../../firmware/hal.ts';
import {
  BACKOFF_MIN_MS,
  INFLIGHT,
  KEEPALIVE_S,
  MAX_PACKET,
  mqttLinkClass,
  RETRY_MS,
} from '../../firmware/link/mqtt-link.ts';
import { nodeSha256 } from '../../gateway/wire/node-sha256.ts';
import { mqttPassword } from '../../protocol/mqtt-auth.ts';
import { PlayedWifi, TestBoard } from './support/test-board.ts';

/**
 * What Mosquitto will not do on request: lose a PUBACK, go silent, refuse a login. The broker
 * end of the socket is played by the test on the virtual clock; packets are parsed and made
 * with mqtt-packet (MQTT.js's own codec).
 */
class SessionBoard extends TestBoard {
  connects: TcpOptions[] = [];
  sent: mqttPacket.Packet[] = [];
  closed = 0;

  tcp(o: TcpOptions): Stream {
    this.connects.push(o);
    const parser = mqttPacket.parser({ protocolVersion: 4 });
    parser.on('packet', (p) => this.sent.push(p));
    this.clock.setTimeout(() => o.onConnect(), 5);
    return {
      write: (d) => parser.parse(Buffer.from(d, 'latin1')),
      end: () => {
        this.closed++;
      },
    };
  }

  readonly station = new PlayedWifi(this.clock, 10, -55);

  wifi(): Wifi {
    return this.station;
  }

  /** Bytes from the broker on the latest socket. */
  reply(p: mqttPacket.Packet): void {
    this.replyBytes(mqttPacket.generate(p).toString('latin1'));
  }

  replyBytes(bytes: string): void {
    this.connects[this.connects.length - 1].onReadable(bytes);
  }

  take(cmd: string): mqttPacket.Packet[] {
    const out = this.sent.filter((p) => p.cmd === cmd);
    this.sent = this.sent.filter((p) => p.cmd !== cmd);
    return out;
  }
}

function session() {
  const board = new SessionBoard();
  const commands: string[] = [];
  let ups = 0;
  const link = new (mqttLinkClass())(
    { kind: 'mqtt', ssid: 's', pass: '', host: 'gw', port: 1883 },
    'n-7',
    'aa'.repeat(16),
    board,
    {
      onCommand: (w) => commands.push(w),
      flush: (all) => {
        if (all) ups++;
      },
    },
  );
  link.start();
  // the node's 1 s tick drives the link's housekeeping
  board.clock.setInterval(() => link.tick(), 1000);
  board.vc.advance(20);
  const connack = () => board.reply({ cmd: 'connack', returnCode: 0, sessionPresent: false });
  return { board, link, commands, connack, ups: () => ups };
}

describe('MqttLink session rules on a virtual clock', () => {
  it('re-sends a publish with DUP after RETRY_MS without PUBACK, and stops once acknowledged', () => {
    const s = session();
    expect(s.board.take('connect')).toHaveLength(1);
    s.connack();
    expect(s.link.up).toBe(true);
    expect(s.board.take('subscribe')[0]).toMatchObject({ subscriptions: [{ topic: 'pw/v1/node/n-7/down', qos: 1 }] });
    expect(s.link.send('{"a":1}')).toBe(true);
    const [first] = s.board.take('publish') as mqttPacket.IPublishPacket[];
    expect(first).toMatchObject({ qos: 1, dup: false, topic: 'pw/v1/node/n-7/up' });
    s.board.vc.advance(RETRY_MS + 1000);
    const [again] = s.board.take('publish') as mqttPacket.IPublishPacket[];
    expect(again).toMatchObject({ qos: 1, dup: true, messageId: first.messageId });
    s.board.reply({ cmd: 'puback', messageId: first.messageId });
    s.board.vc.advance(3 * RETRY_MS);
    expect(s.board.take('publish')).toEqual([]);
    // the acknowledged publish left the window: it takes INFLIGHT new ones again
    for (let i = 0; i < INFLIGHT; i++) expect(s.link.send('{"i":' + i + '}')).toBe(true);
  });

  it("reports the Wi-Fi module's RSSI while Wi-Fi is up, 0 once it dropped, and asks it to join again", () => {
    const s = session();
    s.connack();
    expect(s.link.rssi()).toBe(-55);
    expect(s.board.station.connects).toBe(1);
    s.board.station.drop();
    expect(s.link.up).toBe(false);
    expect(s.link.rssi()).toBe(0);
    s.board.vc.advance(BACKOFF_MIN_MS + 100);
    expect(s.board.station.connects).toBe(2);
  });

  it('tries Wi-Fi again after the backoff when an attempt fails (Espruino sends no event for it)', () => {
    const s = session();
    s.connack();
    s.board.station.away = true;
    s.board.station.drop();
    s.board.vc.advance(BACKOFF_MIN_MS + 100); // attempt 2 fails after 10 ms
    expect(s.board.station.connects).toBe(2);
    s.board.vc.advance(2 * BACKOFF_MIN_MS + 100); // attempt 3 after the doubled backoff
    expect(s.board.station.connects).toBe(3);
    s.board.station.away = false;
    s.board.vc.advance(4 * BACKOFF_MIN_MS + 100);
    expect(s.board.station.connects).toBe(4);
    expect(s.board.connects).toHaveLength(2); // Wi-Fi back: a new MQTT session
  });

  it('refuses a publish when its window is full (the node keeps the event in its ring)', () => {
    const s = session();
    s.connack();
    for (let i = 0; i < INFLIGHT; i++) expect(s.link.send('{"i":' + i + '}')).toBe(true);
    expect(s.link.send('{"i":9}')).toBe(false);
  });

  it('pings at half the keepalive and drops a silent session, then reconnects with doubling backoff', () => {
    const s = session();
    s.connack();
    s.board.vc.advance((KEEPALIVE_S / 2) * 1000 + 1000);
    expect(s.board.take('pingreq').length).toBeGreaterThanOrEqual(1);
    s.board.vc.advance(KEEPALIVE_S * 1500);
    expect(s.link.up).toBe(false);
    expect(s.board.closed).toBe(1);
    const t0 = s.board.vc.now();
    s.board.vc.advance(BACKOFF_MIN_MS + 10);
    expect(s.board.connects).toHaveLength(2);
    // refused this time: the next try waits twice as long
    s.board.reply({ cmd: 'connack', returnCode: 5, sessionPresent: false });
    expect(s.board.logs.filter((l) => l.startsWith('PW-MQTT refused'))).toEqual(['PW-MQTT refused 5']);
    s.board.vc.advance(2 * BACKOFF_MIN_MS - 100);
    expect(s.board.connects).toHaveLength(2);
    s.board.vc.advance(200);
    expect(s.board.connects).toHaveLength(3);
    s.connack();
    expect(s.ups()).toBe(2);
    expect(s.board.vc.now() - t0).toBeLessThan(4000);
  });

  it('caps the reconnect backoff so a queued alarm goes out within seconds of the broker returning', () => {
    const s = session();
    s.connack();
    s.board.connects[0].onClose();
    for (let i = 0; i < 8; i++) {
      const before = s.board.connects.length;
      s.board.vc.advance(10_000);
      expect(s.board.connects.length).toBe(before + 1);
      s.board.reply({ cmd: 'connack', returnCode: 3, sessionPresent: false });
    }
    expect(s.board.logs.filter((l) => l.startsWith('PW-MQTT refused 3'))).toHaveLength(8);
  });

  it('re-sends unacknowledged publishes after a reconnect and delivers commands with PUBACK', () => {
    const s = session();
    s.connack();
    s.link.send('{"e":1}');
    const [p] = s.board.take('publish') as mqttPacket.IPublishPacket[];
    s.board.connects[0].onClose();
    s.board.vc.advance(BACKOFF_MIN_MS + 100);
    s.connack();
    const [again] = s.board.take('publish') as mqttPacket.IPublishPacket[];
    expect(again).toMatchObject({ dup: true, messageId: p.messageId });
    s.board.reply({
      cmd: 'publish',
      topic: 'pw/v1/node/n-7/down',
      payload: Buffer.from('{"cmd":1}'),
      qos: 1,
      messageId: 42,
      dup: false,
      retain: false,
    });
    expect(s.commands).toEqual(['{"cmd":1}']);
    expect(s.board.take('puback')[0]).toMatchObject({ messageId: 42 });
  });
});

describe('MqttLink packets (checked with mqtt-packet, the parser MQTT.js uses)', () => {
  it('CONNECT carries the will, keepalive, username and the password derived from the key', () => {
    const s = session();
    const [p] = s.board.take('connect') as mqttPacket.IConnectPacket[];
    expect(p).toMatchObject({
      cmd: 'connect',
      clientId: 'n-7',
      username: 'n-7',
      keepalive: KEEPALIVE_S,
      clean: true,
      protocolVersion: 4,
    });
    expect(String(p.password)).toBe(mqttPassword(nodeSha256, 'aa'.repeat(16)));
    expect(p.will).toMatchObject({ topic: 'pw/v1/node/n-7/will', qos: 1, retain: false });
    expect(String(p.will?.payload)).toBe('offline');
  });

  it('a long payload gets a multi-byte remaining length', () => {
    const s = session();
    s.connack();
    const long = 'x'.repeat(700);
    s.link.send(long);
    const [pub] = s.board.take('publish') as mqttPacket.IPublishPacket[];
    expect(pub).toMatchObject({ topic: 'pw/v1/node/n-7/up', qos: 1, dup: false });
    expect(String(pub.payload)).toBe(long);
  });

  it('splits a stream cut anywhere into packets, and drops the session on an oversize packet', () => {
    const s = session();
    const bytes = [
      mqttPacket.generate({ cmd: 'connack', returnCode: 0, sessionPresent: false }),
      mqttPacket.generate({
        cmd: 'publish',
        topic: 'pw/v1/node/n-7/down',
        payload: 'hello',
        qos: 1,
        messageId: 9,
        dup: false,
        retain: false,
      }),
      mqttPacket.generate({
        cmd: 'publish',
        topic: 'pw/v1/node/n-7/down',
        payload: 'qos0',
        qos: 0,
        dup: false,
        retain: false,
      }),
    ]
      .map((b) => b.toString('latin1'))
      .join('');
    for (const ch of bytes) s.board.replyBytes(ch);
    expect(s.link.up).toBe(true);
    expect(s.commands).toEqual(['hello', 'qos0']);
    expect(s.board.take('puback')).toMatchObject([{ messageId: 9 }]);
    // remaining length 0x7fffff: far over MAX_PACKET
    expect(MAX_PACKET).toBeLessThan(0x7fffff);
    s.board.replyBytes(String.fromCharCode(0x30, 0xff, 0xff, 0x7f));
    expect(s.link.up).toBe(false);
    expect(s.board.closed).toBe(1);
  });
});
