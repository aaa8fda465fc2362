import pino, { type Logger } from 'pino';
import type { TroubleCode } from '../protocol/kinds.ts';
import { parseEventId } from '../protocol/message.ts';
import { cloudCommandReply, cloudNodeState } from '../protocol/topics.ts';
import { Bus } from './bus.ts';
import type { GatewayConfig } from './config/schema.ts';
import { Controller, type Stage } from './controller.ts';
import { AlarmBook } from './decide/alarm-book.ts';
import { decideGatewayTrouble, placementOf } from './decide/decide.ts';
import { NodeStates } from './decide/node-states.ts';
import { OperatorDesk } from './decide/operator-desk.ts';
import { DrillBook } from './drills/drill-book.ts';
import { journalEvents } from './event-journal.ts';
import { CachedOutboxStats, type GatewayCounters, gatewayCounters, registerGauges } from './gateway-metrics.ts';
import { CENTRE_DISABLED } from './gbt26875/link-watch.ts';
import { type GbtStage, gbtStage } from './gbt26875/stage.ts';
import { HazardBook } from './hazards/hazard-book.ts';
import { HazardWatch } from './hazards/hazard-watch.ts';
import { HttpServer, type RequestHandler } from './http-server.ts';
import { serveCloseRequests } from './incidents/close-requests.ts';
import { getIncident } from './incidents/incident-queries.ts';
import type { IngestSource } from './ingest/inbound.ts';
import { Metrics } from './metrics.ts';
import type { ClockSync } from './ops/clock-sync.ts';
import { watchClock } from './ops/clock-watch.ts';
import { PanelBridge } from './panel-bridge.ts';
import { CommandSealer } from './pipeline/command-sealer.ts';
import { type Job, Pipeline } from './pipeline/pipeline.ts';
import type { IngestFactory, LinkChange, LocalPublisher } from './ports.ts';
import { type Db, openDatabase, readMeta } from './store/database.ts';
import { EventLog } from './store/event-log.ts';
import { readGatewayPrivateKey } from './store/gateway-key.ts';
import { NodeRegistry } from './store/registry.ts';
import { StoreThread } from './store/store-thread.ts';
import { ThreadedOutbox } from './store/threaded-outbox.ts';
import { Supervisor } from './supervision/supervisor.ts';
import { handleCloudCommand } from './uplink/cloud-commands.ts';
import { Uplink } from './uplink/uplink.ts';
import type { NodeState } from './wire/events.ts';

/**
 * The gateway: builds the stages from a validated config and wires them through the bus.
 * Ingest transports and the local publisher are plugged in through `GatewayOptions`, so this
 * file knows no transport.
 */
export interface GatewayOptions {
  ingest?: IngestFactory[];
  localPublisher?: LocalPublisher;
  /** mounts the panel (or anything else) on the HTTP server; called once the gateway is built */
  http?: (gateway: Gateway) => Promise<{ handler: RequestHandler; close: () => void } | undefined>;
  logger?: Logger;
  /** wall clock: event times */
  now?: () => number;
  /** monotonic clock: heartbeat supervision */
  elapsed?: () => number;
  /** checks the system clock is synchronised (a `clock` trouble when not); run.ts passes the system's */
  clock?: { sync: ClockSync; everyMs?: number };
}

const MAINTENANCE_MS = 10_000;
const STATE_PUBLISH_MS = 1000;

export class Gateway {
  /** the main thread's connection: reads, and the registry (rare writes) */
  readonly db: Db;
  /** owns the writing connection: batches, outbox removals, pruning */
  readonly store: StoreThread;
  readonly bus: Bus;
  readonly metrics = new Metrics();
  readonly registry: NodeRegistry;
  readonly outbox: ThreadedOutbox;
  readonly eventLog: EventLog;
  readonly book: AlarmBook;
  readonly nodeStates = new NodeStates();
  readonly drills: DrillBook;
  readonly hazards: HazardWatch;
  readonly supervisor: Supervisor;
  readonly pipeline: Pipeline;
  readonly desk: OperatorDesk;
  readonly panel: PanelBridge;
  readonly logger: Logger;
  readonly now: () => number;
  uplink: Uplink | undefined;
  /** the GB/T 26875 uplink to the fire monitoring centre, when enabled */
  gbt: GbtStage | undefined;
  httpPort = 0;
  private sources: IngestSource[] = [];
  private controller: Controller;
  private http: HttpServer;
  private timers: NodeJS.Timeout[] = [];
  private pendingStates = new Map<string, NodeState>();
  private counters: GatewayCounters;

