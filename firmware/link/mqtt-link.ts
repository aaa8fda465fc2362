import { mqttPassword } from '../../protocol/mqtt-auth.ts';
import { nodeDown, nodeUp, nodeWill } from '../../protocol/topics.ts';
import type { MqttLinkConfig } from '../config.ts';
import type { Board, Stream, Timer, Wifi } from '../hal.ts';
import type { Link, LinkEvents } from './link.ts';
import * as P from './mqtt-packets.ts';

export const KEEPALIVE_S = 30;
/** QoS 1 publishes waiting for PUBACK; a full window refuses new ones (events stay in the node's ring). */
export const INFLIGHT = 4;
/** A publish without PUBACK is sent again (DUP) after this long. */
export const RETRY_MS = 10000;
export const BACKOFF_MIN_MS = 1000;
/**
 * Capped low on purpose: an alarm waits in the node's ring while the link is down, and it must
 * reach the gateway within seconds of the broker's return (10 s end to end). A park of a few
 * thousand nodes retrying every 8 s is a load any broker takes.
 */
export const BACKOFF_MAX_MS = 8000;
const TIMER_MS = 1000;

/**
 * A small MQTT 3.1.1 client for the node over Espruino's `net`: CONNECT with a last-will and
 * keepalive (username = node id, password derived from the node key), SUBSCRIBE to its own
 * down topic, PUBLISH QoS 1 with PUBACK matching and retry, PINGREQ, reconnect with doubling
 * backoff; and Wi-Fi reconnect, because Espruino's Wi-Fi does not reconnect by itself.
 *
 * Made by a factory when the config asks for MQTT: a serial node never creates these functions.
 */
