import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  alarmOf,
  loadActivationTimes,
  loadNistSeries,
  loadNistTest,
  nistFile,
  nistStationTrace,
} from '../../simulator/traces/nist.ts';
import { channelOf, valueAt } from '../../simulator/traces/trace.ts';

const DIR = 'simulator/data/nist-smoke-alarms';

/** A copy of the shipped folder with one test file rewritten by `edit` (lines of the CSV). */
function editedCopy(test: string, edit: (lines: string[]) => string[]): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'pw-nist-')), 'nist-smoke-alarms');
  cpSync(DIR, dir, { recursive: true });
  const file = nistFile(dir, test);
  writeFileSync(file, edit(readFileSync(file, 'utf8').trimEnd().split('\n')).join('\n'));
  return dir;
}

/** Sets every cell of the named columns to `value` (a dead channel, a cold thermocouple). */
function setColumns(lines: string[], names: string[], value: (row: number) => string): string[] {
  const header = (lines[0] as string).split(',');
  const cols = names.map((n) => header.indexOf(n));
  return lines.map((line, i) => {
    if (i === 0) return line;
    const cells = line.split(',');
    for (const c of cols) cells[c] = value(i);
    return cells.join(',');
  });
}

describe('NIST smoke alarm importer', () => {
  it('reads ground-truth activation times of the whole series', () => {
    const times = loadActivationTimes(DIR);
    expect(times.get('SDC02-Pho1A')).toBe(154);
    expect(times.get('SDC10-Pho2E')).toBe(108);
    expect(times.get('SDC39-Pho1E')).toBe(120);
  });

  it('names a commercial alarm by type and station', () => {
    expect(alarmOf('Pho2E', 78)).toEqual({ name: 'Pho2E', type: 'photo', station: 'E', activationS: 78 });
    expect(alarmOf('Ion1BE', 70)).toBeNull();
  });

  it('finds ignition from whichever fire thermocouple rises: TCFIRE in SDC02, TCFIRB (bedroom) in SDC38', () => {
    const sdc02 = loadNistTest(DIR, 'SDC02');
    expect(sdc02.fire?.column).toBe('TCFIRE');
    expect(sdc02.fire?.ignitionS).toBeGreaterThanOrEqual(14);
    expect(sdc02.fire?.ignitionS).toBeLessThanOrEqual(18);
    expect(loadNistTest(DIR, 'SDC38').fire).toEqual({ column: 'TCFIRB', ignitionS: 27 });
  });

  it('takes 2 s and 5 s sampling as it comes', () => {
    expect(loadNistTest(DIR, 'SDC02').stepS).toBe(2);
    expect(loadNistTest(DIR, 'SDC05').stepS).toBe(5);
  });

  it('gives each station with alarms its ceiling smoke meter, or says why it has none', () => {
    const sdc10 = loadNistTest(DIR, 'SDC10');
    expect([...sdc10.meters.keys()]).toEqual(['A', 'B', 'C', 'D']);
    // SDC10 has no SMC_1: the lower meter at C stands in
    expect(sdc10.meters.get('C')?.column).toBe('SMC_4');
    expect(sdc10.noMeter.get('E')).toMatch(/no smoke meter at station E/);
    const b = sdc10.meters.get('B');
    expect(b?.obscuration.unit).toBe('dB/m');
  });

  it('reads every file of the series (8 tests) and skips nothing', () => {
    const series = loadNistSeries(DIR);
    expect(series.tests.map((t) => t.test)).toEqual([
      'SDC02',
      'SDC05',
      'SDC07',
      'SDC10',
      'SDC33',
      'SDC35',
      'SDC38',
      'SDC39',
    ]);
    expect(series.skipped).toEqual([]);
  });

  it('with no fire thermocouple rising, says so and leaves ignition unknown', () => {
    const dir = editedCopy('SDC02', (lines) => setColumns(lines, ['TCFIRE'], () => '2.10E+01'));
    const t = loadNistTest(dir, 'SDC02');
    expect(t.fire).toBeNull();
    expect(t.fireNote).toMatch(/TCFIRE: none rises 5 K .*ignition unknown/);
  });

  it('a thermocouple that rises only after the first alarm is a smouldering start: ignition unknown', () => {
    // TCFIRE flat, then rising from row 90 (178 s), long after the first commercial alarm (24 s)
    const dir = editedCopy('SDC02', (lines) =>
      setColumns(lines, ['TCFIRE'], (i) => (i < 90 ? '2.10E+01' : '3.00E+02')),
    );
    const t = loadNistTest(dir, 'SDC02');
    expect(t.fire).toBeNull();
    expect(t.fireNote).toMatch(/rises at 178 s, after the first alarm \(24 s\): a smouldering start/);
  });

  it('drops a truncated row and a column with a bad cell, and passes over a dead meter, saying each', () => {
    const dir = editedCopy('SDC02', (lines) => {
      const out = setColumns(lines, ['SMB_1'], () => '0.00E+00');
      const header = (out[0] as string).split(',');
      const cells = (out[5] as string).split(',');
      cells[header.indexOf('SMC_1')] = 'oops';
      out[5] = cells.join(',');
      return [...out, '2.02E+02,2.79E+01'];
    });
    const t = loadNistTest(dir, 'SDC02');
    expect(t.problems).toEqual([
      expect.stringMatching(/1 row\(s\) without \d+ cells dropped \(first: line 103, 2 cells\)/),
      expect.stringMatching(/SMC_1: line 6 is not a number \("oops"\), column not used/),
    ]);
    expect(t.meters.get('B')?.column).toBe('SMB_4');
    expect(t.meters.get('B')?.note).toBe('SMB_1 dead (constant 0)');
    expect(t.meters.get('C')?.column).toBe('SMC_4');
  });

  it('a file without a TIME column is skipped with its reason, the others are read', () => {
    const dir = editedCopy('SDC05', (lines) => [(lines[0] as string).replace('TIME', 'TIMEX'), ...lines.slice(1)]);
    const series = loadNistSeries(dir);
    expect(series.tests).toHaveLength(7);
    expect(series.skipped).toEqual([
      { file: nistFile(dir, 'SDC05'), reason: expect.stringMatching(/no usable TIME column/) },
    ]);
  });

  it("a scenario's NIST input is the chamber reading at the alarm's station, with ignition and activation marked", () => {
    const trace = nistStationTrace(DIR, 'SDC02', 'Pho1B');
    expect(trace.source).toBe('NIST SDC02 SMB_1');
    const smoke = channelOf(trace, 'smoke');
    const meter = channelOf(trace, 'obscuration');
    expect(Math.abs(valueAt(smoke, 0))).toBeLessThan(0.03);
    // the chamber follows the meter with its entry lag: close once the smoke has settled
    expect(valueAt(smoke, 190) / valueAt(meter, 190)).toBeGreaterThan(0.8);
    expect(trace.marks.map((m) => m.t)).toEqual([16, 134]);
    expect(() => nistStationTrace(DIR, 'SDC10', 'Pho2E')).toThrow(/no smoke meter at station E/);
    expect(() => nistStationTrace(DIR, 'SDC02', 'TCA_1')).toThrow(/SDC02.*TCA_1/);
  });
});
