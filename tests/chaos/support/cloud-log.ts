import mqtt from 'mqtt';
import { DecidedEvent } from '../../../gateway/wire/events.ts';
import { CLOUD_ALL_EVENTS } from '../../../protocol/topics.ts';

/**
 * Everything the cloud saw, in arrival order: a QoS 1 subscriber with a persistent session,
 * so it keeps receiving across cloud restarts. Each payload is checked against the decided
 * event contract (gateway/wire/events.ts).
 */
export class CloudLog {
  readonly events: DecidedEvent[] = [];
  invalid = 0;
  private waiters: { count: number; done: () => void }[] = [];
  private constructor(private client: mqtt.MqttClient) {}

  static async open(
    url: string,
    auth: { username: string; password: string } | undefined = undefined,
  ): Promise<CloudLog> {
    const client = await mqtt.connectAsync(url, {
      ...auth,
      clientId: 'pw-chaos-cloud-log',
      clean: false,
      protocolVersion: 4,
      reconnectPeriod: 200,
    });
    const log = new CloudLog(client);
    client.on('message', (_t, payload) => {
      let parsed: ReturnType<typeof DecidedEvent.safeParse>;
      try {
        parsed = DecidedEvent.safeParse(JSON.parse(payload.toString('utf8')));
      } catch {
        log.invalid++;
        return;
      }
      if (parsed.success) {
        log.events.push(parsed.data);
        log.wake();
      } else log.invalid++;
    });
    client.on('error', () => undefined);
    await client.subscribeAsync(CLOUD_ALL_EVENTS, { qos: 1 });
    return log;
  }

  /**
   * Resolves from inside the message handler as soon as `count` events have arrived, so a test
   * can act at an exact point of a replay that polling would miss when the drain is fast.
   */
  whenCount(count: number): Promise<void> {
    return new Promise((done) => {
      this.waiters.push({ count, done });
      this.wake();
    });
  }

  private wake(): void {
    const due = this.waiters.filter((w) => this.events.length >= w.count);
    this.waiters = this.waiters.filter((w) => this.events.length < w.count);
    for (const w of due) w.done();
  }

  /** Events of one node that came from its own messages (not gateway-raised), in arrival order. */
  ofNode(node: string): DecidedEvent[] {
    return this.events.filter((e) => e.node === node && e.origin !== undefined && e.origin.seq > 0);
  }

  close(): Promise<void> {
    return this.client.endAsync(true);
  }
}
