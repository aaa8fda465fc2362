import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PinBank, type Step, stepFeed } from '../../simulator/board/pins.ts';
import { VirtualClock } from '../../simulator/virtual-clock.ts';

/**
 * setWatch on the simulated board behaves as Espruino 2v29's (jsinteractive.c): each edge pushes
 * the watch's timeout to `debounce` ms after it; when it runs out, the callback fires only if the
 * level differs from the one reported last, with `time` = that last edge. So a storm of edges
 * always ends with the settled level reported, whatever the edge times.
 */
function watchSteps(steps: Step[], debounceMs: number) {
  const clock = new VirtualClock(0);
  const feed = stepFeed(steps);
  const bank = new PinBank(
    { analog: {}, digital: { D4: feed } },
    () => clock.now(),
    (fn, ms) => clock.setTimeout(fn, ms),
  );
  const reports: { at: number; state: number; time: number }[] = [];
  bank.setWatch({
    pin: 'D4',
    edge: 'both',
    debounceMs,
    repeat: true,
    fn: (e) => reports.push({ at: clock.now(), state: e.state ? 1 : 0, time: e.time }),
  });
  for (const t of feed.edgesMs) clock.setTimeout(() => bank.edge('D4'), t);
  const end = (steps.at(-1)?.tMs ?? 0) + debounceMs + 1;
  clock.runUntil(end);
  return { reports, feed, end };
}

const stepsArb = fc
  .array(fc.record({ gap: fc.integer({ min: 1, max: 400 }), level: fc.integer({ min: 0, max: 1 }) }), {
    minLength: 1,
    maxLength: 60,
  })
  .chain((raw) =>
    fc.integer({ min: 0, max: 1_000_000 }).map((start) => {
      const steps: Step[] = [{ tMs: 0, level: 1 }];
      let t = start;
      for (const r of raw) {
        t += r.gap;
        steps.push({ tMs: t, level: r.level });
      }
      return steps;
    }),
  );

describe('simulated setWatch with debounce (Espruino semantics)', () => {
  it('reports the settled level last, never the same level twice, each after a quiet debounce', () => {
    fc.assert(
      fc.property(stepsArb, fc.integer({ min: 1, max: 100 }), (steps, debounceMs) => {
        const { reports, feed, end } = watchSteps(steps, debounceMs);
        const settled = feed.level(end);
        expect(reports.at(-1)?.state ?? 1).toBe(settled);
        let last = 1;
        for (const r of reports) {
          expect(r.state).not.toBe(last);
          last = r.state;
          // the edge it reports is debounceMs before, and the level held since
          expect(r.at - r.time * 1000).toBeCloseTo(debounceMs, 6);
          const edgeMs = Math.round(r.time * 1000);
          expect(feed.level(edgeMs)).toBe(r.state);
          const between = feed.edgesMs.filter((t) => t > edgeMs && t < r.at);
          expect(between.map((t) => feed.level(t)).filter((l) => l !== r.state)).toEqual([]);
        }
      }),
      { numRuns: 300, seed: 16 },
    );
  });

  it('reads the new level at every edge of a step feed', () => {
    fc.assert(
      fc.property(stepsArb, (steps) => {
        const feed = stepFeed(steps);
        for (const s of steps.slice(1)) {
          const later = steps.filter((x) => x.tMs === s.tMs).at(-1);
          expect(feed.level(s.tMs)).toBe(later?.level);
        }
      }),
      { numRuns: 200, seed: 16 },
    );
  });
});
