import { describe, expect, it } from 'vitest';
import { checkExpectation } from '../../simulator/scenario/expectations.ts';
import type { Timeline, TimelineEntry } from '../../simulator/scenario/timeline.ts';

function timeline(entries: TimelineEntry[], extra: Partial<Timeline> = {}): Timeline {
  return {
    scenario: 't',
    mode: 'inprocess',
    durationS: 100,
    entries,
    wireEvents: new Map(),
    series: [],
    faults: [],
    notes: [],
    wallMs: 0,
    ...extra,
  };
}
const alarm = (tMs: number, node = 'n1'): TimelineEntry => ({
  tMs,
  atMs: tMs - 500,
  node,
  kind: 'alarm',
  ch: 'smoke',
  source: 'node',
  key: `${node}/1/${tMs}`,
});

describe('expectations', () => {
  it('message: inside the window passes, late fails with when it came', () => {
    const tl = timeline([alarm(25_000)]);
    const e = { expect: 'message', kind: 'alarm', node: 'n1', afterS: 10, withinS: 20 } as const;
    expect(checkExpectation(e, tl).ok).toBe(true);
    expect(checkExpectation({ ...e, withinS: 10 }, tl)).toMatchObject({
      ok: false,
      detail: 'first one at 25.0 s, outside the window',
    });
  });

  it('no_alarm looks at event time and at the given node only', () => {
    const tl = timeline([alarm(25_000, 'n2')]);
    expect(checkExpectation({ expect: 'no_alarm', node: 'n1', fromS: 0, toS: 100 }, tl).ok).toBe(true);
    expect(checkExpectation({ expect: 'no_alarm', fromS: 24.6, toS: 30 }, tl).ok).toBe(true);
    expect(checkExpectation({ expect: 'no_alarm', fromS: 24, toS: 30 }, tl).ok).toBe(false);
  });

  it('offline fails when it comes too late or never', () => {
    const offline: TimelineEntry = {
      tMs: 150_000,
      atMs: 150_000,
      node: 'n1',
      kind: 'trouble',
      ch: '',
      code: 'offline',
      source: 'gateway',
    };
    const e = { expect: 'offline', node: 'n1', afterS: 10, withinS: 100 } as const;
    expect(checkExpectation(e, timeline([offline])).ok).toBe(false);
    expect(checkExpectation(e, timeline([])).detail).toBe('never reported offline');
    expect(checkExpectation({ ...e, withinS: 140 }, timeline([offline])).ok).toBe(true);
  });

  it('all_delivered names what the gateway never accepted', () => {
    const wire = new Map([
      ['n1/1/5', 'alarm'],
      ['n1/1/6', 'clear'],
    ]);
    const r = checkExpectation({ expect: 'all_delivered' }, timeline([alarm(5)], { wireEvents: wire }));
    expect(r).toMatchObject({ ok: false, detail: '1 of 2 never accepted: n1/1/6 clear' });
  });

  it('cloud_exactly_once fails on a decided event missing in the cloud, allows a repeated id', () => {
    const decided = new Set(['gw1:1', 'gw1:2']);
    const both = new Map([
      ['gw1:1', 2],
      ['gw1:2', 1],
    ]);
    const e = { expect: 'cloud_exactly_once' } as const;
    expect(checkExpectation(e, timeline([], { decided, cloud: both })).ok).toBe(true);
    const r = checkExpectation(e, timeline([], { decided, cloud: new Map([['gw1:1', 1]]) }));
    expect(r.ok).toBe(false);
    expect(r.detail).toMatch(/1 missing in the cloud \(gw1:2\)/);
  });
});
