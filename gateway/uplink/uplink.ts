import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import { cloudCommand, cloudEvent, cloudState } from '../../protocol/topics.ts';
import type { CloudConfig } from '../config/schema.ts';
import type { Counter, Histogram } from '../metrics.ts';
import { type Outbox, type OutboxClass, TELEMETRY, URGENT } from '../store/outbox.ts';
import type { GatewayState } from '../wire/events.ts';
import { backoffDelay } from './backoff.ts';
import { cloudTlsOptions } from './cloud-tls.ts';

/**
 * The cloud uplink: drains the outbox to the cloud broker with QoS 1 through a bounded
 * in-flight window; an entry leaves the outbox only on its PUBACK. One MQTT.js client per
 * connection attempt with MQTT.js's own reconnect and offline queue turned off: when the
 * connection drops, everything unacknowledged is simply read again from the outbox.
 */
export type UplinkState = 'connecting' | 'connected' | 'waiting' | 'stopped';

export interface UplinkDeps {
  config: CloudConfig & { url: string };
  gw: string;
  park: string;
  outbox: Outbox;
  logger: Logger;
  counters: { published: Counter; failures: Counter; latency: Histogram };
  onConnected: (connected: boolean) => void;
  /** a message on the command topic; the reply is published on cmd/reply */
  onCommand: (payload: Buffer) => void;
  now?: () => number;
}

/**
 * The cloud broker handles publishes in the order they arrive, so an alarm sent during a big
 * drain waits behind every telemetry publish already in flight. Telemetry therefore gets only
 * as much of the window as keeps its PUBACKs within TELEMETRY_ACK_MS: one more slot per fast
 * PUBACK, one less per slow one (never below MIN_TELEMETRY_WINDOW). Urgent entries may always
 * use the whole window.
 */
const TELEMETRY_ACK_MS = 20;
const MIN_TELEMETRY_WINDOW = 16;

export class Uplink {
  state: UplinkState = 'waiting';
  private client: MqttClient | undefined;
  private attempt = 0;
  private timer: NodeJS.Timeout | undefined;
  /** seq -> [sent at, class] of each publish awaiting its PUBACK */
  private inflight = new Map<number, [number, OutboxClass]>();
  private inflightTelemetry = 0;
  /** how many telemetry publishes may be in flight: adapted to the cloud's PUBACK latency */
  private telemetryWindow = MIN_TELEMETRY_WINDOW;
  private cursor: Record<OutboxClass, number> = { [URGENT]: 0, [TELEMETRY]: 0 };
  private acked: number[] = [];
  private pumpScheduled = false;
  private ackScheduled = false;
  private generation = 0;
  private drainedWaiters: (() => void)[] = [];

  constructor(private deps: UplinkDeps) {}

  start(): void {
    this.connect();
  }

  /** Something new was committed to the outbox; an urgent event is sent within this call. */
  notify(urgent: boolean): void {
    if (urgent) this.pump();
    else this.schedulePump();
  }

  get inflightCount(): number {
    return this.inflight.size;
  }

  /** Publishes a retained message (node state) if connected; it is not queued when offline. */
  publishRetained(topic: string, payload: string): void {
    if (this.state === 'connected') this.client?.publish(topic, payload, { qos: 1, retain: true });
  }

  publishReply(topic: string, payload: string): void {
    if (this.state === 'connected') this.client?.publish(topic, payload, { qos: 1 });
  }

