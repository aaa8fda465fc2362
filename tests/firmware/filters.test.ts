import { describe, expect, it } from 'vitest';
import { analogOf, runAnalog, smokeConfig } from './support/channel-run.ts';

/**
 * The analog channel's filter steps (median, smoothing, baseline), seen through its reading and
 * baseline: one sample a second, values in units over the factory zero. Thresholds far away, so
 * the channel stays normal unless a test says otherwise.
 */
const QUIET = { pre: 900_000, alarm: 1_000_000, hyst: 10, everyMs: 1000 };

/** The channel's readings, one per sample, for `values` fed one a second from t = 0. */
function readings(over: Parameters<typeof smokeConfig>[0], values: number[]): number[] {
  const cfg = smokeConfig({ ...QUIET, ...over });
  const out: number[] = [];
  const run = runAnalog(cfg, (t) => analogOf(values[Math.min(Math.floor(t / 1000), values.length - 1)], cfg), 0);
  out.push(run.channel.reading());
  for (let i = 1; i < values.length; i++) {
    run.clock.runUntil(i * 1000);
    out.push(run.channel.reading());
  }
  return out;
}

describe('median (smoothing weight 1 passes it through)', () => {
  it('drops a single-sample spike and follows a step after two samples', () => {
    expect(readings({ median: 3, smooth: 1 }, [10, 10, 500, 10, 10, 50, 50, 50])).toEqual([
      10, 10, 10, 10, 10, 10, 50, 50,
    ]);
  });

  it('window 1 passes values through; the first sample fills the window', () => {
    expect(readings({ median: 1, smooth: 1 }, [3, 9, 1])).toEqual([3, 9, 1]);
    expect(readings({ median: 5, smooth: 1 }, [7, 100])).toEqual([7, 7]);
  });
});

describe('smoothing (median window 1 passes it through)', () => {
  it('starts at the first value and moves by its weight', () => {
    expect(readings({ median: 1, smooth: 0.5 }, [10, 20, 20, 20])).toEqual([10, 15, 18, 19]);
  });

  it('smooths the median, not the raw samples: a spike never reaches the smoothing', () => {
    expect(readings({ median: 3, smooth: 0.5 }, [10, 10, 500, 10, 10, 50, 50])).toEqual([10, 10, 10, 10, 10, 10, 30]);
  });

  it('starts again from the first good sample after a sensor fault', () => {
    const cfg = smokeConfig({ ...QUIET, median: 1, smooth: 0.1, faultS: 1 });
    // 100 units, then the sensor reads open (below lo) for 5 s, then 4 units
    const run = runAnalog(cfg, (t) => (t < 3000 ? analogOf(100, cfg) : t < 8000 ? 0.001 : analogOf(4, cfg)), 9000);
    expect(run.events.map((e) => [e.kind, e.d.code])).toEqual([
      ['trouble', 'sensor_open'],
      ['trouble_clear', 'sensor_open'],
    ]);
    expect(run.channel.reading()).toBe(4);
  });
});

describe('baseline', () => {
  it('follows a slow drift at no more than its rate, and not while the reading is far off', () => {
    const cfg = smokeConfig({ ...QUIET, median: 1, smooth: 1, quiet: 20, driftPerH: 2, comp: 120 });
    // 10 units over for an hour: the baseline moves 2 (its rate), not 10; then 100 over (smoke-like): it stays
    const run = runAnalog(cfg, (t) => analogOf(t <= 3_600_000 ? 10 : 102, cfg), 3_600_000);
    expect(run.channel.baseline()).toBe(2);
    run.clock.runUntil(7_200_000);
    expect(run.channel.baseline()).toBe(2);
  });

  it('does not track while the channel is not normal (a pre-alarm is not clean air)', () => {
    const cfg = smokeConfig({
      median: 1,
      smooth: 1,
      quiet: 20,
      driftPerH: 2,
      comp: 120,
      pre: 5,
      alarm: 900,
      hyst: 2,
      verifyS: 0,
    });
    const run = runAnalog(cfg, () => analogOf(10, cfg), 3_600_000);
    expect(run.events.map((e) => e.kind)).toEqual(['prealarm']);
    expect(run.channel.baseline()).toBe(0);
  });

  it('stops at its compensation limit and says so (dirty)', () => {
    const cfg = smokeConfig({ ...QUIET, median: 1, smooth: 1, quiet: 20, driftPerH: 100, comp: 120 });
    // a reading that creeps up 0.5 units a minute for 10 hours
    const run = runAnalog(cfg, (t) => analogOf(Math.floor(t / 60_000) * 0.5, cfg), 10 * 3_600_000);
    expect(run.channel.baseline()).toBe(120);
    expect(run.events.map((e) => [e.kind, e.d.code])).toEqual([['trouble', 'dirty']]);
  });

  it('starts at the factory zero, not at the first reading (a node switched on in smoke)', () => {
    const cfg = smokeConfig({ ...QUIET, median: 1, smooth: 1, quiet: 20, driftPerH: 2, comp: 120 });
    const run = runAnalog(cfg, () => analogOf(500, cfg), 2000);
    expect(run.channel.baseline()).toBe(0);
  });
});
