import { mqttPassword } from '../../protocol/mqtt-auth.ts';
import { nodeDown, nodeUp, nodeWill } from '../../protocol/topics.ts';
import type { MqttLinkConfig } from '../config.ts';
import type { Board, Stream, Timer, Wifi } from '../hal.ts';
import type { Link, LinkEvents } from './link.ts';

export const KEEPALIVE_S = 30;
/**
 * QoS 1 publishes waiting for PUBACK; a full window refuses new ones (events stay in the node's
 * ring, and go as soon as a PUBACK makes room). Two, not more: each holds a sealed message until
 * its PUBACK, and a node coming back with a full ring had four of them, their socket buffers and
 * their acknowledgements in RAM at once (measured ~40 JsVars over the budget's peak).
 */
export const INFLIGHT = 2;
/** A publish without PUBACK is sent again (DUP) after this long. */
export const RETRY_MS = 10000;
export const BACKOFF_MIN_MS = 1000;
/**
 * Capped low on purpose: an alarm waits in the node's ring while the link is down, and it must
 * reach the gateway within seconds of the broker's return (10 s end to end). A park of a few
 * thousand nodes retrying every 8 s is a load any broker takes.
 */
export const BACKOFF_MAX_MS = 8000;
/** Longest packet accepted from the broker: commands are small; anything bigger is a fault. */
export const MAX_PACKET = 2048;

/**
 * A small MQTT 3.1.1 client for the node over Espruino's `net`: CONNECT with a last-will and
 * keepalive (username = node id, password derived from the node key), SUBSCRIBE to its own
 * down topic, PUBLISH QoS 1 with PUBACK matching and retry, PINGREQ, reconnect with doubling
 * backoff; and Wi-Fi reconnect, because Espruino's Wi-Fi does not reconnect by itself.
 *
 * Packets are "binary strings" (one char per byte, what Espruino's sockets carry); topics and
 * payloads are ASCII (wire messages are canonical JSON). The packet codec is part of this class,
 * not a class of its own: on Espruino each class costs its constructor, prototype and instance,
 * and the link is its only user (tests check the bytes with mqtt-packet, MQTT.js's parser).
 *
 * Made by a factory when the config asks for MQTT: a serial node never creates these functions.
 */
