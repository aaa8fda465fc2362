import type { Drill } from '../drills/drill-book.ts';
import type { DecidedEvent } from '../wire/events.ts';
import {
  type AlarmResponse,
  alarmResponses,
  DEFAULT_ESCALATION,
  type EscalationLevel,
  type EscalationTimers,
} from './alarm-responses.ts';

/**
 * A drill's evaluation after AQ/T 9009-2015 (生产安全事故应急演练评估规范): the drill's basic
 * facts, how it ran (timeline), each party's response, a scored evaluation and the problems
 * found with what to improve. Scores are computed from the events alone by the rule below
 * (docs/reports.md), so two people computing them get the same number.
 *
 * Score, 100 points, averaged over the drill's alarms:
 *   detection 30: at least one alarm was raised and stored during the drill (else the whole drill scores 0)
 *   acknowledgement 40: within 60 s 40, within the security step 30, within the duty step 15, later or never 0
 *   escalation 15: stopped at the enterprise 15, reached park security 8, reached the duty line 0
 *   closure 15: cleared or reset before the drill stopped 15, else 0
 * Grade: >= 90 优秀 excellent, >= 75 良好 good, >= 60 合格 pass, below 不合格 fail.
 */
export const ACK_PROMPT_S = 60;

export interface ScoreItem {
  item: 'detection' | 'acknowledgement' | 'escalation' | 'closure';
  max: number;
  got: number;
}

export type DrillGrade = 'excellent' | 'good' | 'pass' | 'fail';

export interface PartyResponse {
  level: EscalationLevel;
  /** drill alarms this party was told of */
  told: number;
}

export interface Responder {
  by: string;
  acknowledged: number;
  /** seconds, the fastest and slowest of this person's acknowledgements */
  fastestS: number;
  slowestS: number;
}

export interface TimelineEntry {
  at: number;
  kind: string;
  node: string | null;
  ch: string;
  by?: string;
  eventId: string;
}

export interface DrillReport {
  kind: 'parkwatch.drill-report';
  version: 1;
  gw: string;
  park: string;
  generatedAt: number;
  drill: Drill;
  timers: EscalationTimers;
  alarms: AlarmResponse[];
  parties: PartyResponse[];
  responders: Responder[];
  timeline: TimelineEntry[];
  score: { items: ScoreItem[]; total: number; grade: DrillGrade };
  findings: string[];
}

/** Events of the drill: those it marked, and the later actions on its alarms (an acknowledgement after the stop). */
export function drillEvents(drill: Drill, window: readonly DecidedEvent[]): DecidedEvent[] {
  const refs = new Set<string>();
  for (const e of window) if (e.drill?.id === drill.id && e.alarm) refs.add(e.alarm.ref);
  return window.filter(
    (e) => e.drill?.id === drill.id || (e.alarm !== undefined && refs.has(e.alarm.ref) && e.at >= drill.startedAt),
  );
}

function ackPoints(a: AlarmResponse, t: EscalationTimers): number {
  if (a.ackS === undefined) return 0;
  if (a.ackS <= ACK_PROMPT_S) return 40;
  if (a.ackS <= t.securityAfterS) return 30;
  if (a.ackS <= t.dutyAfterS) return 15;
  return 0;
}

function gradeOf(total: number): DrillGrade {
  if (total >= 90) return 'excellent';
  if (total >= 75) return 'good';
  if (total >= 60) return 'pass';
  return 'fail';
}

function scoreOf(alarms: AlarmResponse[], drill: Drill, t: EscalationTimers): DrillReport['score'] {
  const avg = (f: (a: AlarmResponse) => number) =>
    alarms.length === 0 ? 0 : Math.round(alarms.reduce((s, a) => s + f(a), 0) / alarms.length);
  const end = drill.stoppedAt ?? Number.POSITIVE_INFINITY;
  const items: ScoreItem[] = [
    { item: 'detection', max: 30, got: alarms.length > 0 ? 30 : 0 },
    { item: 'acknowledgement', max: 40, got: avg((a) => ackPoints(a, t)) },
    { item: 'escalation', max: 15, got: avg((a) => [0, 15, 8, 0][a.escalation.length]) },
    { item: 'closure', max: 15, got: avg((a) => (a.clearedAt !== undefined && a.clearedAt <= end ? 15 : 0)) },
  ];
  const total = alarms.length === 0 ? 0 : items.reduce((s, i) => s + i.got, 0);
  return { items, total, grade: gradeOf(total) };
}

