import { describe, expect, it } from 'vitest';
import { Baseline, ReadingFilter } from '../../firmware/detect/filters.ts';

describe('ReadingFilter: median (smoothing weight 1 passes it through)', () => {
  it('drops a single-sample spike and follows a step after two samples', () => {
    const m = new ReadingFilter(3, 1);
    expect([10, 10, 500, 10, 10].map((v) => m.push(v))).toEqual([10, 10, 10, 10, 10]);
    expect([50, 50, 50].map((v) => m.push(v))).toEqual([10, 50, 50]);
  });

  it('window 1 passes values through; the first sample fills the window', () => {
    const one = new ReadingFilter(1, 1);
    expect([3, 9, 1].map((v) => one.push(v))).toEqual([3, 9, 1]);
    const five = new ReadingFilter(5, 1);
    expect(five.push(7)).toBe(7);
    expect(five.push(100)).toBe(7);
  });
});

describe('ReadingFilter: smoothing (median window 1 passes it through)', () => {
  it('starts at the first value, moves by its weight and starts again after reset', () => {
    const s = new ReadingFilter(1, 0.5);
    expect(s.push(10)).toBe(10);
    expect(s.push(20)).toBe(15);
    expect(s.push(20)).toBe(17.5);
    s.reset();
    expect(s.push(4)).toBe(4);
  });

  it('smooths the median, not the raw samples: a spike never reaches the smoothing', () => {
    const f = new ReadingFilter(3, 0.5);
    expect([10, 10, 500, 10, 10, 50, 50].map((v) => f.push(v))).toEqual([10, 10, 10, 10, 10, 10, 30]);
  });
});

describe('Baseline', () => {
  it('follows a slow drift at no more than its rate, and not while the channel is busy', () => {
    const b = new Baseline(20, 2, 120);
    b.update(0, 0, true);
    // reading 10 units above: after one hour the baseline moved 2 units (the rate), not 10
    for (let t = 1000; t <= 3_600_000; t += 1000) b.update(10, t, true);
    expect(b.value).toBeCloseTo(2, 5);
    // not quiet (reading 100 over): no tracking, so smoke is never learnt as clean air
    for (let t = 3_601_000; t <= 7_200_000; t += 1000) b.update(102, t, true);
    expect(b.value).toBeCloseTo(2, 5);
    for (let t = 7_201_000; t <= 10_800_000; t += 1000) b.update(12, t, false);
    expect(b.value).toBeCloseTo(2, 5);
  });

  it('stops at its compensation limit and says so', () => {
    const b = new Baseline(20, 100, 120);
    b.update(0, 0, true);
    let v = 0;
    for (let t = 60_000; t <= 10 * 3_600_000; t += 60_000) {
      v += 0.5;
      b.update(v, t, true);
    }
    expect(b.value).toBe(120);
    expect(b.atLimit()).toBe(true);
  });

  it('starts at the factory zero, not at the first reading (a node switched on in smoke)', () => {
    const b = new Baseline(20, 2, 120);
    b.update(500, 0, true);
    b.update(500, 1000, true);
    expect(b.value).toBe(0);
  });
});