  constructor(
    readonly config: GatewayConfig,
    private options: GatewayOptions = {},
  ) {
    this.logger = options.logger ?? pino({ level: config.log.level, base: { gw: config.gatewayId } });
    this.now = options.now ?? Date.now;
    this.bus = new Bus((event, err) => this.logger.error({ event, err: err.message }, 'bus listener failed'));
    this.db = openDatabase(config.dataDir);
    this.registry = new NodeRegistry(this.db);
    this.drills = new DrillBook(this.db, this.now);
    const telemetryTtlMs = config.outbox.telemetryTtlS * 1000;
    // Opened after the main connection, which has migrated the schema.
    this.store = new StoreThread({ dataDir: config.dataDir, telemetryTtlMs });
    this.outbox = new ThreadedOutbox(this.db, this.store);
    this.eventLog = new EventLog(this.db, telemetryTtlMs);
    this.book = new AlarmBook(this.db);
    const offline = this.book
      .open()
      .filter((c) => c.trouble === 'offline' && c.node !== null && (c.state === 'active' || c.state === 'acknowledged'))
      .map((c) => c.node as string);
    this.supervisor = new Supervisor(config.supervision, offline, options.elapsed);
    this.counters = gatewayCounters(this.metrics);
    this.pipeline = new Pipeline({
      gw: config.gatewayId,
      park: config.parkId,
      registry: this.registry,
      log: this.eventLog,
      commit: (batch) => this.store.request({ op: 'commit', batch }),
      book: this.book,
      nodeStates: this.nodeStates,
      supervisor: this.supervisor,
      sealer: new CommandSealer(readMeta(this.db, 'command_seq')),
      send: (node, wire) =>
        this.sources.some((s) => {
          try {
            return s.sendToNode(node, wire);
          } catch (err) {
            this.logger.error({ node, source: s.name, err: (err as Error).message }, 'sending a command failed');
            return false;
          }
        }),
      bus: this.bus,
      logger: this.logger,
      counters: this.counters,
      drillOf: (placement) => this.drills.tagFor(placement),
      onCameBack: (ctx, node, at) =>
        decideGatewayTrouble(ctx, { node, nodeId: node.id, ch: '', code: 'offline', raised: false, at, data: {} }),
    });
    this.desk = new OperatorDesk({
      registry: this.registry,
      book: this.book,
      submit: (job) => this.pipeline.submit(job),
      bootOf: (node) => this.pipeline.bootOf(node),
      eventById: (id) => {
        const parsed = parseEventId(id);
        return parsed?.gw === config.gatewayId ? this.eventLog.byId(parsed.seq) : undefined;
      },
      incidentById: (id) => getIncident(this.db, id),
      gw: config.gatewayId,
      now: this.now,
    });
    this.hazards = new HazardWatch({
      book: new HazardBook(this.db),
      bus: this.bus,
      log: this.eventLog,
      submit: (job) => this.pipeline.submit(job),
      placementOf: (node) => placementOf(node ? this.registry.get(node) : undefined),
      now: this.now,
      logger: this.logger,
    });
    const stats = new CachedOutboxStats(this.outbox);
    this.panel = new PanelBridge({
      gw: config.gatewayId,
      park: config.parkId,
      bus: this.bus,
      log: this.eventLog,
      book: this.book,
      registry: this.registry,
      nodeStates: this.nodeStates,
      desk: this.desk,
      rejects: this.counters.rejects,
      rejectsBySource: this.counters.rejectsBySource,
      health: () => ({
        cloud: this.uplink?.state ?? 'none',
        outboxDepth: stats.get().depth,
        centre: this.gbt?.status() ?? CENTRE_DISABLED,
      }),
      drills: this.drills,
      // the store thread made the key at its start; read when a packet is asked for
      incidents: {
        db: this.db,
        key: () => readGatewayPrivateKey(config.dataDir),
        now: this.now,
        signHead: () => this.store.request({ op: 'signHead' }),
      },
    });
    registerGauges(this.metrics, {
      outbox: () => stats.get(),
      now: this.now,
      uplink: () => this.uplink,
      supervisor: this.supervisor,
      lastSeq: () => this.pipeline.lastSeq(),
    });
    this.http = new HttpServer(this.logger, {
      metrics: () => this.metrics.render(),
      health: () => ({
        ok: true,
        uplink: this.uplink?.state ?? 'none',
        gbt26875: this.gbt?.status().state ?? 'disabled',
        failed: Object.fromEntries(this.controller.failed),
      }),
    });
    this.controller = new Controller(this.logger, (stage, error) =>
      this.raiseTrouble('link', `stage:${stage}`, true, { stage, error }),
    );
  }

  /** Stages that failed to start, with the reason (the gateway runs without them). */
  failedStages(): [stage: string, error: string][] {
    return [...this.controller.failed];
  }

