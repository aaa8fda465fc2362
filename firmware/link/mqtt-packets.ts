/**
 * The few MQTT 3.1.1 packets a node needs, as "binary strings" (one char per byte, which is what
 * Espruino's sockets carry). Topics and payloads are ASCII here: wire messages are canonical JSON.
 */

export const CONNACK = 2;
export const PUBLISH = 3;
export const PUBACK = 4;
export const SUBACK = 9;
export const PINGRESP = 13;

export const PINGREQ_PACKET = String.fromCharCode(0xc0, 0);
export const DISCONNECT_PACKET = String.fromCharCode(0xe0, 0);

/** Longest packet accepted from the broker: commands are small; anything bigger is a fault. */
export const MAX_PACKET = 2048;

export interface ConnectOptions {
  clientId: string;
  username: string;
  password: string;
  willTopic: string;
  willMessage: string;
  keepaliveS: number;
}

/** One received packet. For PUBLISH: topic, payload, id (0 for QoS 0). For CONNACK: code. For PUBACK: id. */
export interface Packet {
  type: number;
  id: number;
  code: number;
  topic: string;
  payload: string;
  qos: number;
}

/**
 * Builds packets and splits the received byte stream into packets. Made by a factory, so only a
 * node whose config asks for MQTT creates these functions (a serial node never does).
 */
export function mqttCodecClass() {
  class MqttCodec {
    private buf = '';

    constructor(private onPacket: (p: Packet) => void) {}

    /** CONNECT with clean session, username, password and a QoS 1 last-will. */
    connect(o: ConnectOptions): string {
      const flags = 0x80 | 0x40 | 0x08 | 0x04 | 0x02;
      const body =
        this.utf('MQTT') +
        String.fromCharCode(4, flags) +
        this.u16(o.keepaliveS) +
        this.utf(o.clientId) +
        this.utf(o.willTopic) +
        this.utf(o.willMessage) +
        this.utf(o.username) +
        this.utf(o.password);
      return this.packet(0x10, body);
    }

    publish(topic: string, payload: string, id: number, dup: boolean): string {
      return this.packet(0x32 | (dup ? 0x08 : 0), this.utf(topic) + this.u16(id) + payload);
    }

    puback(id: number): string {
      return this.packet(0x40, this.u16(id));
    }

    subscribe(id: number, topic: string): string {
      return this.packet(0x82, this.u16(id) + this.utf(topic) + String.fromCharCode(1));
    }

    /** Feeds received bytes; calls onPacket per whole packet. False when the stream is broken (close the socket). */
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
        this.onPacket(this.parse(b.charCodeAt(0), b.substr(i, len)));
      }
    }

    reset(): void {
      this.buf = '';
    }

    private u16(n: number): string {
      return String.fromCharCode((n >> 8) & 255, n & 255);
    }

    private utf(s: string): string {
      return this.u16(s.length) + s;
    }

    private packet(first: number, body: string): string {
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

    private parse(first: number, body: string): Packet {
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
  }
  return MqttCodec;
}

export type MqttCodec = InstanceType<ReturnType<typeof mqttCodecClass>>;