function findingsOf(alarms: AlarmResponse[], drill: Drill, t: EscalationTimers): string[] {
  const out: string[] = [];
  if (alarms.length === 0)
    out.push(
      '演练期间没有报警到达网关：检查演练区域的探测器与链路 / no alarm reached the gateway during the drill: check the detectors and links of the drill area',
    );
  for (const a of alarms) {
    const where = `${a.node ?? '-'}${a.ch ? `/${a.ch}` : ''}`;
    if (a.ackS === undefined) out.push(`${where}：报警无人确认 / ${where}: the alarm was never acknowledged`);
    else if (a.ackS > ACK_PROMPT_S)
      out.push(
        `${where}：确认用时 ${Math.round(a.ackS)} s，超过 ${ACK_PROMPT_S} s / ${where}: acknowledged after ${Math.round(a.ackS)} s, over ${ACK_PROMPT_S} s`,
      );
    if (a.escalation.length > 1)
      out.push(
        `${where}：升级到${a.escalation.includes('duty') ? '应急值班' : '园区安保'}，企业未及时响应 / ${where}: escalated to ${a.escalation[a.escalation.length - 1]}, the enterprise did not respond in time`,
      );
    if (a.clearedAt === undefined || (drill.stoppedAt !== null && a.clearedAt > drill.stoppedAt))
      out.push(`${where}：演练结束时报警未恢复或复位 / ${where}: not cleared or reset when the drill stopped`);
  }
  if (t.securityAfterS <= ACK_PROMPT_S) out.push('升级时间设置过短 / escalation timers shorter than the prompt target');
  return out;
}

export function buildDrillReport(input: {
  drill: Drill;
  events: readonly DecidedEvent[];
  gw: string;
  park: string;
  now: number;
  timers?: EscalationTimers;
}): DrillReport {
  const t = input.timers ?? DEFAULT_ESCALATION;
  const { drill } = input;
  const events = drillEvents(drill, input.events);
  const alarms = alarmResponses(events, drill.stoppedAt ?? input.now, t).filter((a) => a.drill?.id === drill.id);
  const responders = new Map<string, Responder>();
  for (const a of alarms) {
    if (a.acknowledgedBy === undefined || a.ackS === undefined) continue;
    const r = responders.get(a.acknowledgedBy) ?? {
      by: a.acknowledgedBy,
      acknowledged: 0,
      fastestS: a.ackS,
      slowestS: a.ackS,
    };
    r.acknowledged++;
    r.fastestS = Math.min(r.fastestS, a.ackS);
    r.slowestS = Math.max(r.slowestS, a.ackS);
    responders.set(r.by, r);
  }
  const parties: PartyResponse[] = (['enterprise', 'security', 'duty'] as const).map((level) => ({
    level,
    told: alarms.filter((a) => a.escalation.includes(level)).length,
  }));
  const timeline: TimelineEntry[] = events
    .filter((e) => e.kind !== 'hello')
    .map((e) => ({
      at: e.at,
      kind: e.kind,
      node: e.node,
      ch: e.ch,
      ...(typeof e.data.by === 'string' ? { by: e.data.by } : {}),
      eventId: e.id,
    }));
  return {
    kind: 'parkwatch.drill-report',
    version: 1,
    gw: input.gw,
    park: input.park,
    generatedAt: input.now,
    drill,
    timers: t,
    alarms,
    parties,
    responders: [...responders.values()],
    timeline,
    score: scoreOf(alarms, drill, t),
    findings: findingsOf(alarms, drill, t),
  };
}
