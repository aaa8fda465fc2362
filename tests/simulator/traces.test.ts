import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateTrace } from '../../simulator/traces/generators.ts';
import { channelOf, valueAt } from '../../simulator/traces/trace.ts';
import { loadTraceFile } from '../../simulator/traces/trace-file.ts';
import { highWaterEpisodes, loadWaterData } from '../../simulator/traces/water.ts';

const tmp = mkdtempSync(join(tmpdir(), 'pw-traces-'));
function file(name: string, text: string): string {
  const path = join(tmp, name);
  writeFileSync(path, text);
  return path;
}

describe('trace files', () => {
  it('reads CSV with units in the header and interpolates between samples', () => {
    const trace = loadTraceFile(file('a.csv', 't,smoke[dB/m],temp\n0,0,20\n10,1,21\n'));
    const smoke = channelOf(trace, 'smoke');
    expect(smoke.unit).toBe('dB/m');
    expect(valueAt(smoke, 5)).toBeCloseTo(0.5);
    expect(valueAt(smoke, 99)).toBe(1);
  });

  it('reads JSON lines', () => {
    const trace = loadTraceFile(file('b.jsonl', '{"t":0,"smoke":0}\n{"t":2,"smoke":0.4}\n'));
    expect(valueAt(channelOf(trace, 'smoke'), 1)).toBeCloseTo(0.2);
  });

  it('names file and line of a bad sample', () => {
    expect(() => loadTraceFile(file('c.csv', 't,smoke\n0,0\n1,abc\n'))).toThrow(/c\.csv:3: column smoke/);
    expect(() => loadTraceFile(file('d.jsonl', '{"t":0,"smoke":0}\n{"t":1,"smoke":"x"}\n'))).toThrow(
      /d\.jsonl:2: smoke/,
    );
    expect(() => loadTraceFile(file('e.csv', 't,smoke\n5,0\n1,0\n'))).toThrow(/backwards/);
    expect(() => loadTraceFile(join(tmp, 'missing.csv'))).toThrow(/missing\.csv: cannot read/);
  });
});

describe('Open-Water-Level importer', () => {
  const water = loadWaterData('simulator/data/open-water-level');

  it('keeps the real faults: 17 year-2000 rows and the short echoes, each marked', () => {
    expect(water.sensors.map((s) => s.device)).toEqual([
      'waterLevel_0000',
      'waterLevel_0001',
      'waterLevel_0002',
      'waterLevel_0003',
    ]);
    expect(water.sensors.reduce((n, s) => n + s.year2000Rows, 0)).toBe(17);
    const s1 = water.sensors[1];
    expect(s1?.echoRows).toBeGreaterThan(0);
    expect(s1?.trace.marks.some((m) => m.label.startsWith('short echo'))).toBe(true);
  });

  it('turns distance into level by mounting height, tracking the NOAA gauge', () => {
    const s3 = water.sensors[3];
    if (!s3) throw new Error('no sensor 3');
    const level = channelOf(s3.trace, 'level');
    const gauge = channelOf(water.gauge, 'level');
    const diffs = level.t.filter((_, i) => i % 50 === 0).map((t) => Math.abs(valueAt(level, t) - valueAt(gauge, t)));
    diffs.sort((a, b) => a - b);
    expect(diffs[Math.floor(diffs.length / 2)]).toBeLessThan(0.2);
  });

  it('keeps every trace in time order after re-timing year-2000 rows', () => {
    for (const s of water.sensors) {
      const t = channelOf(s.trace, 'level').t;
      for (let i = 1; i < t.length; i++) expect(t[i]).toBeGreaterThanOrEqual(t[i - 1] as number);
    }
  });

  it('finds high-water episodes on the gauge', () => {
    const eps = highWaterEpisodes(water.gauge, 1.0);
    expect(eps.length).toBeGreaterThan(0);
    for (const e of eps) expect(e.peak).toBeGreaterThanOrEqual(1.0);
  });
});

describe('generators', () => {
  const spec = {
    seed: 42,
    durationS: 600,
    parts: [
      { type: 'noise' as const, sigma: 0.005 },
      { type: 'flaming' as const, startS: 300, doublingS: 20, max: 2 },
    ],
  };

  it('is deterministic by seed and differs across seeds', () => {
    const a = generateTrace(spec);
    expect(generateTrace(spec)).toEqual(a);
    expect(generateTrace({ ...spec, seed: 43 })).not.toEqual(a);
  });

  it('stays near clean air before the fire and rises after', () => {
    const v = channelOf(generateTrace(spec), 'value');
    expect(Math.abs(valueAt(v, 100))).toBeLessThan(0.03);
    expect(valueAt(v, 500)).toBeGreaterThan(1.5);
  });

  it('freezes a stuck sensor and flags wiring faults', () => {
    const trace = generateTrace({
      seed: 1,
      durationS: 100,
      parts: [
        { type: 'noise', sigma: 0.01 },
        { type: 'stuck', fromS: 50 },
        { type: 'open', fromS: 70, toS: 80 },
      ],
    });
    const v = channelOf(trace, 'value');
    expect(valueAt(v, 60)).toBe(valueAt(v, 99));
    const wiring = channelOf(trace, 'wiring');
    expect([valueAt(wiring, 69), valueAt(wiring, 75), valueAt(wiring, 85)]).toEqual([0, 1, 0]);
  });

  it('makes spikes of the given height and a bouncing leak contact', () => {
    const spikes = channelOf(
      generateTrace({
        seed: 3,
        durationS: 3600,
        parts: [{ type: 'spikes', meanEveryS: 300, height: 0.4, widthS: 20 }],
      }),
      'value',
    );
    expect(Math.max(...spikes.v)).toBeGreaterThan(0.3);
    expect(Math.max(...spikes.v)).toBeLessThanOrEqual(0.8 + 1e-9);
    const leak = channelOf(
      generateTrace({ seed: 1, durationS: 60, parts: [{ type: 'leak', startS: 10, bounces: 3, bounceMs: 200 }] }),
      'contact',
    );
    expect(valueAt(leak, 10.05)).toBe(1);
    expect(valueAt(leak, 10.15)).toBe(0);
    expect(valueAt(leak, 30)).toBe(1);
  });
});
