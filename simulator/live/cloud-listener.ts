import mqtt, { type MqttClient } from 'mqtt';
import { DecidedEvent } from '../../gateway/wire/events.ts';
import { CLOUD_ALL_EVENTS } from '../../protocol/topics.ts';

/**
 * A cloud-side consumer on the real cloud broker: a persistent QoS 1 session that records every
 * decided event the gateway delivered, with its arrival time. It keeps its session across a
 * broker restart (the broker runs with persistence), so an outage loses nothing on this side.
 */
export interface CloudDelivery {
  event: DecidedEvent;
  receivedAt: number;
}

export class CloudListener {
  readonly deliveries: CloudDelivery[] = [];
  readonly counts = new Map<string, number>();
  invalid = 0;
  private client: MqttClient | undefined;

  constructor(private url: string) {}

  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      const client = mqtt.connect(this.url, {
        clientId: `pw-sim-cloud-${process.pid}`,
        clean: false,
        reconnectPeriod: 250,
      });
      this.client = client;
      client.on('message', (_topic, payload) => this.record(payload));
      client.once('connect', () => {
        client.subscribe(CLOUD_ALL_EVENTS, { qos: 1 }, (err) => (err ? reject(err) : resolve()));
      });
      client.once('error', reject);
    });
  }

  private record(payload: Buffer): void {
    let json: unknown;
    try {
      json = JSON.parse(payload.toString());
    } catch {
      this.invalid++;
      return;
    }
    const parsed = DecidedEvent.safeParse(json);
    if (!parsed.success) {
      this.invalid++;
      return;
    }
    const id = parsed.data.id;
    this.counts.set(id, (this.counts.get(id) ?? 0) + 1);
    this.deliveries.push({ event: parsed.data, receivedAt: Date.now() });
  }

  stop(): Promise<void> {
    return new Promise((resolve) => (this.client ? this.client.end(true, {}, () => resolve()) : resolve()));
  }
}
