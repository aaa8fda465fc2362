import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import type { OperatorAction } from '../decide/operator-action.ts';
import type { DrillBook } from '../drills/drill-book.ts';
import type { Incident, ResponseFigures } from '../incidents/incident.ts';
import type { IncidentPacket } from '../incidents/packet.ts';
import type { TimelineEntry } from '../incidents/timeline.ts';
import { AlarmState, DecidedEvent, EventKind, type NodeState, Placement, Priority } from '../wire/events.ts';
import { Id, TroubleCode } from '../wire/schemas.ts';

/**
 * What the local alarm panel needs from the gateway, and how the gateway mounts the panel.
 *
 * FOR THE GATEWAY ENGINEER: implement `PanelBackend` (AlarmBook + registry + event log +
 * command sender behind it), then in the HTTP server:
 *
 *   const panel = await createPanel(backend, { dataDir, options: config.panel, tls, log });
 *   server.on('request', (req, res) => { if (panel.handle(req, res)) return; ...metrics... });
 *   // on shutdown: panel.close()
 *
 * `createPanel` lives in gateway/panel/panel.ts. The panel never reaches into gateway
 * internals: everything it shows or does goes through this interface. Every method may
 * be called often (the panel polls nothing, but each browser reconnect reads lists), so
 * keep reads cheap; none of them may throw for ordinary "not found" cases.
 */

/** An operator's note on one of a condition's events, shown on its card. */
export const ConditionNote = z.object({ at: z.number().int(), by: z.string(), note: z.string() });
export type ConditionNote = z.infer<typeof ConditionNote>;

/** One condition that needs attention: an alarm, pre-alarm or trouble on a node channel. */
export const ActiveCondition = z.object({
  /** the alarm's ref, as in DecidedEvent.alarm.ref; actions name conditions by it */
  ref: z.string(),
  node: Id.nullable(),
  ch: z.string(),
  /** 'prealarm' | 'alarm' | 'trouble' */
  kind: z.enum(['prealarm', 'alarm', 'trouble']),
  /** fire / water for alarms and pre-alarms, trouble for troubles: the panel's sort order */
  priority: Priority,
  state: AlarmState,
  /** first event time of the condition, ms since epoch */
  since: z.number().int(),
  trouble: TroubleCode.optional(),
  placement: Placement.nullable(),
  /** who acknowledged it, when state is 'acknowledged' */
  acknowledgedBy: z.string().optional(),
  /** true when the channel is latched: it stays active until an operator resets it */
  latched: z.boolean(),
  /** the node's sounder is hushed until this time (ms since epoch), if it is */
  hushedUntil: z.number().int().optional(),
  /** the latest decided event of this condition (its id is what a note attaches to) */
  last: DecidedEvent,
  /** notes written on this condition's events, oldest first (note events with data.alarmRef = ref) */
  notes: z.array(ConditionNote),
});
export type ActiveCondition = z.infer<typeof ActiveCondition>;

/** History filters, all optional; the panel passes what the user chose. */
export const HistoryQuery = z.object({
  enterprise: z.string().max(64).optional(),
  zone: z.string().max(64).optional(),
  node: Id.optional(),
  kinds: z.array(EventKind).max(20).optional(),
  /** event time range, ms since epoch, `from` inclusive, `to` exclusive */
  from: z.number().int().optional(),
  to: z.number().int().optional(),
  /** paging cursor: only events with seq < before (newest first) */
  before: z.number().int().positive().optional(),
  limit: z.number().int().min(1).max(5000),
});
export type HistoryQuery = z.infer<typeof HistoryQuery>;

export interface HistoryPage {
  /** newest first */
  events: DecidedEvent[];
  /** pass as `before` for the next page; absent on the last page */
  next?: number;
}

/** One telemetry reading of a node channel (from telemetry / prealarm / alarm / clear events). */
export const Reading = z.object({
  at: z.number().int(),
  ch: z.string(),
  v: z.number(),
  b: z.number().optional(),
  /** the event it came from: the chart marks the moments of pre-alarm and alarm */
  kind: z.enum(['telemetry', 'prealarm', 'alarm', 'clear']),
  /** the threshold a pre-alarm or alarm was declared at, in the channel's unit */
  th: z.number().optional(),
});
export type Reading = z.infer<typeof Reading>;

/** Counters of refused input, for the panel's abuse view. Monotonic since gateway start. */
export interface RefusalCounts {
  /** e.g. { bad_signature: 3, unknown_node: 1, malformed: 12, replay: 0, schema: 2 } */
  byReason: Record<string, number>;
  /** by claimed node id (or the serial port / client id when no node id could be read) */
  bySource: Record<string, number>;
}

