import { createServer, type Server } from 'node:net';
import { Aedes, type AuthenticateError, type Client } from 'aedes';
import { constantTimeEqual } from '../../protocol/hmac.ts';
import { mqttPassword } from '../../protocol/mqtt-auth.ts';
import { gatewayState, nodeDown, nodeUp } from '../../protocol/topics.ts';
import { MqttLocalPublisher } from '../local/local-publisher.ts';
import type { IngestContext } from '../ports.ts';
import { nodeSha256 } from '../wire/node-sha256.ts';
import { ConsumerBook, type ConsumerCredential } from './consumer-credentials.ts';
import type { InboundFrame, IngestSource } from './inbound.ts';
import { type LocalRole, mayPublish, maySubscribe } from './local-acl.ts';

/**
 * Local MQTT ingest with the broker inside the gateway (aedes). Nodes log in with their own id
 * and a password derived from their key (protocol/mqtt-auth.ts); consumers with read-only
 * credentials from config. Node messages are taken inside the broker process, on arrival in
 * aedes' `authorizePublish`, not through a second MQTT connection. Every refusal is counted by reason.
 */
export interface EmbeddedMqttOptions {
  host: string;
  /** 0 = any free port (tests); see `port` after start */
  port: number;
  consumers?: readonly ConsumerCredential[];
  gw: string;
  /** the publisher the gateway was built with; attached to this transport while it runs */
  publisher?: MqttLocalPublisher;
  ctx: Pick<IngestContext, 'keyOf' | 'count' | 'log'>;
  now?: () => number;
}

/** CONNACK return codes of MQTT 3.1.1 */
const IDENTIFIER_REJECTED = 2;
const SERVER_UNAVAILABLE = 3;
const BAD_USERNAME_OR_PASSWORD = 4;
const STOP_GRACE_MS = 100;
/**
 * A consumer that stops reading (a frozen Node-RED) holds one of aedes' delivery slots per
 * message until its socket drains; with every slot held, all publishing stalls. So: many slots,
 * and a consumer that cannot take data for 2 s is disconnected (it reconnects and gets the
 * retained states again). aedes' default is 60 s.
 */
const DELIVERY_CONCURRENCY = 1000;
const DRAIN_TIMEOUT_MS = 2000;

type Login = { ok: true; role: LocalRole } | { ok: false; reason: string; code: number };

export class EmbeddedMqttIngest implements IngestSource {
  readonly name = 'mqtt-embedded';
  readonly publisher: MqttLocalPublisher;
  private broker: Aedes | null = null;
  private server: Server | null = null;
  private readonly roles = new WeakMap<Client, LocalRole>();
  /** node id -> its live client (a reconnect with the same id replaces the old one) */
  private readonly nodes = new Map<string, Client>();
  private readonly consumers: ConsumerBook;
  private readonly refused = new Map<string, number>();
  private readonly now: () => number;
  private listenPort = 0;
  /** node messages handed to the pipeline */
  frames = 0;

  constructor(private options: EmbeddedMqttOptions) {
    this.now = options.now ?? Date.now;
    this.consumers = new ConsumerBook(options.consumers ?? []);
    this.publisher = options.publisher ?? new MqttLocalPublisher({ gw: options.gw });
  }

  /** the TCP port it listens on (the real one when configured as 0) */
  get port(): number {
    return this.listenPort;
  }

