import { z } from 'zod';
import { type DecidedEvent, Placement } from '../wire/events.ts';

/**
 * Incident files (issue 14, item 2): one incident per fire or water alarm on a node channel,
 * from its first pre-alarm (or the alarm itself) until someone records why it happened. Pure
 * functions: the store thread feeds each decided event as it is stored, and keeps what comes back.
 *
 *   open --(the alarm condition closes: acknowledged and cleared, or reset)--> ended
 *   ended --(close with a cause)--> closed
 *
 * An incident is keyed by the alarm's ref (the id of the event that opened the condition), which
 * every later event of that alarm carries in `alarm.ref`; notes name it in `data.alarmRef`.
 */
export const CAUSES = [
  'real_fire',
  'real_leak',
  'false_cooking',
  'false_steam',
  'false_dust',
  'false_welding',
  'false_fault',
  'test',
  'drill',
] as const;
export const Cause = z.enum(CAUSES);
export type Cause = z.infer<typeof Cause>;

export const CAUSE_LABELS: Record<Cause, string> = {
  real_fire: '真实火情 / real fire',
  real_leak: '真实漏水 / real leak',
  false_cooking: '误报：烹饪 / false: cooking',
  false_steam: '误报：水蒸气 / false: steam',
  false_dust: '误报：粉尘 / false: dust',
  false_welding: '误报：焊接 / false: welding',
  false_fault: '误报：设备故障 / false: fault',
  test: '测试 / test',
  drill: '演练 / drill',
};

export type IncidentState = Incident['state'];

/** Steps of an incident's timeline that come from its events (the export adds receipt, storage, PUBACK). */
export type IncidentStep =
  | 'prealarm'
  | 'alarm'
  | 'alarm_again'
  | 'acknowledge'
  | 'silence'
  | 'clear'
  | 'reset'
  | 'note'
  | 'close';

const Time = z.number().int();

export const Incident = z.object({
  /** the alarm's ref: the id (gw:seq) of the event that opened it */
  id: z.string(),
  gw: z.string(),
  node: z.string().nullable(),
  ch: z.string(),
  priority: z.enum(['fire', 'water']),
  placement: Placement.nullable(),
  state: z.enum(['open', 'ended', 'closed']),
  /** first pre-alarm or alarm, node time */
  openedAt: Time,
  prealarmAt: Time.nullable(),
  /** the verified alarm at the node (node time); null while only a pre-alarm */
  alarmAt: Time.nullable(),
  /** when the gateway received the alarm */
  alarmReceivedAt: Time.nullable(),
  acknowledgedAt: Time.nullable(),
  acknowledgedBy: z.string().nullable(),
  silencedAt: Time.nullable(),
  clearedAt: Time.nullable(),
  resetAt: Time.nullable(),
  /** the alarm condition closed (acknowledged and back to normal) */
  endedAt: Time.nullable(),
  closedAt: Time.nullable(),
  closedBy: z.string().nullable(),
  cause: Cause.nullable(),
  closingNote: z.string().nullable(),
  /** the opening event was raised during a drill (its `drill` field, set by the pipeline) */
  drill: z.boolean(),
  /** events in this incident, including notes */
  events: z.number().int(),
});
export type Incident = z.infer<typeof Incident>;

/** Response figures, ms; null when the step has not happened (or there never was an alarm). */
export interface ResponseFigures {
  alarmToAcknowledgeMs: number | null;
  alarmToClearMs: number | null;
}

export function responseFigures(i: Incident): ResponseFigures {
  const from = i.alarmAt;
  const since = (t: number | null) => (from === null || t === null ? null : Math.max(0, t - from));
  return { alarmToAcknowledgeMs: since(i.acknowledgedAt), alarmToClearMs: since(i.clearedAt ?? i.resetAt) };
}

/** The incident an event belongs to, or null: alarm-class events by their ref, notes by the alarm they name. */
export function incidentRefOf(e: DecidedEvent): string | null {
  if (e.kind === 'note') {
    const ref = e.data.alarmRef;
    return typeof ref === 'string' ? ref : null;
  }
  if (e.priority !== 'fire' && e.priority !== 'water') return null;
  return e.alarm?.ref ?? null;
}

