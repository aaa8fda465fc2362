import type { MqttClient } from 'mqtt';
import { BenchBroker } from './bench-broker.ts';
import { connectClient, openCloudTap, rssOf } from './mqtt-rig-parts.ts';
import type { CloudTap, MessageClass, Rig, Sender, Sent } from './rig.ts';

/**
 * What people use today: an "edge" Mosquitto on the park LAN bridging to a "cloud" Mosquitto,
 * persistence on, in its two honest settings.
 *  - durable:  autosave_interval 1 + autosave_on_changes true: the whole database is written
 *              after every change (Mosquitto's most durable setting; it still PUBACKs first).
 *  - periodic: autosave_interval 1800 (the default): fast, saves every 30 minutes and on exit.
 * Both brokers queue without limit (max_queued_messages 0), so an outage is not cut short by
 * Mosquitto's default of 1,000 queued messages; the bridge retries every second.
 */
export type BridgeMode = 'durable' | 'periodic';

const TOPIC_ROOT = 'bench';
/** A payload about the size of a signed node message (~200 bytes). */
const PADDING = 'x'.repeat(150);

export async function startBridgeRig(mode: BridgeMode): Promise<Rig> {
  const cloud = await BenchBroker.create('cloud', (dir) =>
    ['persistence true', `persistence_location ${dir}/`, 'max_queued_messages 0', 'max_inflight_messages 1000'].join(
      '\n',
    ),
  );
  const saving = mode === 'durable' ? ['autosave_interval 1', 'autosave_on_changes true'] : ['autosave_interval 1800'];
  const edge = await BenchBroker.create(`edge-${mode}`, (dir) =>
    [
      'persistence true',
      `persistence_location ${dir}/`,
      ...saving,
      'max_queued_messages 0',
      'connection cloud',
      `address 127.0.0.1:${cloud.port}`,
      `topic ${TOPIC_ROOT}/# out 1`,
      'cleansession false',
      'clientid pw-bench-edge',
      'bridge_protocol_version mqttv311',
      'restart_timeout 1',
      'notifications false',
      'bridge_max_packet_size 0',
    ].join('\n'),
  );
  return new BridgeRig(mode, cloud, edge);
}

class BridgeRig implements Rig {
  readonly name: string;
  constructor(
    mode: BridgeMode,
    private cloud: BenchBroker,
    private edge: BenchBroker,
  ) {
    this.name = `mosquitto bridge (${mode})`;
  }

  async senders(n: number, tag: string): Promise<Sender[]> {
    const out: Sender[] = [];
    for (let i = 0; i < n; i++) {
      const id = `${tag}-${i}`;
      out.push(new BridgeSender(await connectClient(this.edge.url, `pw-bench-${id}`), id));
    }
    return out;
  }

  tap(onKey: (key: string) => void): Promise<CloudTap> {
    return openCloudTap(this.cloud.url, 'pw-bench-tap', `${TOPIC_ROOT}/#`, keyOfPayload, onKey);
  }

  cloudDown(): Promise<void> {
    return this.cloud.stop();
  }
  cloudUp(): Promise<void> {
    return this.cloud.start();
  }
  crashEdge(): Promise<void> {
    return this.edge.kill();
  }
  restartEdge(): Promise<void> {
    return this.edge.start();
  }
  edgeRss(): number {
    return rssOf(this.edge.pid);
  }

  async dispose(): Promise<void> {
    await this.edge.dispose();
    await this.cloud.dispose();
  }
}

class BridgeSender implements Sender {
  private n = 0;
  private topic: string;
  constructor(
    private client: MqttClient,
    private id: string,
  ) {
    this.topic = `${TOPIC_ROOT}/${id}/up`;
  }

  send(cls: MessageClass): Sent {
    const key = `${this.id}:${++this.n}`;
    const payload = JSON.stringify({ key, cls, pad: PADDING });
    return { key, acked: this.client.publishAsync(this.topic, payload, { qos: 1 }).then(() => undefined) };
  }

  async close(): Promise<void> {
    await this.client.endAsync(true);
  }
}

function keyOfPayload(payload: Buffer): string | undefined {
  try {
    const parsed: unknown = JSON.parse(payload.toString('utf8'));
    if (parsed && typeof parsed === 'object' && 'key' in parsed && typeof parsed.key === 'string') return parsed.key;
  } catch {
    // not one of ours
  }
  return undefined;
}
