import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { CLOUD_ALL_EVENTS } from '../../protocol/topics.ts';
import { NodeClient } from '../../simulator/node-client.ts';
import { BenchBroker } from './bench-broker.ts';
import { GatewayProcess } from './gateway-process.ts';
import { openCloudTap, rssOf } from './mqtt-rig-parts.ts';
import type { CloudTap, MessageClass, Rig, Sender, Sent } from './rig.ts';

/**
 * parkwatch as it ships: simulated nodes (real signed messages, their own MQTT logins) ->
 * the gateway process (embedded aedes, SQLite outbox with WAL + synchronous=FULL, uplink) ->
 * a Mosquitto "cloud" with the same settings as the bridge's cloud.
 *
 * Acknowledged means what a node is told: an alarm is acknowledged by the gateway's signed
 * event_ack command, sent only after the commit. Background messages are alarms too: the
 * gateway limits each node's periodic messages (telemetry, heartbeats) to a few per second
 * (gateway/pipeline/rate-limit.ts), so a handful of nodes cannot carry thousands of telemetry
 * messages a second; events are never limited. For background the MQTT PUBACK only paces the
 * sender. Alarms are also the conservative choice: they share the alarm lane with the measured
 * alarms instead of queueing behind them in the telemetry class.
 */
const TAGS = ['tp', 'bg', 'alarm', 'dr', 'kill'];
const ALARM_DATA = { v: 900, b: 100, th: 500, src: 'smoke' };
const NODES_PER_TAG = 16;

/** `config` overrides are for diagnostics only (e.g. trying another cloud.inflight); the bench passes none. */
export async function startGatewayRig(
  options: { nodeArgs?: string[]; config?: Record<string, unknown> } = {},
): Promise<Rig> {
  const cloud = await BenchBroker.create('gw-cloud', (dir) =>
    ['persistence true', `persistence_location ${dir}/`, 'max_queued_messages 0', 'max_inflight_messages 1000'].join(
      '\n',
    ),
  );
  const dir = mkdtempSync(join(tmpdir(), 'pw-bench-gw-'));
  const gateway = new GatewayProcess({
    dir,
    cloudUrl: cloud.url,
    config: { log: { level: 'warn' }, ...options.config },
    nodeArgs: options.nodeArgs,
  });
  const keys = new Map<string, string>();
  for (const tag of TAGS)
    for (let i = 0; i < NODES_PER_TAG; i++) keys.set(`${tag}-${i}`, randomBytes(32).toString('hex'));
  gateway.provision([...keys].map(([id, keyHex]) => ({ id, keyHex })));
  try {
    await gateway.start();
  } catch (err) {
    await cloud.dispose();
    throw err;
  }
  return new GatewayRig(cloud, gateway, dir, keys);
}

class GatewayRig implements Rig {
  readonly name = 'parkwatch gateway';
  constructor(
    private cloud: BenchBroker,
    private gateway: GatewayProcess,
    private dir: string,
    private keys: Map<string, string>,
  ) {}

  async senders(n: number, tag: string): Promise<Sender[]> {
    if (n > NODES_PER_TAG) throw new Error(`at most ${NODES_PER_TAG} senders per round`);
    const out: Sender[] = [];
    for (let i = 0; i < n; i++) {
      const id = `${tag}-${i}`;
      const keyHex = this.keys.get(id);
      if (!keyHex) throw new Error(`no provisioned node ${id}`);
      out.push(await GatewaySender.open(new NodeClient(id, keyHex), this.gateway.brokerUrl));
    }
    return out;
  }

  tap(onKey: (key: string) => void): Promise<CloudTap> {
    return openCloudTap(this.cloud.url, 'pw-bench-tap', CLOUD_ALL_EVENTS, keyOfEvent, onKey);
  }

  cloudDown(): Promise<void> {
    return this.cloud.stop();
  }
  cloudUp(): Promise<void> {
    return this.cloud.start();
  }
  crashEdge(): Promise<void> {
    return this.gateway.kill();
  }
  restartEdge(): Promise<void> {
    return this.gateway.start();
  }
  edgeRss(): number {
    return rssOf(this.gateway.pid);
  }

  async dispose(): Promise<void> {
    await this.gateway.kill();
    await this.cloud.dispose();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** One simulated node on its own MQTT connection; resolves alarms on the gateway's event_ack. */
class GatewaySender implements Sender {
  private pending = new Map<number, () => void>();
  /** background alarms signed ahead of time: [key, wire] */
  private prepared: [string, string][] = [];

  private constructor(
    private node: NodeClient,
    private client: MqttClient,
  ) {}

  static async open(node: NodeClient, url: string): Promise<GatewaySender> {
    let sender: GatewaySender | undefined;
    const client = await node.connect(url, (wire) => sender?.onCommand(wire));
    sender = new GatewaySender(node, client);
    return sender;
  }

  prepare(count: number): void {
    for (let i = 0; i < count; i++) {
      const m = this.node.message('alarm', 'smoke', ALARM_DATA);
      this.prepared.push([`${this.node.id}:${m.boot}:${m.seq}`, this.node.seal(m)]);
    }
    this.prepared.reverse(); // pop() from the end keeps sequence order
  }

  send(cls: MessageClass): Sent {
    // measured alarms are built when sent: drop what is prepared so seqs stay in order
    const ready = cls === 'background' ? this.prepared.pop() : undefined;
    if (ready) return { key: ready[0], acked: this.node.publish(this.client, ready[1]) };
    this.prepared = [];
    const message = this.node.message('alarm', 'smoke', ALARM_DATA);
    const key = `${this.node.id}:${message.boot}:${message.seq}`;
    const published = this.node.publish(this.client, this.node.seal(message));
    if (cls !== 'alarm') return { key, acked: published };
    const acked = new Promise<void>((resolve, reject) => {
      this.pending.set(message.seq, resolve);
      published.catch(reject);
    });
    return { key, acked };
  }

  async close(): Promise<void> {
    await this.client.endAsync(true);
  }

  private onCommand(wire: string): void {
    let command: unknown;
    try {
      command = JSON.parse(wire);
    } catch {
      return;
    }
    const c = command as { kind?: unknown; boot?: unknown; d?: { seqs?: unknown } };
    if (c.kind !== 'event_ack' || c.boot !== this.node.boot || !Array.isArray(c.d?.seqs)) return;
    for (const seq of c.d.seqs) {
      const resolve = this.pending.get(seq as number);
      if (resolve) {
        this.pending.delete(seq as number);
        resolve();
      }
    }
  }
}

const NODE_FIELD = /"node":"([A-Za-z0-9_-]+)"/;
const ORIGIN_FIELD = /"origin":\{"path":"[a-z]+","boot":(\d+),"seq":(\d+)\}/;

/**
 * node:boot:seq of the node message a decided event came from (gateway-raised events have
 * none). Read with two regexes rather than JSON.parse: at 20,000+ events/s the tap's parsing
 * would otherwise take a share of the cores the gateway runs on.
 */
function keyOfEvent(payload: Buffer): string | undefined {
  const text = payload.toString('utf8');
  const node = NODE_FIELD.exec(text);
  const origin = ORIGIN_FIELD.exec(text);
  if (!node || !origin || origin[2] === '0') return undefined;
  return `${node[1]}:${origin[1]}:${origin[2]}`;
}