export interface Applied {
  incident: Incident;
  step: IncidentStep;
}

/**
 * One stored event applied to its incident (`current` is undefined when none is kept yet).
 * Returns null when the event opens nothing and belongs to no known incident (a clear after the
 * incident's alarm was forgotten, a note on a trouble, a re-raise of a closed ref).
 */
export function applyEvent(current: Incident | undefined, e: DecidedEvent): Applied | null {
  const ref = incidentRefOf(e);
  if (ref === null) return null;
  if (!current) {
    // only the event that opened the condition opens an incident
    if ((e.kind !== 'prealarm' && e.kind !== 'alarm') || e.id !== ref) return null;
    return { incident: touched(opened(e), e), step: e.kind };
  }
  if (current.state === 'closed' && !(e.kind === 'note' && e.data.cause === undefined)) return null;
  const i = { ...current, events: current.events + 1 };
  const by = typeof e.data.by === 'string' ? e.data.by : null;
  let step: IncidentStep;
  switch (e.kind) {
    case 'prealarm':
      step = 'prealarm';
      i.prealarmAt ??= e.at;
      break;
    case 'alarm':
      step = i.alarmAt === null ? 'alarm' : 'alarm_again';
      if (i.alarmAt === null) {
        i.alarmAt = e.at;
        i.alarmReceivedAt = e.receivedAt;
      }
      break;
    case 'acknowledge':
      step = 'acknowledge';
      if (i.acknowledgedAt === null) {
        i.acknowledgedAt = e.at;
        i.acknowledgedBy = by;
      }
      break;
    case 'silence':
      step = 'silence';
      i.silencedAt ??= e.at;
      break;
    case 'clear':
      step = 'clear';
      i.clearedAt ??= e.at;
      break;
    case 'reset':
      step = 'reset';
      i.resetAt ??= e.at;
      break;
    case 'note': {
      const cause = Cause.safeParse(e.data.cause);
      if (!cause.success) {
        step = 'note';
        break;
      }
      step = 'close';
      i.state = 'closed';
      i.closedAt = e.at;
      i.closedBy = by;
      i.cause = cause.data;
      i.closingNote = typeof e.data.note === 'string' ? e.data.note : null;
      break;
    }
    default:
      step = 'note';
  }
  return { incident: touched(i, e), step };
}

function opened(e: DecidedEvent): Incident {
  return {
    id: e.id,
    gw: e.gw,
    node: e.node,
    ch: e.ch,
    priority: e.priority === 'water' ? 'water' : 'fire',
    placement: e.placement,
    state: 'open',
    openedAt: e.at,
    prealarmAt: e.kind === 'prealarm' ? e.at : null,
    alarmAt: e.kind === 'alarm' ? e.at : null,
    alarmReceivedAt: e.kind === 'alarm' ? e.receivedAt : null,
    acknowledgedAt: null,
    acknowledgedBy: null,
    silencedAt: null,
    clearedAt: null,
    resetAt: null,
    endedAt: null,
    closedAt: null,
    closedBy: null,
    cause: null,
    closingNote: null,
    drill: e.drill !== undefined,
    events: 1,
  };
}

/** The alarm condition's state after the event: its close ends the incident. */
function touched(i: Incident, e: DecidedEvent): Incident {
  if (i.state === 'open' && e.alarm?.state === 'closed') return { ...i, state: 'ended', endedAt: e.at };
  return i;
}

export type CloseRefusal = 'unknown_incident' | 'still_open' | 'already_closed';

/** Whether an incident may be closed now with a cause: not while its alarm is still open. */
export function canClose(i: Incident | undefined): CloseRefusal | null {
  if (!i) return 'unknown_incident';
  if (i.state === 'open') return 'still_open';
  if (i.state === 'closed') return 'already_closed';
  return null;
}
