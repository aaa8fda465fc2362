/**
 * The few MQTT 3.1.1 packets a node needs, as "binary strings" (one char per byte, which is what
 * Espruino's sockets carry). Topics and payloads are ASCII here: wire messages are canonical JSON.
 */

export const CONNACK = 2;
export const PUBLISH = 3;
export const PUBACK = 4;
export const SUBACK = 9;
export const PINGRESP = 13;

function u16(n: number): string {
  return String.fromCharCode((n >> 8) & 255, n & 255);
}

function utf(s: string): string {
  return u16(s.length) + s;
}

function packet(first: number, body: string): string {
  let n = body.length;
  let len = '';
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 128;
    len += String.fromCharCode(b);
  } while (n > 0);
  return String.fromCharCode(first) + len + body;
}

export interface ConnectOptions {
  clientId: string;
  username: string;
  password: string;
  willTopic: string;
  willMessage: string;
  keepaliveS: number;
}

/** CONNECT with clean session, username, password and a QoS 1 last-will. */
export function connectPacket(o: ConnectOptions): string {
  const flags = 0x80 | 0x40 | 0x08 | 0x04 | 0x02;
  const body =
    utf('MQTT') +
    String.fromCharCode(4, flags) +
    u16(o.keepaliveS) +
    utf(o.clientId) +
    utf(o.willTopic) +
    utf(o.willMessage) +
    utf(o.username) +
    utf(o.password);
  return packet(0x10, body);
}

export function publishPacket(topic: string, payload: string, id: number, dup: boolean): string {
  return packet(0x32 | (dup ? 0x08 : 0), utf(topic) + u16(id) + payload);
}

export function pubackPacket(id: number): string {
  return packet(0x40, u16(id));
}

export function subscribePacket(id: number, topic: string): string {
  return packet(0x82, u16(id) + utf(topic) + String.fromCharCode(1));
}

export const PINGREQ_PACKET = String.fromCharCode(0xc0, 0);
export const DISCONNECT_PACKET = String.fromCharCode(0xe0, 0);

/** One received packet. For PUBLISH: topic, payload, id (0 for QoS 0). For CONNACK: code. For PUBACK: id. */
export interface Packet {
  type: number;
  id: number;
  code: number;
  topic: string;
  payload: string;
  qos: number;
}

/** Longest packet accepted from the broker: commands are small; anything bigger is a fault. */
export const MAX_PACKET = 2048;

/** Splits a byte stream into packets. Returns false when the stream is broken (close the socket). */
export class PacketReader {
  private buf = '';

  constructor(private onPacket: (p: Packet) => void) {}

  push(data: string): boolean {
    this.buf += data;
    for (;;) {
      const b = this.buf;
      if (b.length < 2) return true;
      let len = 0;
      let mul = 1;
      let i = 1;
      for (;;) {
        if (i >= b.length) return true;
        const c = b.charCodeAt(i++);
        len += (c & 127) * mul;
        mul *= 128;
        if ((c & 128) === 0) break;
        if (i > 4) return false;
      }
      if (len > MAX_PACKET) return false;
      if (b.length < i + len) return true;
      this.buf = b.substr(i + len);
      this.onPacket(parse(b.charCodeAt(0), b.substr(i, len)));
    }
  }

  reset(): void {
    this.buf = '';
  }
}

function parse(first: number, body: string): Packet {
  const type = first >> 4;
  const p: Packet = { type: type, id: 0, code: 0, topic: '', payload: '', qos: 0 };
  const w = (at: number) => (body.charCodeAt(at) << 8) | body.charCodeAt(at + 1);
  if (type === CONNACK) p.code = body.charCodeAt(1);
  else if (type === PUBACK || type === SUBACK) p.id = w(0);
  else if (type === PUBLISH) {
    p.qos = (first >> 1) & 3;
    const tl = w(0);
    p.topic = body.substr(2, tl);
    let at = 2 + tl;
    if (p.qos > 0) {
      p.id = w(at);
      at += 2;
    }
    p.payload = body.substr(at);
  }
  return p;
}
