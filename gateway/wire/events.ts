import { z } from 'zod';
import { NODE_KINDS, type NodeKind } from '../../protocol/kinds.ts';
import { Id, TroubleCode } from './schemas.ts';

/**
 * What the gateway publishes after it has decided: to the local broker (panel, Node-RED)
 * and, through the durable outbox, to the cloud. This is the contract every consumer reads:
 * the panel, the Node-RED flows, the simulator's expectations and the benchmarks.
 */

/** Where a node is: copied from the registry into every event so consumers need no registry. */
export const Placement = z.object({
  enterprise: z.string(),
  site: z.string(),
  zone: z.string(),
  location: z.string(),
});
export type Placement = z.infer<typeof Placement>;

/** Node kinds that become events: all but heartbeat, which only updates the node's state. */
const NODE_EVENT_KINDS = NODE_KINDS.filter((k): k is Exclude<NodeKind, 'heartbeat'> => k !== 'heartbeat');

/** Kinds of decided events: node events (telemetry included) and operator actions. */
export const DECIDED_EVENT_KINDS = [
  ...NODE_EVENT_KINDS,
  // operator actions (panel, cloud command); data.by says who
  'acknowledge',
  'silence',
  'reset',
  'note',
  'test_request',
  // gateway bookkeeping (issue 14): a hazard opened, changed or overdue; data is the hazard
  'hazard',
] as const;
export const EventKind = z.enum(DECIDED_EVENT_KINDS);
export type EventKind = z.infer<typeof EventKind>;

/** Delivery class in the outbox: alarms are never dropped, telemetry expires. */
export const Priority = z.enum(['fire', 'water', 'trouble', 'info', 'telemetry']);
export type Priority = z.infer<typeof Priority>;

export const AlarmState = z.enum(['active', 'acknowledged', 'cleared', 'closed']);
export type AlarmState = z.infer<typeof AlarmState>;

export const DecidedEvent = z.object({
  /** stable id: `${gw}:${seq}`; consumers drop duplicates by it */
  id: z.string(),
  /** gateway sequence, strictly rising, 64-bit in SQLite (safe as a JS number up to 2^53) */
  seq: z.number().int().positive(),
  gw: Id,
  park: Id,
  kind: EventKind,
  priority: Priority,
  /** event time, ms since epoch: gateway receive time minus the node's reported age */
  at: z.number().int(),
  /** when the gateway received or decided it, ms since epoch */
  receivedAt: z.number().int(),
  /** null for gateway-wide events (a serial port gone, outbox over quota) */
  node: Id.nullable(),
  /** channel name, '' for node-wide events */
  ch: z.string(),
  placement: Placement.nullable(),
  /** the node message's data, or for operator actions { by, ref?, note? } */
  data: z.record(z.string(), z.unknown()),
  /** the alarm's state after this event, for alarm-related kinds */
  alarm: z
    .object({ state: AlarmState, since: z.number().int(), by: z.string().optional(), ref: z.string() })
    .optional(),
  /** trouble code for trouble / trouble_clear (including gateway-raised offline, link, quota) */
  trouble: TroubleCode.optional(),
  /** the node message this came from, for tracing an event back to its frame */
  origin: z
    .object({ path: z.enum(['mqtt', 'serial', 'gateway', 'operator']), boot: z.number().int(), seq: z.number().int() })
    .optional(),
  /**
   * Set on every event raised for a node whose enterprise (and zone, when the drill names one)
   * is in a drill: consumers must treat it as an exercise, never as a real alarm.
   */
  drill: z.object({ id: z.number().int().positive(), scenario: z.enum(['fire', 'water']) }).optional(),
  /**
   * The event's link in the gateway's tamper-evident log, on what the cloud receives (issue 14):
   * hash = SHA-256(prev || canonical row); docs/gateway.md says how a receiver checks continuity.
   */
  chain: z.object({ prev: z.string().regex(/^[0-9a-f]{64}$/), hash: z.string().regex(/^[0-9a-f]{64}$/) }).optional(),
});
export type DecidedEvent = z.infer<typeof DecidedEvent>;

/** Retained per-node state on `.../node/<node>/state`. */
export const NodeState = z.object({
  node: Id,
  online: z.boolean(),
  lastSeen: z.number().int().nullable(),
  placement: Placement.nullable(),
  fw: z.string().nullable(),
  battery: z.number().nullable(),
  rssi: z.number().nullable(),
  mem: z.number().nullable(),
  /** per channel: normal | prealarm | alarm | hushed | trouble | test | latched (waits for a reset) */
  channels: z.record(z.string(), z.string()),
  troubles: z.array(TroubleCode),
});
export type NodeState = z.infer<typeof NodeState>;

/** Retained gateway state on `pw/v1/gw/<gw>/state` and the cloud's `.../state`; last-will sets "offline". */
export const GatewayState = z.object({
  gw: Id,
  park: Id,
  state: z.enum(['online', 'offline']),
  since: z.number().int(),
  version: z.string().optional(),
});
export type GatewayState = z.infer<typeof GatewayState>;