  async start(onFrame: (frame: InboundFrame) => void): Promise<void> {
    const broker = await Aedes.createBroker({
      concurrency: DELIVERY_CONCURRENCY,
      drainTimeout: DRAIN_TIMEOUT_MS,
      authenticate: (client, username, password, done) => {
        this.login(client, username, password)
          .catch((err: Error): Login => {
            this.options.ctx.log.error({ client: client.id, err: err.message }, 'local mqtt login check failed');
            return { ok: false, reason: 'auth_error', code: SERVER_UNAVAILABLE };
          })
          .then((login) => {
            if (login.ok) {
              this.roles.set(client, login.role);
              done(null, true);
              return;
            }
            this.refuse('connect', login.reason, { client: client.id, username });
            done(Object.assign(new Error(login.reason), { returnCode: login.code }) as AuthenticateError, false);
          });
      },
      authorizePublish: (client, packet, done) => {
        const role = client ? this.roles.get(client) : undefined;
        // client null: aedes publishing the stored will of a client long gone; only node wills get stored
        if (!client) return done(null);
        const verdict = role ? mayPublish(role, packet.topic, packet.payload.length) : { ok: false, reason: 'no_role' };
        if (!verdict.ok) {
          this.refuse('publish', verdict.reason, { client: client.id, topic: packet.topic });
          // MQTT 3.1.1 has no negative PUBACK: aedes drops the connection
          return done(new Error(`publish refused: ${verdict.reason}`));
        }
        // Taken here, on arrival, rather than after aedes' delivery queue: a stalled local
        // consumer can hold that queue for up to DRAIN_TIMEOUT_MS, and an alarm must not wait.
        if (role?.kind === 'node' && packet.topic === nodeUp(role.node))
          this.take(onFrame, client.id, role.node, packet.payload);
        done(null);
      },
      authorizeSubscribe: (client, sub, done) => {
        const role = this.roles.get(client);
        const verdict = role ? maySubscribe(role, sub.topic) : { ok: false, reason: 'no_role' };
        if (verdict.ok) return done(null, sub);
        this.refuse('subscribe', verdict.reason, { client: client.id, topic: sub.topic });
        done(null, null); // SUBACK 0x80 for this filter, the connection stays
      },
    });
    broker.on('clientReady', (client) => {
      const role = this.roles.get(client);
      if (role?.kind === 'node') this.nodes.set(role.node, client);
    });
    broker.on('clientDisconnect', (client) => {
      const role = this.roles.get(client);
      if (role?.kind === 'node' && this.nodes.get(role.node) === client) this.nodes.delete(role.node);
    });
    broker.on('clientError', (client, err) =>
      this.options.ctx.log.debug({ client: client?.id, err: err.message }, 'local mqtt client error'),
    );
    broker.on('connectionError', (client, err) =>
      this.options.ctx.log.debug({ client: client?.id, err: err.message }, 'local mqtt connection error'),
    );
    const server = createServer(broker.handle);
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(this.options.port, this.options.host, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } catch (err) {
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      throw new Error(
        `本地 MQTT 端口 ${this.options.host}:${this.options.port} 无法监听 / cannot listen on local MQTT ` +
          `${this.options.host}:${this.options.port} (${(err as Error).message}): ` +
          'change localBroker.port or stop the program using it',
      );
    }
    server.on('error', (err) => this.options.ctx.log.error({ err: err.message }, 'local mqtt listener error'));
    const address = server.address();
    this.listenPort = typeof address === 'object' && address ? address.port : this.options.port;
    this.broker = broker;
    this.server = server;
    this.publisher.attach((topic, payload, retain) => this.publishLocal(topic, payload, retain));
    this.options.ctx.log.info({ host: this.options.host, port: this.listenPort }, 'embedded MQTT broker listening');
  }

  async stop(): Promise<void> {
    const broker = this.broker;
    const server = this.server;
    if (!broker || !server) return;
    this.publisher.detach();
    const offline = this.publisher.offlineState(this.now());
    if (offline) {
      await new Promise<void>((resolve) =>
        broker.publish(
          {
            cmd: 'publish',
            topic: gatewayState(this.options.gw),
            payload: Buffer.from(JSON.stringify(offline)),
            qos: 1,
            retain: true,
            dup: false,
          },
          () => resolve(),
        ),
      );
      // aedes destroys client sockets on close; give the offline state a moment to leave them
      await new Promise((resolve) => setTimeout(resolve, STOP_GRACE_MS));
    }
    await new Promise<void>((resolve) => broker.close(() => resolve()));
    await new Promise<void>((resolve) => server.close(() => resolve()));
    this.broker = null;
    this.server = null;
    this.nodes.clear();
  }