  /** Waits up to `ms` for the in-flight window to empty, publishes "offline" and disconnects. */
  async stop(ms = 3000): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    const prev = this.state;
    this.state = 'stopped';
    if (prev === 'connected' && this.inflight.size > 0)
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, ms);
        this.drainedWaiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    this.flushAcks();
    const client = this.client;
    this.client = undefined;
    if (!client) return;
    if (prev === 'connected') {
      await new Promise<void>((resolve) => {
        client.publish(
          cloudState(this.deps.park, this.deps.gw),
          this.gatewayState('offline'),
          { qos: 1, retain: true },
          () => resolve(),
        );
        setTimeout(resolve, 500);
      });
    }
    await new Promise<void>((resolve) => client.end(true, {}, () => resolve()));
  }

  private gatewayState(state: 'online' | 'offline'): string {
    const s: GatewayState = { gw: this.deps.gw, park: this.deps.park, state, since: this.now() };
    return JSON.stringify(s);
  }

  private now(): number {
    return this.deps.now ? this.deps.now() : Date.now();
  }

  private tlsOptions(): Partial<IClientOptions> {
    return cloudTlsOptions(this.deps.config.tls);
  }

  private connect(): void {
    if (this.state === 'stopped') return;
    const { config, gw, park } = this.deps;
    this.state = 'connecting';
    const generation = ++this.generation;
    let tls: Partial<IClientOptions>;
    try {
      tls = this.tlsOptions();
    } catch (err) {
      this.deps.logger.error({ err: (err as Error).message }, '云端 TLS 配置错误 / cloud TLS setup failed');
      this.state = 'waiting';
      this.timer = setTimeout(() => this.connect(), this.deps.config.backoff.maxMs);
      return;
    }
    const client = mqtt.connect(config.url, {
      clientId: config.clientId ?? `parkwatch-${park}-${gw}`,
      username: config.username,
      password: config.password,
      keepalive: config.keepaliveS,
      reconnectPeriod: 0,
      connectTimeout: 10_000,
      clean: true,
      protocolVersion: 4,
      queueQoSZero: false,
      will: { topic: cloudState(park, gw), payload: Buffer.from(this.gatewayState('offline')), qos: 1, retain: true },
      ...tls,
    });
    this.client = client;
    client.on('connect', () => {
      if (generation !== this.generation || this.state === 'stopped') return;
      this.state = 'connected';
      this.attempt = 0;
      // Small QoS 1 packets must not wait for Nagle: an alarm behind an unacknowledged packet
      // would otherwise sit up to a delayed-ACK period (~40 ms).
      (client.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
      this.inflight.clear();
      this.inflightTelemetry = 0;
      this.cursor = { [URGENT]: 0, [TELEMETRY]: 0 };
      this.deps.logger.info({ url: config.url }, '已连接云端 / cloud uplink connected');
      client.publish(cloudState(park, gw), this.gatewayState('online'), { qos: 1, retain: true });
      client.subscribe(cloudCommand(park, gw), { qos: 1 });
      this.deps.onConnected(true);
      this.schedulePump();
    });
    client.on('message', (topic, payload) => {
      if (topic === cloudCommand(park, gw)) this.deps.onCommand(payload);
    });
    client.on('error', (err) => {
      this.deps.logger.warn({ err: err.message, url: config.url }, '云端连接错误 / cloud uplink error');
    });
    client.on('close', () => {
      if (generation !== this.generation) return;
      const wasConnected = this.state === 'connected';
      this.inflight.clear();
      this.inflightTelemetry = 0;
      this.flushAcks();
      if (wasConnected) {
        this.deps.counters.failures.inc();
        this.deps.onConnected(false);
        this.deps.logger.warn(
          { url: config.url },
          '云端连接断开，事件保留在发件箱 / cloud uplink lost; events stay in the outbox',
        );
      }
      if (this.state === 'stopped') return;
      this.state = 'waiting';
      client.end(true);
      const delay = backoffDelay(this.attempt++, config.backoff.minMs, config.backoff.maxMs);
      this.timer = setTimeout(() => this.connect(), delay);
    });
  }

  private schedulePump(): void {
    if (this.pumpScheduled || this.state !== 'connected') return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  /** Fills the in-flight window: urgent entries first, then telemetry (within its share), each in seq order. */
  private pump(): void {
    const client = this.client;
    if (this.state !== 'connected' || !client) return;
    const generation = this.generation;
    const window = this.deps.config.inflight;
    for (const cls of [URGENT, TELEMETRY] as const) {
      const free = window - this.inflight.size;
      const room = cls === URGENT ? free : Math.min(free, this.telemetryWindow - this.inflightTelemetry);
      if (room <= 0) continue;
      for (const entry of this.deps.outbox.peek(cls, this.cursor[cls], room)) {
        this.cursor[cls] = entry.seq;
        const sentAt = this.now();
        this.inflight.set(entry.seq, [sentAt, cls]);
        if (cls === TELEMETRY) this.inflightTelemetry++;
        client.publish(cloudEvent(this.deps.park, this.deps.gw, entry.kind), entry.payload, { qos: 1 }, (err) => {
          const current = generation === this.generation;
          if (current && this.inflight.delete(entry.seq) && cls === TELEMETRY) this.inflightTelemetry--;
          // Not delivered: the entry is still in the outbox and goes again on the next connection.
          if (err) return;
          const took = this.now() - sentAt;
          if (current && cls === TELEMETRY) this.adaptTelemetryWindow(took, window);
          this.acked.push(entry.seq);
          this.deps.counters.published.inc();
          this.deps.counters.latency.observe(took / 1000);
          this.scheduleAckFlush();
        });
      }
    }
  }

  private adaptTelemetryWindow(ackMs: number, window: number): void {
    if (ackMs > TELEMETRY_ACK_MS) this.telemetryWindow = Math.max(MIN_TELEMETRY_WINDOW, this.telemetryWindow - 1);
    else this.telemetryWindow = Math.min(window, this.telemetryWindow + 1);
  }

  private scheduleAckFlush(): void {
    if (this.ackScheduled) return;
    this.ackScheduled = true;
    setImmediate(() => {
      this.ackScheduled = false;
      this.flushAcks();
      if (this.inflight.size === 0) for (const w of this.drainedWaiters.splice(0)) w();
      this.schedulePump();
    });
  }

  /** Removes PUBACKed entries in one transaction. */
  private flushAcks(): void {
    if (this.acked.length === 0) return;
    const seqs = this.acked;
    this.acked = [];
    // Not removed means sent again later: a duplicate downstream with the same id, never a loss.
    const failed = (err: Error) =>
      this.deps.logger.error({ err: err.message }, '发件箱删除失败 / outbox remove failed');
    try {
      this.deps.outbox.remove(seqs)?.catch(failed);
    } catch (err) {
      failed(err as Error);
    }
  }
}