  /** Raises or clears a gateway-side trouble (node null) through the pipeline. */
  raiseTrouble(
    code: TroubleCode,
    ch: string,
    raised: boolean,
    data: Record<string, unknown>,
    node: string | null = null,
  ): void {
    const job: Job = {
      decide: (ctx) =>
        decideGatewayTrouble(ctx, {
          node: node ? (this.registry.get(node) ?? null) : null,
          nodeId: node,
          ch,
          code,
          raised,
          at: this.now(),
          data,
        }),
      done: () => {},
      fail: (err) => this.logger.error({ err: err.message, code, ch }, 'trouble not stored'),
    };
    this.pipeline.submit(job);
  }

  private onLink = (change: LinkChange): void => {
    this.bus.emit('link', change);
    this.raiseTrouble('link', `${change.path}:${change.via}`, !change.up, { via: change.via, reason: change.reason });
  };

  private every(ms: number, fn: () => void | Promise<void>): void {
    const failed = (err: Error) => this.logger.error({ err: err.message }, 'periodic task failed');
    const t = setInterval(() => {
      try {
        fn()?.catch(failed);
      } catch (err) {
        failed(err as Error);
      }
    }, ms);
    t.unref();
    this.timers.push(t);
  }

  private rejectsSeen = new Map<string, number>();

  /** Single rejects log at debug (a flood must not flood the log); this says at warn how many, by reason. */
  private summariseRejects(): void {
    const fresh: Record<string, number> = {};
    for (const [labels, count] of this.counters.rejects.entries()) {
      const delta = count - (this.rejectsSeen.get(labels) ?? 0);
      if (delta > 0) fresh[labels.replace(/^\{reason="(.*)"\}$/, '$1')] = delta;
      this.rejectsSeen.set(labels, count);
    }
    if (Object.keys(fresh).length > 0)
      this.logger.warn({ rejects: fresh, windowS: MAINTENANCE_MS / 1000 }, '拒绝了节点消息 / node messages refused');
  }

  /** Outbox expiry and quota, event-log pruning; runs every 10 s (tests call it directly). */
  async maintain(): Promise<void> {
    this.summariseRejects();
    const quota = this.config.outbox.quotaBytes;
    const result = await this.outbox.prune(this.now(), quota);
    if (result.expired > 0) this.counters.dropped.inc({ reason: 'expired' }, result.expired);
    if (result.droppedOverQuota > 0) {
      this.counters.dropped.inc({ reason: 'quota' }, result.droppedOverQuota);
      this.logger.warn(
        { dropped: result.droppedOverQuota, quota },
        '发件箱超出配额，丢弃最旧遥测 / outbox over quota: oldest telemetry dropped',
      );
      this.raiseTrouble('quota', 'outbox', true, { dropped: result.droppedOverQuota, quotaBytes: quota });
    } else if (this.outbox.stats().bytes < quota * 0.9) this.raiseTrouble('quota', 'outbox', false, {});
    await this.store.request({ op: 'pruneTelemetry', now: this.now() });
  }

