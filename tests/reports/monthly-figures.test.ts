import { describe, expect, it } from 'vitest';
import type { Drill } from '../../gateway/drills/drill-book.ts';
import { alarmResponses, DEFAULT_ESCALATION } from '../../gateway/reports/alarm-responses.ts';
import { buildMonthlyReport, type MonthlyInput } from '../../gateway/reports/monthly-report.ts';
import type { DecidedEvent } from '../../gateway/wire/events.ts';

/** The monthly figures and the risk rule on hand-made events (the end-to-end run is drill-run.test.ts). */
const FROM = Date.parse('2026-11-01T00:00:00+08:00');
const TO = Date.parse('2026-12-01T00:00:00+08:00');
const MIN = 60_000;
let seq = 0;

function ev(kind: DecidedEvent['kind'], node: string, at: number, extra: Partial<DecidedEvent> = {}): DecidedEvent {
  seq++;
  return {
    id: `gw1:${seq}`,
    seq,
    gw: 'gw1',
    park: 'p1',
    kind,
    priority: kind === 'alarm' ? 'fire' : 'info',
    at,
    receivedAt: at,
    node,
    ch: 'smoke',
    placement: { enterprise: node.startsWith('a') ? 'A厂' : 'B厂', site: 's', zone: 'z', location: 'l' },
    data: {},
    ...extra,
  };
}

/** An alarm with ref = its id, then what follows it, each `[kind, minutes after, by?]`. */
function alarm(
  node: string,
  at: number,
  after: [DecidedEvent['kind'], number, string?][],
  drill?: DecidedEvent['drill'],
) {
  const a = ev('alarm', node, at, drill ? { drill } : {});
  a.alarm = { state: 'active', since: at, ref: a.id };
  return [
    a,
    ...after.map(([kind, m, by]) =>
      ev(kind, node, at + m * MIN, {
        alarm: { state: kind === 'clear' ? 'cleared' : 'acknowledged', since: at, ref: a.id },
        data: by ? { by, ref: a.id } : {},
        ...(drill ? { drill } : {}),
      }),
    ),
  ];
}

function input(events: DecidedEvent[], extra: Partial<MonthlyInput> = {}): MonthlyInput {
  return {
    gw: 'gw1',
    park: 'p1',
    month: '2026-11',
    from: FROM,
    to: TO,
    now: TO + 1,
    events,
    offline: [],
    nodes: [
      { id: 'a1', enterprise: 'A厂', site: 's', zone: 'z', location: 'l', installedAt: 0 },
      { id: 'b1', enterprise: 'B厂', site: 's', zone: 'z', location: 'l', installedAt: 0 },
    ],
    hazards: [],
    drills: [],
    drillScores: new Map(),
    timers: DEFAULT_ESCALATION,
    ...extra,
  };
}

describe('alarm responses', () => {
  it('tells real, false (self-cleared before anyone acknowledged, or a false cause), test and drill apart', () => {
    const t = FROM + 1000 * MIN;
    const events = [
      ...alarm('a1', t, [
        ['acknowledge', 2, '王工'],
        ['clear', 30],
      ]),
      ...alarm('a1', t + 100 * MIN, [['clear', 1]]),
      ...alarm('a1', t + 200 * MIN, [['acknowledge', 1, '王工']], { id: 3, scenario: 'fire' }),
      ...alarm('a1', t + 300 * MIN, [['acknowledge', 12, '李四']]),
    ];
    const noted = events[events.length - 2];
    events.push(ev('note', 'a1', t + 320 * MIN, { data: { cause: 'welding', alarmRef: noted.alarm?.ref } }));
    const r = alarmResponses(events, TO);
    expect(r.map((a) => [a.count, a.ackS, a.escalation.length])).toEqual([
      ['real', 120, 1],
      ['false', undefined, 1],
      ['drill', 60, 1],
      ['false', 720, 3],
    ]);
  });
});

describe('monthly figures and risk tier', () => {
  it('rates an enterprise with a real alarm high, and a quiet one with a recent drill low', () => {
    const t = FROM + 2000 * MIN;
    const drill: Drill = {
      id: 1,
      enterprise: 'B厂',
      zone: '',
      scenario: 'fire',
      startedAt: t,
      startedBy: 'x',
      stoppedAt: t + 10 * MIN,
      stoppedBy: 'x',
    };
    const events = [
      ...alarm('a1', t, [
        ['acknowledge', 1, 'op'],
        ['clear', 20],
      ]),
      ...alarm('a1', t + 60 * MIN, [
        ['acknowledge', 3, 'op'],
        ['clear', 20],
      ]),
      ...alarm(
        'b1',
        t,
        [
          ['acknowledge', 1, 'op'],
          ['clear', 5],
        ],
        { id: 1, scenario: 'fire' },
      ),
    ];
    const r = buildMonthlyReport(
      input(events, { drills: [drill], drillScores: new Map([[1, { total: 100, grade: 'excellent' }]]) }),
    );
    const [a, b] = r.enterprises;
    expect(a.alarms).toEqual({ real: 2, false: 0, test: 0, drill: 0 });
    expect(a.ack).toEqual({ acknowledged: 2, unacknowledged: 0, medianS: 120, worstS: 180 });
    expect(a.risk.tier).toBe('high');
    expect(a.risk.reasons[0]).toBe('real_alarm');
    expect(b.alarms).toEqual({ real: 0, false: 0, test: 0, drill: 1 });
    expect(b.drills).toEqual([expect.objectContaining({ id: 1, score: 100 })]);
    expect(b.risk).toEqual({ tier: 'low', points: 0, reasons: [] });
  });

  it('computes availability from offline troubles, the state at the month start included, and tiers on it', () => {
    const day = 24 * 60 * MIN;
    const offline = [
      // offline since before the month: down for its first 2 days
      ev('trouble', 'b1', FROM - day, { trouble: 'offline' }),
      ev('trouble_clear', 'b1', FROM + 2 * day, { trouble: 'offline' }),
    ];
    const r = buildMonthlyReport(input([], { offline }));
    const b = r.enterprises[1];
    expect(b.nodes[0].online).toBeCloseTo(28 / 30, 6);
    // under 95 % (2) and no drill in 6 months (1): medium
    expect(b.risk).toEqual({ tier: 'medium', points: 3, reasons: ['availability_below_95', 'no_drill_in_6_months'] });
    expect(r.enterprises[0].nodes[0].online).toBe(1);
  });
});
