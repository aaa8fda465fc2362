import { describe, expect, it } from 'vitest';
import {
  classifyColumn,
  loadActivationTimes,
  loadNistColumn,
  loadNistDir,
  smokeIndex,
  smokeIndexToAnalog,
} from '../../simulator/traces/nist.ts';
import { channelOf, valueAt } from '../../simulator/traces/trace.ts';

const DIR = 'simulator/data/nist-smoke-alarms';

describe('NIST smoke alarm importer', () => {
  it('reads ground-truth activation times by test and alarm', () => {
    const times = loadActivationTimes(DIR);
    expect(times.get('SDC02-Pho1A')).toBe(154);
    expect(times.get('SDC10-Pho2E')).toBe(108);
  });

  it('finds ignition from TCFIRE rising (SDC02: between 14 and 18 s, per the data README)', () => {
    const col = loadNistColumn(DIR, 'SDC02', 'Pho1A');
    expect(col.ignitionS).toBeGreaterThanOrEqual(14);
    expect(col.ignitionS).toBeLessThanOrEqual(18);
    expect(col.activationS).toBe(154);
  });

  it('classifies columns by what their output does with smoke', () => {
    expect(classifyColumn('Pho3B')).toBe('photo');
    expect(classifyColumn('Ion3A')).toBe('ion');
    expect(classifyColumn('Ion1BE')).toBe('ion');
    expect(classifyColumn('Ion4C')).toBe('ion-rising');
    expect(classifyColumn('SMA_1')).toBe('smoke-meter');
    expect(classifyColumn('TCA_1')).toBeNull();
    expect(classifyColumn('DiPho2')).toBeNull();
  });

  it('maps clean air to the front-end rest point and smoke upwards, for rising and falling chambers', () => {
    expect(smokeIndexToAnalog(smokeIndex('photo', 200, 200))).toBeCloseTo(0.2);
    expect(smokeIndexToAnalog(smokeIndex('ion', 4000, 4000))).toBeCloseTo(0.2);
    // ionisation chamber at half its clean-air current: y = 2 - 0.5 = 1.5
    expect(smokeIndex('ion', 2000, 4000)).toBeCloseTo(1.5);
    // 0.05 1/m optical density = 0.5 dB/m
    expect(smokeIndex('smoke-meter', 0.05, 0)).toBeCloseTo(0.5);
    expect(smokeIndexToAnalog(100)).toBe(1);
  });

  it('gives every column a raw and an analog channel, analog rising from clean air during the fire', () => {
    const col = loadNistColumn(DIR, 'SDC02', 'Ion3A');
    const analog = channelOf(col.trace, 'analog');
    expect(valueAt(analog, 0)).toBeCloseTo(0.2, 1);
    expect(valueAt(analog, 190)).toBeGreaterThan(0.6);
    expect(col.trace.marks.map((m) => m.t)).toContain(124);
  });

  it('resolves the shared Ion1BE column to the alarm that has an activation time in each test', () => {
    const tests = loadNistDir(DIR);
    const alarms = tests.map((t) => t.columns.find((c) => c.column === 'Ion1BE')?.alarm);
    expect(alarms).toEqual(['Ion1B', 'Ion1E', 'Ion1E', 'Ion1B']);
  });

  it('marks a column with no clean-air level unusable and says why', () => {
    const dead = loadNistColumn(DIR, 'SDC07', 'Pho1D');
    expect(dead.usable).toBe(false);
    expect(dead.reason).toMatch(/clean-air/);
  });

  it('says which file and column when a name is wrong', () => {
    expect(() => loadNistColumn(DIR, 'SDC02', 'Pho9Z')).toThrow(/SDC02.*Pho9Z/);
  });
});