  private stages(): Stage[] {
    const c = this.config;
    const stages: Stage[] = [];
    stages.push({
      name: 'supervision',
      start: () => {
        for (const n of this.registry.list()) {
          this.supervisor.watch(n.id);
          this.nodeStates.ensure(n);
        }
        this.every(1000, () => {
          const registered = new Set<string>();
          for (const n of this.registry.list()) {
            registered.add(n.id);
            this.supervisor.watch(n.id);
          }
          for (const id of this.supervisor.watched())
            if (!registered.has(id)) {
              this.supervisor.forget(id);
              this.nodeStates.remove(id);
            }
          for (const node of this.supervisor.check())
            this.raiseTrouble('offline', '', true, { afterS: this.supervisor.timeoutMs(node) / 1000 }, node);
        });
      },
      stop: () => {},
    });
    const clock = this.options.clock;
    if (clock) {
      let watch: { stop(): void } | undefined;
      stages.push({
        name: 'clock',
        start: () => {
          const raise = (raised: boolean, data: Record<string, unknown>) =>
            this.raiseTrouble('clock', '', raised, data);
          watch = watchClock(clock.sync, raise, this.logger, clock.everyMs);
        },
        stop: () => watch?.stop(),
      });
    }
    stages.push(
      {
        name: 'hazards',
        start: () => {
          this.hazards.start();
          this.every(MAINTENANCE_MS, () => this.hazards.tick());
        },
        stop: () => this.hazards.stop(),
      },
      {
        name: 'incident-requests',
        // closes asked for by `parkwatch incidents close` (another process) become chained events here
        start: () =>
          this.every(1000, async () => {
            await serveCloseRequests(this.db, (r) =>
              this.desk.act({
                action: 'close',
                incident: r.incident,
                cause: r.cause,
                by: r.by,
                ...(r.note ? { note: r.note } : {}),
              }),
            );
          }),
        stop: () => {},
      },
    );
    stages.push({
      name: 'maintenance',
      start: () => this.every(MAINTENANCE_MS, () => this.maintain()),
      stop: () => {},
    });
    if (c.cloud.url) {
      const uplink = new Uplink({
        config: { ...c.cloud, url: c.cloud.url },
        gw: c.gatewayId,
        park: c.parkId,
        outbox: this.outbox,
        logger: this.logger,
        counters: {
          published: this.counters.published,
          failures: this.counters.disconnects,
          latency: this.counters.latency,
        },
        onConnected: (up) => {
          this.bus.emit('uplink', up);
          if (up) for (const s of this.panel.nodes()) this.pendingStates.set(s.node, s);
        },
        onCommand: (payload) => {
          void handleCloudCommand(payload, {
            desk: this.desk,
            logger: this.logger,
            rejects: this.counters.rejects,
          }).then((reply) => uplink.publishReply(cloudCommandReply(c.parkId, c.gatewayId), JSON.stringify(reply)));
        },
        now: this.now,
      });
      this.uplink = uplink;
      this.bus.on('committed', (events) => uplink.notify(events.some((e) => e.priority !== 'telemetry')));
      stages.push({ name: 'uplink', start: () => uplink.start(), stop: () => uplink.stop() });
    } else this.logger.warn('未配置云端，事件保留在发件箱 / no cloud configured: events stay in the outbox');
    if (c.gbt26875.enabled) {
      this.gbt = gbtStage({
        config: c.gbt26875,
        dataDir: c.dataDir,
        bus: this.bus,
        eventsAfter: (seq, limit) => this.eventLog.after(seq, limit),
        lastSeq: () => this.eventLog.lastSeq(),
        openConditions: () => this.book.open(),
        channelsOf: (node) => this.registry.get(node)?.channels ?? [],
        trouble: (raised, data) => this.raiseTrouble('centre_link', '', raised, data),
        metrics: this.metrics,
        logger: this.logger,
        now: this.now,
      });
      stages.push(this.gbt);
    }
    const publisher = this.options.localPublisher;
    if (publisher) this.bus.on('committed', (events) => publisher.publishEvents(events));
    this.bus.on('nodeState', (s) => this.pendingStates.set(s.node, s));
    journalEvents(this.bus, this.logger);
    stages.push({
      name: 'state-publisher',
      start: () => {
        publisher?.publishGatewayState({ gw: c.gatewayId, park: c.parkId, state: 'online', since: this.now() });
        this.every(STATE_PUBLISH_MS, () => this.publishStates());
      },
      stop: () => {
        this.publishStates();
        publisher?.publishGatewayState({ gw: c.gatewayId, park: c.parkId, state: 'offline', since: this.now() });
      },
    });
    for (const [i, factory] of (this.options.ingest ?? []).entries()) {
      let source: IngestSource | undefined;
      stages.push({
        name: `ingest-${i + 1}`,
        start: async () => {
          source = factory({
            keyOf: this.registry.keyOf,
            onFrame: this.pipeline.onFrame,
            onLink: this.onLink,
            count: (_name, labels) => this.counters.transportRejects.inc(labels),
            log: this.logger,
          });
          await source.start(this.pipeline.onFrame);
          this.sources.push(source);
        },
        stop: async () => {
          if (source) await source.stop();
          // Whatever ingest delivered before it stopped is decided and committed now.
          await this.pipeline.idle();
        },
      });
    }
    return stages;
  }

  /** Retained node states, at most once per second per node (telemetry would otherwise publish per message). */
  private publishStates(): void {
    if (this.pendingStates.size === 0) return;
    const states = [...this.pendingStates.values()];
    this.pendingStates.clear();
    for (const s of states) {
      this.options.localPublisher?.publishNodeState(s);
      this.uplink?.publishRetained(
        cloudNodeState(this.config.parkId, this.config.gatewayId, s.node),
        JSON.stringify(s),
      );
    }
  }

  async start(): Promise<void> {
    const mount = this.options.http;
    let panelClose: (() => void) | undefined;
    const httpStage: Stage = {
      name: 'http',
      start: async () => {
        this.httpPort = await this.http.listen(this.config.http.port, this.config.http.host);
      },
      stop: async () => {
        panelClose?.();
        await this.http.close();
      },
    };
    const panelStage: Stage = {
      name: 'panel',
      start: async () => {
        const mounted = mount ? await mount(this) : undefined;
        if (mounted) {
          this.http.use(mounted.handler);
          panelClose = mounted.close;
        }
      },
      stop: () => {},
    };
    // http first so it stops last; ingest last so it stops first.
    await this.controller.start([httpStage, panelStage, ...this.stages()]);
  }

  /** SIGTERM path: stop ingest, decide and commit what arrived, let in-flight publishes finish, close the db. */
  async stop(): Promise<void> {
    await this.controller.stop();
    await this.pipeline.stop();
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    // The store thread checkpoints the WAL into the file as it closes.
    await this.store.close();
    this.db.close();
  }
}