export function mqttLinkClass() {
  class MqttLink implements Link {
    private wifi: Wifi | undefined;
    private wifiUp = false;
    private rssiDbm = 0;
    private sock: Stream | undefined;
    up = false;
    /** received bytes not yet a whole packet */
    private buf = '';
    /** the QoS 1 window: packet id (0 = free slot), payload and when it was last sent (-1: never), per slot */
    private ids: number[] = [];
    private payloads: string[] = [];
    private sentAt: number[] = [];
    private nextId = 1;
    private backoff = BACKOFF_MIN_MS;
    private retryTimer: Timer | undefined;
    private lastIn = 0;
    private lastOut = 0;
    private password: string;

    constructor(
      private cfg: MqttLinkConfig,
      private id: string,
      key: string,
      private board: Board,
      private events: LinkEvents,
    ) {
      this.password = mqttPassword(board.sha256, key) || '';
      for (let i = 0; i < INFLIGHT; i++) {
        this.ids.push(0);
        this.payloads.push('');
        this.sentAt.push(0);
      }
    }

    start(): void {
      const w = this.board.setup!.wifi();
      this.wifi = w;
      w.on('connected', () => {
        this.wifiUp = true;
        this.connect();
      });
      w.on('disconnected', () => {
        this.wifiUp = false;
        this.drop(true);
      });
      this.connect();
    }

    rssi(): number {
      if (!this.wifi || !this.wifiUp) return 0;
      this.wifi.getDetails((d) => {
        this.rssiDbm = d.rssi || 0;
      });
      return this.rssiDbm;
    }

    send(wire: string, once?: boolean): boolean {
      if (!this.up) return false;
      if (once) {
        this.out(0x30, this.utf(nodeUp(this.id)) + wire); // PUBLISH QoS 0
        return true;
      }
      const slot = this.ids.indexOf(0);
      if (slot < 0) return false;
      const id = this.nextId;
      this.nextId = id >= 65535 ? 1 : id + 1;
      this.ids[slot] = id;
      this.payloads[slot] = wire;
      this.sentAt[slot] = -1;
      this.publish(-1);
      return true;
    }

    /**
     * Opens the MQTT session; without Wi-Fi, asks Wi-Fi to connect (again) first: Espruino's
     * Wi-Fi does not reconnect by itself, and its 'connected' event comes back here.
     */
    private connect(): void {
      if (this.sock) return;
      if (!this.wifiUp) {
        if (this.wifi)
          this.wifi.connect(this.cfg.ssid, { password: this.cfg.pass }, (err) => {
            // a failed attempt gets no 'disconnected' event: retry after the backoff
            if (err) {
              this.wifiUp = false;
              this.drop(true);
            }
          });
        return;
      }
      this.buf = '';
      let sock: Stream | undefined;
      // Espruino's net.connect throws at once when nothing listens ("Unable to create socket")
      // instead of an 'error' event: the same retry as a closed socket.
      try {
        sock = this.board.tcp({
          host: this.cfg.host,
          port: this.cfg.port,
          // CONNECT: MQTT 3.1.1, flags username, password, will QoS 1, clean session; the keepalive (< 256 s)
          onConnect: () =>
            this.out(
              0x10,
              this.utf('MQTT') +
                String.fromCharCode(4, 0x80 | 0x40 | 0x08 | 0x04 | 0x02) +
                String.fromCharCode(0, KEEPALIVE_S) +
                this.utf(this.id) +
                this.utf(nodeWill(this.id)) +
                this.utf('offline') +
                this.utf(this.id) +
                this.utf(this.password),
            ),
          onReadable: (data) => {
            this.lastIn = this.board.clock.now();
            if (!this.received(data)) this.drop();
          },
          // Only the current socket's close counts; one we closed ourselves is already forgotten.
          onClose: () => {
            if (this.sock === sock) this.drop(true);
          },
        });
      } catch (_e) {
        this.drop(true);
        return;
      }
      this.sock = sock;
      this.lastIn = this.board.clock.now();
    }

    /**
     * Splits the received bytes into packets and handles each: CONNACK, PUBACK, PUBLISH (SUBACK
     * and PINGRESP need nothing). False when the stream is broken (close the socket). One method,
     * not a splitter and a handler: each method costs RAM on Espruino.
     */
    private received(data: string): boolean {
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
        const first = b.charCodeAt(0);
        const type = first >> 4;
        const body = b.substr(i, len);
        // the big-endian 16-bit number at body[0..1]: PUBACK's id, PUBLISH's topic length
        const word = (body.charCodeAt(0) << 8) | body.charCodeAt(1);
        if (type === 2) {
          const code = body.charCodeAt(1);
          if (code !== 0) {
            this.board.log('PW-MQTT refused ' + code);
            this.drop();
            return true;
          }
          this.up = true;
          this.backoff = BACKOFF_MIN_MS;
          // SUBSCRIBE id 1 to the down topic at QoS 1
          this.out(0x82, String.fromCharCode(0, 1) + this.utf(nodeDown(this.id)) + String.fromCharCode(1));
          // a new session: every publish still in the window goes again
          this.publish(this.board.clock.now());
          this.events.flush(true);
        } else if (type === 4) {
          const slot = this.ids.indexOf(word);
          if (slot >= 0) {
            this.ids[slot] = 0;
            this.payloads[slot] = '';
            // room in the window: events waiting behind it go now, not on the next tick
            this.events.flush(false);
          }
        } else if (type === 3) {
          let at = 2 + word;
          if (((first >> 1) & 3) > 0) {
            this.out(0x40, body.substr(at, 2)); // QoS 1: PUBACK with the publish's id
            at += 2;
          }
          if (body.substr(2, word) === nodeDown(this.id)) this.events.onCommand(body.substr(at));
        }
      }
    }

    /** Session or Wi-Fi lost, or refused: close the socket and try again after the backoff. */
    private drop(force?: boolean): void {
      const wasOpen = this.sock !== undefined || this.up;
      this.up = false;
      const s = this.sock;
      this.sock = undefined;
      if (s) s.end();
      if (!wasOpen && !force) return;
      if (this.retryTimer !== undefined) return;
      const wait = this.backoff;
      this.backoff = Math.min(this.backoff * 2, BACKOFF_MAX_MS);
      this.retryTimer = this.board.clock.setTimeout(() => {
        this.retryTimer = undefined;
        this.connect();
      }, wait);
    }

    tick(): void {
      if (!this.up) return;
      const now = this.board.clock.now();
      if (now - this.lastIn > KEEPALIVE_S * 1500) {
        this.board.log('PW-MQTT keepalive timeout');
        this.drop();
        return;
      }
      this.publish(now - RETRY_MS);
      if (now - this.lastOut >= (KEEPALIVE_S * 1000) / 2) this.out(0xc0, ''); // PINGREQ
    }

    /**
     * PUBLISH QoS 1 to the up topic of every window slot last sent at or before `sentBy`: -1 for
     * the new one, now - RETRY_MS for those unacknowledged that long, now for all (a new session);
     * DUP when it is sent again. One method for first sends and retries: RAM.
     */
    private publish(sentBy: number): void {
      const now = this.board.clock.now();
      for (let i = 0; i < INFLIGHT; i++) {
        const id = this.ids[i];
        if (id === 0 || this.sentAt[i] > sentBy) continue;
        this.out(
          0x32 | (this.sentAt[i] >= 0 ? 0x08 : 0),
          this.utf(nodeUp(this.id)) + String.fromCharCode(id >> 8, id & 255) + this.payloads[i],
        );
        // whole ms: on Espruino an integer sits in its slot, a float takes a JsVar more
        this.sentAt[i] = Math.floor(now);
      }
    }

    /** Writes one packet: its first byte, the remaining length (1-4 bytes, 7 bits each) and the body. */
    private out(first: number, body: string): void {
      if (!this.sock) return;
      let n = body.length;
      let len = '';
      do {
        let b = n % 128;
        n = Math.floor(n / 128);
        if (n > 0) b |= 128;
        len += String.fromCharCode(b);
      } while (n > 0);
      this.lastOut = this.board.clock.now();
      this.sock.write(String.fromCharCode(first) + len + body);
    }

    /** An MQTT string: its length (16 bits, big-endian), then the bytes. */
    private utf(s: string): string {
      return String.fromCharCode(s.length >> 8, s.length & 255) + s;
    }
  }
  return MqttLink;
}

export type MqttLink = InstanceType<ReturnType<typeof mqttLinkClass>>;