  sendToNode(node: string, wire: string): boolean {
    if (!this.broker || !this.nodes.has(node)) return false;
    this.broker.publish(
      { cmd: 'publish', topic: nodeDown(node), payload: Buffer.from(wire), qos: 1, retain: false, dup: false },
      (err) => {
        if (err) this.options.ctx.log.warn({ node, err: err.message }, 'command publish failed');
      },
    );
    return true;
  }

  private take(onFrame: (frame: InboundFrame) => void, clientId: string, node: string, payload: Buffer | string): void {
    this.frames++;
    try {
      onFrame({
        path: 'mqtt',
        via: clientId,
        raw: Buffer.isBuffer(payload) ? payload.toString('utf8') : String(payload),
        receivedAt: this.now(),
        topicNode: node,
      });
    } catch (err) {
      // the pipeline promises not to throw; if it does, the broker must carry on
      this.options.ctx.log.error({ node, err: (err as Error).message }, 'pipeline threw on a frame');
    }
  }

  /** refusals by "<action>_<reason>", e.g. publish_not_own_topic */
  refusals(): Record<string, number> {
    return Object.fromEntries(this.refused);
  }

  private async login(client: Client, username: string | undefined, password: Buffer | undefined): Promise<Login> {
    if (!username || !password || password.length === 0)
      return { ok: false, reason: 'no_credentials', code: BAD_USERNAME_OR_PASSWORD };
    const given = password.toString('utf8');
    if (this.consumers.has(username)) {
      if (!(await this.consumers.verify(username, given)))
        return { ok: false, reason: 'consumer_bad_password', code: BAD_USERNAME_OR_PASSWORD };
      // a consumer must not take over a node's session
      if (this.keyOf(client.id) !== undefined)
        return { ok: false, reason: 'consumer_client_id_is_node', code: IDENTIFIER_REJECTED };
      return { ok: true, role: { kind: 'consumer', username } };
    }
    const key = this.keyOf(username);
    if (key === undefined) return { ok: false, reason: 'unknown_node', code: BAD_USERNAME_OR_PASSWORD };
    const expected = mqttPassword(nodeSha256, key);
    if (expected === undefined || !constantTimeEqual(expected, given))
      return { ok: false, reason: 'bad_password', code: BAD_USERNAME_OR_PASSWORD };
    if (client.id !== username) return { ok: false, reason: 'client_id_mismatch', code: IDENTIFIER_REJECTED };
    return { ok: true, role: { kind: 'node', node: username } };
  }

  private keyOf(node: string): string | undefined {
    try {
      return this.options.ctx.keyOf(node);
    } catch (err) {
      this.options.ctx.log.error({ node, err: (err as Error).message }, 'node key lookup failed');
      return undefined;
    }
  }

  private refuse(action: string, reason: string, context: Record<string, unknown>): void {
    const key = `${action}_${reason}`;
    this.refused.set(key, (this.refused.get(key) ?? 0) + 1);
    this.options.ctx.count('ingest_transport_rejects_total', {
      path: 'mqtt',
      via: `${this.options.host}:${this.listenPort}`,
      reason: key,
    });
    this.options.ctx.log.warn({ action, reason, ...context }, 'local mqtt refused');
  }

  private publishLocal(topic: string, payload: string, retain: boolean): boolean {
    if (!this.broker) return false;
    this.broker.publish({ cmd: 'publish', topic, payload: Buffer.from(payload), qos: 1, retain, dup: false }, (err) => {
      if (err) this.options.ctx.log.warn({ topic, err: err.message }, 'local publish failed');
    });
    return true;
  }
}