export function mqttLinkClass() {
  class MqttLink implements Link {
    /** counters for tests and the console */
    readonly stats = { connects: 0, refused: 0, retries: 0, drops: 0 };
    private wifi: Wifi | undefined;
    private wifiUp = false;
    private sock: Stream | undefined;
    private up = false;
    private codec: P.MqttCodec;
    private ids: number[] = [];
    private payloads: string[] = [];
    private sentAt: number[] = [];
    private nextId = 1;
    private backoff = BACKOFF_MIN_MS;
    private retryTimer: Timer | undefined;
    private timer: Timer | undefined;
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
      this.codec = new (P.mqttCodecClass())((p) => this.packet(p));
      for (let i = 0; i < INFLIGHT; i++) {
        this.ids.push(0);
        this.payloads.push('');
        this.sentAt.push(0);
      }
    }

    start(): void {
      this.wifi = this.board.wifi({
        ssid: this.cfg.ssid,
        pass: this.cfg.pass,
        onConnected: () => {
          this.wifiUp = true;
          this.connect();
        },
        onDisconnected: () => {
          this.wifiUp = false;
          this.drop(true);
        },
      });
      this.wifi.connect();
      this.timer = this.board.clock.setInterval(() => this.housekeeping(), TIMER_MS);
    }

    stop(): void {
      const c = this.board.clock;
      if (this.timer !== undefined) c.clear(this.timer);
      if (this.retryTimer !== undefined) c.clear(this.retryTimer);
      this.timer = this.retryTimer = undefined;
      this.wifiUp = false;
      if (this.sock && this.up) this.sock.write(P.DISCONNECT_PACKET);
      this.drop();
    }

    isUp(): boolean {
      return this.up;
    }

    rssi(): number {
      return this.wifi && this.wifiUp ? this.wifi.rssi() : 0;
    }

    send(wire: string): boolean {
      if (!this.up) return false;
      const slot = this.ids.indexOf(0);
      if (slot < 0) return false;
      const id = this.nextId;
      this.nextId = id >= 65535 ? 1 : id + 1;
      this.ids[slot] = id;
      this.payloads[slot] = wire;
      this.sentAt[slot] = this.board.clock.now();
      this.write(this.codec.publish(nodeUp(this.id), wire, id, false));
      return true;
    }

    /** Free QoS 1 slots (for tests). */
    freeSlots(): number {
      let n = 0;
      for (const id of this.ids) if (id === 0) n++;
      return n;
    }

    private connect(): void {
      if (this.sock || !this.wifiUp) return;
      this.codec.reset();
      const sock: Stream = this.board.tcp({
        host: this.cfg.host,
        port: this.cfg.port,
        onConnect: () =>
          this.write(
            this.codec.connect({
              clientId: this.id,
              username: this.id,
              password: this.password,
              willTopic: nodeWill(this.id),
              willMessage: 'offline',
              keepaliveS: KEEPALIVE_S,
            }),
          ),
        onReadable: (data) => {
          this.lastIn = this.board.clock.now();
          if (!this.codec.push(data)) this.drop();
        },
        // Only the current socket's close counts; one we closed ourselves is already forgotten.
        onClose: () => {
          if (this.sock === sock) this.drop(true);
        },
      });
      this.sock = sock;
      this.lastIn = this.board.clock.now();
    }

    private packet(p: P.Packet): void {
      if (p.type === P.CONNACK) {
        if (p.code !== 0) {
          this.stats.refused++;
          this.board.log('PW-MQTT refused ' + p.code);
          this.drop();
          return;
        }
        this.up = true;
        this.stats.connects++;
        this.backoff = BACKOFF_MIN_MS;
        this.write(this.codec.subscribe(1, nodeDown(this.id)));
        this.retry(true);
        this.events.onUp();
      } else if (p.type === P.PUBACK) {
        const slot = this.ids.indexOf(p.id);
        if (slot >= 0) {
          this.ids[slot] = 0;
          this.payloads[slot] = '';
        }
      } else if (p.type === P.PUBLISH) {
        if (p.qos > 0) this.write(this.codec.puback(p.id));
        if (p.topic === nodeDown(this.id)) this.events.onCommand(p.payload);
      }
    }

    /** Session or Wi-Fi lost, or refused: close the socket and try again after the backoff. */
    private drop(force?: boolean): void {
      const wasOpen = this.sock !== undefined || this.up;
      this.up = false;
      const s = this.sock;
      this.sock = undefined;
      if (s) s.close();
      if (!wasOpen && !force) return;
      this.stats.drops++;
      if (this.retryTimer !== undefined || this.timer === undefined) return;
      const wait = this.backoff;
      this.backoff = Math.min(this.backoff * 2, BACKOFF_MAX_MS);
      this.retryTimer = this.board.clock.setTimeout(() => {
        this.retryTimer = undefined;
        if (this.wifiUp) this.connect();
        else if (this.wifi) this.wifi.connect();
      }, wait);
    }

    private housekeeping(): void {
      if (!this.up) return;
      const now = this.board.clock.now();
      if (now - this.lastIn > KEEPALIVE_S * 1500) {
        this.board.log('PW-MQTT keepalive timeout');
        this.drop();
        return;
      }
      this.retry(false);
      if (now - this.lastOut >= (KEEPALIVE_S * 1000) / 2) this.write(P.PINGREQ_PACKET);
    }

    /** Sends unacknowledged publishes again, all of them (after a reconnect) or those older than RETRY_MS. */
    private retry(all: boolean): void {
      const now = this.board.clock.now();
      for (let i = 0; i < INFLIGHT; i++) {
        if (this.ids[i] === 0 || (!all && now - this.sentAt[i] < RETRY_MS)) continue;
        this.sentAt[i] = now;
        this.stats.retries++;
        this.write(this.codec.publish(nodeUp(this.id), this.payloads[i], this.ids[i], true));
      }
    }

    private write(data: string): void {
      if (!this.sock) return;
      this.lastOut = this.board.clock.now();
      this.sock.write(data);
    }
  }
  return MqttLink;
}

export type MqttLink = InstanceType<ReturnType<typeof mqttLinkClass>>;