/** The link to the city fire monitoring centre (GB/T 26875), as gateway/gbt26875/link-watch.ts reports it. */
export const CentreLinkHealth = z.object({
  /** 'disabled' when the uplink is off; 'waiting': down, the next try at nextTryAt */
  state: z.enum(['disabled', 'idle', 'connecting', 'connected', 'waiting']),
  /** ms since epoch; absent while connected */
  downSince: z.number().int().optional(),
  nextTryAt: z.number().int().optional(),
  /** frames waiting for the centre's confirm, by lane */
  queued: z.object({ fire: z.number().int().min(0), other: z.number().int().min(0) }),
  /** when the gateway received the event of the oldest unconfirmed frame */
  oldestAt: z.number().int().optional(),
  lastConfirmAt: z.number().int().optional(),
  /** deny answers since gateway start, and frames given up after repeated denials */
  denied: z.number().int().min(0),
  dropped: z.number().int().min(0),
  /** down downTroubleS or longer: the gateway has raised the centre_link trouble */
  overdue: z.boolean(),
  downTroubleS: z.number().int().min(0),
});
export type CentreLinkHealth = z.infer<typeof CentreLinkHealth>;

/** The gateway's own health, for the wall screen: is the cloud reached, is the fire monitoring centre, how much waits. */
export const GatewayHealth = z.object({
  /** the uplink's state; 'none' when no cloud is configured */
  cloud: z.enum(['none', 'connecting', 'connected', 'waiting', 'stopped']),
  /** events stored but not yet acknowledged by the cloud */
  outboxDepth: z.number().int().min(0),
  centre: CentreLinkHealth,
});
export type GatewayHealth = z.infer<typeof GatewayHealth>;

export interface PanelBackend {
  /** Calls `listener` with every DecidedEvent after it is stored, in seq order. Returns unsubscribe. */
  subscribe(listener: (event: DecidedEvent) => void): () => void;
  /**
   * Events with seq > `afterSeq`, oldest first, at most `limit`: lets a browser that lost its
   * SSE connection resume from Last-Event-ID without missing anything.
   */
  eventsAfter(afterSeq: number, limit: number): DecidedEvent[];
  /** Alarms, pre-alarms and troubles not yet closed (cleared-but-unacknowledged stays listed). */
  activeConditions(): ActiveCondition[];
  nodes(): NodeState[];
  node(id: string): NodeState | undefined;
  history(query: HistoryQuery): HistoryPage;
  /** The node's readings with at >= since, oldest first, at most limit (all channels unless ch). */
  readings(node: string, options: { ch?: string; since: number; limit: number }): Reading[];
  act(action: OperatorAction): Promise<DecidedEvent>;
  refusals(): RefusalCounts;
  /** gateway and park ids, for the page title */
  identity(): { gw: string; park: string };
  health(): GatewayHealth;
  /** drills (issue 14): listed for everyone, started and stopped by an admin; absent on a gateway without them */
  drills?: Pick<DrillBook, 'list' | 'start' | 'stop'>;
  /** incident files, newest first (gateway/incidents/) */
  incidents(filter: { state?: Incident['state']; limit: number }): Incident[];
  /** one incident with its response figures and timeline */
  incident(id: string): IncidentDetail | undefined;
  /** its signed evidence packet, the chain's head signed first so it covers every event (rejects with PacketExportError) */
  incidentPacket(id: string): Promise<IncidentPacket>;
}

export interface IncidentDetail {
  incident: Incident;
  figures: ResponseFigures;
  timeline: TimelineEntry[];
}

/** The panel's section of the gateway config (`panel:` in the config file). */
export const PanelOptions = z
  .object({
    enabled: z.boolean().default(true),
    /** minutes a login stays valid without use */
    sessionIdleMinutes: z
      .number()
      .int()
      .min(1)
      .max(7 * 24 * 60)
      .default(12 * 60),
    /** failed logins allowed per window, per client IP and per user name */
    loginAttemptsPerIp: z.number().int().min(1).max(1000).default(10),
    loginAttemptsPerUser: z.number().int().min(1).max(1000).default(5),
    loginWindowSeconds: z
      .number()
      .int()
      .min(1)
      .max(86_400)
      .default(15 * 60),
    /** set Secure on cookies even without TLS on this server (a TLS proxy in front) */
    secureCookies: z.boolean().default(false),
    /** largest CSV export, in events */
    exportMaxEvents: z.number().int().min(1).max(1_000_000).default(50_000),
  })
  .strict();
export type PanelOptions = z.infer<typeof PanelOptions>;

/** What `createPanel` needs from the gateway besides the backend. */
export interface PanelMountContext {
  /** the gateway's data directory; the panel keeps panel-users.sqlite there (mode 0600) */
  dataDir: string;
  options: PanelOptions;
  /** true when the gateway's HTTP server is HTTPS: cookies get Secure */
  tls: boolean;
  /** structured log lines (pino-compatible subset); the setup token is printed through it */
  log: { info(obj: object, msg?: string): void; warn(obj: object, msg?: string): void };
  /** clock, ms since epoch; tests pass their own */
  now?: () => number;
}

export interface MountedPanel {
  /**
   * Serves the request if it belongs to the panel (returns true), else returns false untouched.
   * The panel owns `GET /` (redirects to the panel) and everything under `/panel/`.
   */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
  /** Ends live streams and closes the user store. */
  close(): void;
}
