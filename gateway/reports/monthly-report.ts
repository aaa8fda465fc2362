import type { Drill } from '../drills/drill-book.ts';
import type { Hazard } from '../hazards/hazard-book.ts';
import type { DecidedEvent } from '../wire/events.ts';
import { type AlarmResponse, alarmResponses, type EscalationTimers } from './alarm-responses.ts';
import type { DrillGrade } from './drill-report.ts';
import type { NodePlace } from './report-source.ts';

/**
 * The monthly risk and service report per enterprise (issue 14 item 5): alarms by what they
 * were (real, false, test, drill: a drill alarm is never counted real), false-alarm rate per
 * node, alarm-to-acknowledge, node availability, troubles and hazards, drills and their scores,
 * and a risk tier by the rule below (docs/reports.md). Only what the insurer and the bureau
 * need: places, counts, times and operator names; never node keys or passwords.
 *
 * Risk tier (应急厅函〔2024〕322号 ranks insured units high / medium / low):
 *   high   when any real alarm happened this month, or the points below reach 4
 *   medium when the points reach 2
 *   low    otherwise
 * points: an overdue hazard 2; availability under 95 % 2 (under 99 % 1); 3 or more false alarms 1;
 *         an alarm never acknowledged, or the worst acknowledgement over 300 s, 1;
 *         no drill in the 183 days before the month's end 1
 */
export type RiskTier = 'high' | 'medium' | 'low';

export interface NodeFigures {
  node: string;
  zone: string;
  location: string;
  alarms: number;
  falseAlarms: number;
  /** false / (alarms not in a drill), 0..1; null without alarms */
  falseRate: number | null;
  /** share of the month (from installation, up to now) the node was not offline, 0..1 */
  online: number;
}

export interface DrillFigures {
  id: number;
  zone: string;
  scenario: string;
  startedAt: number;
  score: number;
  grade: DrillGrade;
}

export interface EnterpriseFigures {
  enterprise: string;
  alarms: { real: number; false: number; test: number; drill: number };
  ack: { acknowledged: number; unacknowledged: number; medianS: number | null; worstS: number | null };
  nodes: NodeFigures[];
  /** mean of the nodes' online share */
  availability: number | null;
  troubles: { opened: number; closed: number };
  hazards: { opened: number; closed: number; overdue: number; open: number };
  /** hazards closed with a note saying what was done this month */
  maintenance: number;
  drills: DrillFigures[];
  lastDrillAt: number | null;
  risk: { tier: RiskTier; points: number; reasons: string[] };
}

export interface MonthlyReport {
  kind: 'parkwatch.monthly-report';
  version: 1;
  gw: string;
  park: string;
  month: string;
  from: number;
  to: number;
  generatedAt: number;
  enterprises: EnterpriseFigures[];
}

export interface MonthlyInput {
  gw: string;
  park: string;
  month: string;
  from: number;
  to: number;
  now: number;
  /** events (no telemetry) from `from` to a little after `to` (late acknowledgements) */
  events: readonly DecidedEvent[];
  /** offline trouble and clear events up to `to`, oldest first: availability needs the state at `from` */
  offline: readonly DecidedEvent[];
  nodes: readonly NodePlace[];
  hazards: readonly Hazard[];
  drills: readonly Drill[];
  /** drill scores by drill id (drill-report.ts) */
  drillScores: ReadonlyMap<number, { total: number; grade: DrillGrade }>;
  timers: EscalationTimers;
  enterprise?: string;
}

const DRILL_DUE_MS = 183 * 24 * 3_600_000;
const ACK_SLOW_S = 300;

export function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Share of [start, end) the node was online, from its offline troubles (raised / cleared). */
function onlineShare(node: string, offline: readonly DecidedEvent[], start: number, end: number): number {
  if (end <= start) return 1;
  let down = false;
  let since = start;
  let offMs = 0;
  for (const e of offline) {
    if (e.node !== node) continue;
    const at = Math.min(Math.max(e.at, start), end);
    const raised = e.kind === 'trouble';
    if (down && !raised) offMs += at - since;
    if (raised && !down) since = at;
    down = raised;
  }
  if (down) offMs += end - since;
  return 1 - offMs / (end - start);
}

