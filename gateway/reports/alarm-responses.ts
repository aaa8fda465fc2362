import type { DecidedEvent } from '../wire/events.ts';

/**
 * The response to each fire or water alarm, computed from the stored events: when it came,
 * who acknowledged it after how long, when it cleared, how far the escalation went, and what
 * it counts as (real, false, drill). Drill and monthly reports read alarms only through
 * `alarmResponses`, so it can be swapped for the incident files' read API (issue 14 item 2)
 * without touching the reports.
 *
 * Escalation levels follow the Node-RED escalation flow's timers (flows/src/escalation): the
 * enterprise is told at once, park security after `securityAfterS` and the duty line after
 * `dutyAfterS` unless the alarm was acknowledged, cleared or reset before.
 */
export type EscalationLevel = 'enterprise' | 'security' | 'duty';
export type AlarmCount = 'real' | 'false' | 'test' | 'drill';

export interface EscalationTimers {
  securityAfterS: number;
  dutyAfterS: number;
}

/** The flow's defaults (PW_ESC_SECURITY_AFTER_S, PW_ESC_DUTY_AFTER_S). */
export const DEFAULT_ESCALATION: EscalationTimers = { securityAfterS: 300, dutyAfterS: 600 };

/**
 * An alarm that cleared by itself this soon, before anyone acknowledged it, is counted false
 * (a puff of steam or dust, not a fire). An operator's note with a cause overrides this.
 */
export const TRANSIENT_CLEAR_S = 120;

export interface AlarmResponse {
  ref: string;
  eventId: string;
  node: string | null;
  ch: string;
  priority: 'fire' | 'water';
  enterprise: string;
  zone: string;
  location: string;
  alarmAt: number;
  count: AlarmCount;
  drill?: { id: number; scenario: 'fire' | 'water' };
  acknowledgedAt?: number;
  acknowledgedBy?: string;
  /** seconds from alarm to acknowledgement */
  ackS?: number;
  clearedAt?: number;
  clearS?: number;
  /** levels the escalation reached, in order */
  escalation: EscalationLevel[];
}

/** A cause an operator wrote on the alarm (`note` with data.cause); the incident files will carry this. */
const FALSE_CAUSES = ['false', 'cooking', 'steam', 'dust', 'welding', 'fault'];

/** `events` oldest first; `until` ends escalation of alarms still open (the report's end). */
export function alarmResponses(
  events: readonly DecidedEvent[],
  until: number,
  timers: EscalationTimers = DEFAULT_ESCALATION,
): AlarmResponse[] {
  const byRef = new Map<string, AlarmResponse>();
  const stoppedAt = new Map<string, number>();
  const causes = new Map<string, string>();
  for (const e of events) {
    const ref = e.alarm?.ref ?? (typeof e.data.ref === 'string' ? e.data.ref : undefined);
    if (e.kind === 'note' && typeof e.data.cause === 'string') {
      const target = typeof e.data.alarmRef === 'string' ? e.data.alarmRef : ref;
      if (target) causes.set(target, e.data.cause);
      continue;
    }
    if (!ref) continue;
    const open = byRef.get(ref);
    if (e.kind === 'alarm' && (e.priority === 'fire' || e.priority === 'water') && !open) {
      byRef.set(ref, {
        ref,
        eventId: e.id,
        node: e.node,
        ch: e.ch,
        priority: e.priority,
        enterprise: e.placement?.enterprise ?? '',
        zone: e.placement?.zone ?? '',
        location: e.placement?.location ?? '',
        alarmAt: e.at,
        count: e.drill ? 'drill' : 'real',
        ...(e.drill ? { drill: e.drill } : {}),
        escalation: [],
      });
      continue;
    }
    if (!open) continue;
    if (e.kind === 'acknowledge' && open.acknowledgedAt === undefined) {
      open.acknowledgedAt = e.at;
      open.acknowledgedBy = typeof e.data.by === 'string' ? e.data.by : e.alarm?.by;
      open.ackS = (e.at - open.alarmAt) / 1000;
    }
    if ((e.kind === 'clear' || e.kind === 'reset') && open.clearedAt === undefined) {
      open.clearedAt = e.at;
      open.clearS = (e.at - open.alarmAt) / 1000;
    }
    if (['acknowledge', 'clear', 'reset'].includes(e.kind) && !stoppedAt.has(ref)) stoppedAt.set(ref, e.at);
  }
  const out = [...byRef.values()];
  for (const a of out) {
    const quietS = ((stoppedAt.get(a.ref) ?? until) - a.alarmAt) / 1000;
    a.escalation = ['enterprise'];
    if (quietS >= timers.securityAfterS) a.escalation.push('security');
    if (quietS >= timers.dutyAfterS) a.escalation.push('duty');
    if (a.count === 'drill') continue;
    const cause = causes.get(a.ref);
    if (cause === 'test' || cause === 'drill') a.count = cause;
    else if (cause !== undefined) a.count = FALSE_CAUSES.includes(cause) ? 'false' : 'real';
    else if (a.clearS !== undefined && a.clearS <= TRANSIENT_CLEAR_S && a.acknowledgedAt === undefined)
      a.count = 'false';
  }
  return out;
}

/** The flow's timers as the gateway's host knows them (the same PW_ESC_* variables), else the defaults. */
export function escalationTimersFromEnv(env: NodeJS.ProcessEnv = process.env): EscalationTimers {
  const read = (name: string, fallback: number) => {
    const v = Number(env[name]);
    return env[name] !== undefined && env[name] !== '' && Number.isFinite(v) && v >= 0 ? v : fallback;
  };
  return {
    securityAfterS: read('PW_ESC_SECURITY_AFTER_S', DEFAULT_ESCALATION.securityAfterS),
    dutyAfterS: read('PW_ESC_DUTY_AFTER_S', DEFAULT_ESCALATION.dutyAfterS),
  };
}
