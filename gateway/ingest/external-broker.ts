import mqtt, { type MqttClient } from 'mqtt';
import { ALL_NODES_UP, gatewayState, nodeDown, nodeOfTopic } from '../../protocol/topics.ts';
import { MqttLocalPublisher } from '../local/local-publisher.ts';
import type { IngestContext } from '../ports.ts';
import type { GatewayState } from '../wire/events.ts';
import type { InboundFrame, IngestSource } from './inbound.ts';
import { MAX_NODE_PAYLOAD } from './local-acl.ts';
import { ReopenBackoff } from './reopen-backoff.ts';

/**
 * Local MQTT ingest through an existing broker (e.g. Mosquitto): the gateway connects as a
 * client, reads every node's up topic and writes commands on down topics. The broker enforces
 * who may publish where (see docs/ingest.md for the ACL file). The gateway's retained state
 * carries an "offline" last-will. Reconnects use jittered backoff, not MQTT.js's fixed period.
 */
export interface ExternalMqttOptions {
  url: string;
  username?: string;
  password?: string;
  /** default parkwatch-<gw>; the session is persistent so the broker queues node messages while we reconnect */
  clientId?: string;
  gw: string;
  park: string;
  backoff?: { minMs: number; maxMs: number };
  /** the publisher the gateway was built with; attached to this transport while it runs */
  publisher?: MqttLocalPublisher;
  ctx: Pick<IngestContext, 'onLink' | 'count' | 'log'>;
  now?: () => number;
}

export class ExternalMqttIngest implements IngestSource {
  readonly name = 'mqtt-external';
  readonly publisher: MqttLocalPublisher;
  private client: MqttClient | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopping = false;
  private reportedDown = false;
  private readonly heard = new Set<string>();
  private readonly backoff: ReopenBackoff;
  private readonly now: () => number;
  /** node messages handed to the pipeline */
  frames = 0;

  constructor(private options: ExternalMqttOptions) {
    this.now = options.now ?? Date.now;
    this.backoff = new ReopenBackoff(options.backoff ?? { minMs: 500, maxMs: 30_000 });
    this.publisher = options.publisher ?? new MqttLocalPublisher({ gw: options.gw });
  }

  get connected(): boolean {
    return this.client?.connected === true;
  }

  /** Starts connecting and returns; an unreachable broker is a link trouble, retried with backoff. */
  async start(onFrame: (frame: InboundFrame) => void): Promise<void> {
    const { ctx, gw, park } = this.options;
    const will: GatewayState = { gw, park, state: 'offline', since: this.now() };
    const client = mqtt.connect(this.options.url, {
      clientId: this.options.clientId ?? `parkwatch-${gw}`,
      username: this.options.username,
      password: this.options.password,
      clean: false,
      protocolVersion: 4,
      reconnectPeriod: 0,
      connectTimeout: 10_000,
      will: { topic: gatewayState(gw), payload: Buffer.from(JSON.stringify(will)), qos: 1, retain: true },
    });
    this.client = client;
    this.publisher.attach((topic, payload, retain) => this.publishLocal(topic, payload, retain));
    client.on('connect', () => {
      this.backoff.up(this.now());
      client.subscribe(ALL_NODES_UP, { qos: 1 }, (err, granted) => {
        if (err || granted?.[0]?.qos === 128)
          ctx.log.error(
            { topic: ALL_NODES_UP, err: err?.message },
            '外部 MQTT 代理拒绝网关订阅节点主题，请检查 ACL / the external broker refused the node topics: check its ACL for the gateway user',
          );
      });
      this.publisher.flush();
      ctx.log.info({ url: this.options.url }, 'connected to external MQTT broker');
      if (this.reportedDown) {
        this.reportedDown = false;
        ctx.onLink({ path: 'mqtt', via: this.options.url, up: true });
      }
    });
    client.on('message', (topic, payload) => {
      const node = nodeOfTopic(topic, 'up');
      const reason = node === undefined ? 'unexpected_topic' : payload.length > MAX_NODE_PAYLOAD ? 'oversize' : null;
      if (node === undefined || reason !== null) {
        ctx.count('ingest_transport_rejects_total', { path: 'mqtt', via: this.options.url, reason: reason ?? '' });
        ctx.log.debug({ topic, bytes: payload.length, reason }, 'external mqtt message rejected');
        return;
      }
      this.heard.add(node);
      this.frames++;
      onFrame({ path: 'mqtt', via: node, raw: payload.toString('utf8'), receivedAt: this.now(), topicNode: node });
    });
    // Without an 'error' listener MQTT.js would throw; every error is followed by 'close'.
    client.on('error', (err) => ctx.log.warn({ url: this.options.url, err: err.message }, 'external mqtt error'));
    client.on('close', () => this.lost(client));
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const client = this.client;
    this.client = null;
    if (!client) return;
    this.publisher.detach();
    const offline = this.publisher.offlineState(this.now());
    if (offline && client.connected) {
      await client
        .publishAsync(gatewayState(this.options.gw), JSON.stringify(offline), { qos: 1, retain: true })
        .catch(() => undefined);
    }
    await client.endAsync();
  }

  sendToNode(node: string, wire: string): boolean {
    const client = this.client;
    if (!client?.connected || !this.heard.has(node)) return false;
    client.publish(nodeDown(node), wire, { qos: 1 }, (err) => {
      if (err) this.options.ctx.log.warn({ node, err: err.message }, 'command publish failed');
    });
    return true;
  }

  private lost(client: MqttClient): void {
    if (this.stopping || this.client !== client || this.timer) return;
    this.backoff.down(this.now());
    const delay = this.backoff.next();
    if (!this.reportedDown) {
      this.reportedDown = true;
      this.options.ctx.log.warn(
        { url: this.options.url, retryMs: delay },
        '外部 MQTT 代理连接断开，正在按退避重连 / external MQTT broker lost, reconnecting with backoff',
      );
      this.options.ctx.onLink({ path: 'mqtt', via: this.options.url, up: false, reason: 'connection closed' });
    }
    this.timer = setTimeout(() => {
      this.timer = null;
      if (!this.stopping) client.reconnect();
    }, delay);
  }

  private publishLocal(topic: string, payload: string, retain: boolean): boolean {
    const client = this.client;
    if (!client?.connected) return false;
    client.publish(topic, payload, { qos: 1, retain }, (err) => {
      if (err) this.options.ctx.log.warn({ topic, err: err.message }, 'local publish failed');
    });
    return true;
  }
}