function riskOf(f: Omit<EnterpriseFigures, 'risk'>, to: number): EnterpriseFigures['risk'] {
  const reasons: string[] = [];
  let points = 0;
  const add = (n: number, why: string) => {
    points += n;
    reasons.push(why);
  };
  if (f.hazards.overdue > 0) add(2, 'overdue_hazard');
  if (f.availability !== null && f.availability < 0.95) add(2, 'availability_below_95');
  else if (f.availability !== null && f.availability < 0.99) add(1, 'availability_below_99');
  if (f.alarms.false >= 3) add(1, 'false_alarms_3_or_more');
  if (f.ack.unacknowledged > 0 || (f.ack.worstS ?? 0) > ACK_SLOW_S) add(1, 'slow_or_missing_acknowledgement');
  if (f.lastDrillAt === null || to - f.lastDrillAt > DRILL_DUE_MS) add(1, 'no_drill_in_6_months');
  if (f.alarms.real > 0) reasons.unshift('real_alarm');
  const tier: RiskTier = f.alarms.real > 0 || points >= 4 ? 'high' : points >= 2 ? 'medium' : 'low';
  return { tier, points, reasons };
}

function enterpriseFigures(name: string, input: MonthlyInput, responses: AlarmResponse[]): EnterpriseFigures {
  const { from, to, now } = input;
  const end = Math.min(to, now);
  const mine = responses.filter((a) => a.enterprise === name && a.alarmAt >= from && a.alarmAt < to);
  const inMonth = input.events.filter((e) => e.placement?.enterprise === name && e.at >= from && e.at < to);
  const count = (c: AlarmResponse['count']) => mine.filter((a) => a.count === c).length;
  const buttonTests = inMonth.filter((e) => e.kind === 'test' && !e.drill).length;
  const answered = mine.filter((a) => a.count !== 'drill' && a.count !== 'test');
  const ackS = answered.flatMap((a) => (a.ackS === undefined ? [] : [a.ackS]));
  const nodes: NodeFigures[] = input.nodes
    .filter((n) => n.enterprise === name)
    .map((n) => {
      const own = mine.filter((a) => a.node === n.id && a.count !== 'drill');
      const falseAlarms = own.filter((a) => a.count === 'false').length;
      return {
        node: n.id,
        zone: n.zone,
        location: n.location,
        alarms: own.length,
        falseAlarms,
        falseRate: own.length === 0 ? null : falseAlarms / own.length,
        online: onlineShare(n.id, input.offline, Math.max(from, n.installedAt), end),
      };
    });
  const hazards = input.hazards.filter((h) => h.enterprise === name);
  const within = (t: number | null) => t !== null && t >= from && t < to;
  const drills = input.drills.filter((d) => d.enterprise === name);
  const held = drills.filter((d) => d.startedAt >= from && d.startedAt < to);
  const past = drills.filter((d) => d.startedAt < to).map((d) => d.startedAt);
  const figures: Omit<EnterpriseFigures, 'risk'> = {
    enterprise: name,
    alarms: { real: count('real'), false: count('false'), test: count('test') + buttonTests, drill: count('drill') },
    ack: {
      acknowledged: ackS.length,
      unacknowledged: answered.length - ackS.length,
      medianS: median(ackS),
      worstS: ackS.length ? Math.max(...ackS) : null,
    },
    nodes,
    availability: nodes.length ? nodes.reduce((s, n) => s + n.online, 0) / nodes.length : null,
    troubles: {
      opened: inMonth.filter((e) => e.kind === 'trouble').length,
      closed: inMonth.filter((e) => e.kind === 'trouble_clear').length,
    },
    hazards: {
      opened: hazards.filter((h) => within(h.openedAt)).length,
      closed: hazards.filter((h) => within(h.closedAt)).length,
      overdue: hazards.filter((h) => within(h.overdueAt)).length,
      open: hazards.filter((h) => h.openedAt < to && (h.closedAt === null || h.closedAt >= to)).length,
    },
    maintenance: hazards.filter((h) => within(h.closedAt) && h.note.trim() !== '').length,
    drills: held.map((d) => {
      const s = input.drillScores.get(d.id);
      return {
        id: d.id,
        zone: d.zone,
        scenario: d.scenario,
        startedAt: d.startedAt,
        score: s?.total ?? 0,
        grade: s?.grade ?? 'fail',
      };
    }),
    lastDrillAt: past.length ? Math.max(...past) : null,
  };
  return { ...figures, risk: riskOf(figures, to) };
}

export function buildMonthlyReport(input: MonthlyInput): MonthlyReport {
  const responses = alarmResponses(input.events, Math.min(input.to, input.now), input.timers);
  const names = new Set<string>(input.nodes.map((n) => n.enterprise));
  for (const e of input.events) if (e.placement) names.add(e.placement.enterprise);
  const enterprises = [...names]
    .filter((n) => n !== '' && (input.enterprise === undefined || n === input.enterprise))
    .sort((a, b) => a.localeCompare(b, 'zh-CN'))
    .map((n) => enterpriseFigures(n, input, responses));
  return {
    kind: 'parkwatch.monthly-report',
    version: 1,
    gw: input.gw,
    park: input.park,
    month: input.month,
    from: input.from,
    to: input.to,
    generatedAt: input.now,
    enterprises,
  };
}
