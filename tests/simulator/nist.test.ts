import { describe, expect, it } from 'vitest';
import {
  classifyColumn,
  loadActivationTimes,
  loadNistColumn,
  loadNistDir,
  smokeIndex,
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

  it('computes the smoke index for rising and falling chambers and smoke meters', () => {
    expect(smokeIndex('photo', 200, 200)).toBe(0);
    expect(smokeIndex('photo', 300, 200)).toBeCloseTo(0.5);
    expect(smokeIndex('ion', 4000, 4000)).toBe(0);
    // ionisation chamber at half its clean-air current: y = 2 - 0.5 = 1.5
    expect(smokeIndex('ion', 2000, 4000)).toBeCloseTo(1.5);
    // 0.05 1/m optical density = 0.5 dB/m
    expect(smokeIndex('smoke-meter', 0.05, 0)).toBeCloseTo(0.5);
  });

  it('calibrates a chamber against the smoke meter of its own station', () => {
    const col = loadNistColumn(DIR, 'SDC02', 'Pho1B');
    expect(col.meter).toBe('SMB_1');
    expect(col.dbmPerIndex).toBeGreaterThan(0);
    // where the calibration range holds, the chamber and the meter read the same order of smoke
    const smoke = channelOf(col.trace, 'smoke');
    const meter = channelOf(loadNistColumn(DIR, 'SDC02', 'SMB_1').trace, 'smoke');
    const t = 120;
    expect(valueAt(smoke, t) / valueAt(meter, t)).toBeGreaterThan(0.3);
    expect(valueAt(smoke, t) / valueAt(meter, t)).toBeLessThan(3);
  });

  it('gives every column a raw and a smoke channel in dB/m, near zero in clean air and rising during the fire', () => {
    const col = loadNistColumn(DIR, 'SDC02', 'Ion3A');
    const smoke = channelOf(col.trace, 'smoke');
    expect(Math.abs(valueAt(smoke, 0))).toBeLessThan(0.02);
    expect(valueAt(smoke, 190)).toBeGreaterThan(0.5);
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
