import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadNistDir, type NistColumn } from '../../simulator/traces/nist.ts';
import { channelOf, valueAt } from '../../simulator/traces/trace.ts';
import { runAnalog, smokeConfig } from './support/channel-run.ts';

const DIR = join(import.meta.dirname, '..', '..', 'simulator', 'data', 'nist-smoke-alarms');
const tests = loadNistDir(DIR);

/**
 * Real fires: each photoelectric chamber of the NIST home smoke alarm tests (Bukowski et al.),
 * mapped by the simulator's importer to dB/m, fed to a smoke channel with the firmware defaults
 * through the node's own calibration (analog = zero + mdB/m / gain), sampled every second.
 */
function detect(col: NistColumn) {
  const cfg = smokeConfig();
  const smoke = channelOf(col.trace, 'smoke');
  const end = smoke.t[smoke.t.length - 1] * 1000;
  const { events } = runAnalog(cfg, (t) => cfg.zero + (valueAt(smoke, t / 1000) * 1000) / cfg.gain, end);
  const alarm = events.find((e) => e.kind === 'alarm');
  return { alarmS: alarm ? alarm.t / 1000 : null, events };
}

/**
 * A chamber whose clean-air reading before ignition already swings by more than the alarm
 * threshold would fail the stability tests of EN 54-7 / UL 217: for those only "no alarm before
 * ignition" is asserted; for the others, no event of any kind.
 */
function stableBeforeIgnition(col: NistColumn): boolean {
  const smoke = channelOf(col.trace, 'smoke');
  const before = smoke.v.filter((_, i) => smoke.t[i] < col.ignitionS);
  return Math.max(...before) - Math.min(...before) < smokeConfig().alarm / 1000;
}

describe('NIST flaming fires (photoelectric chambers)', () => {
  const photo = tests.flatMap((t) => t.columns.filter((c) => c.kind === 'photo' && c.usable));

  it('uses every test and its chambers', () => {
    expect(new Set(photo.map((c) => c.test)).size).toBe(tests.length);
    expect(photo.length).toBeGreaterThanOrEqual(20);
  });

  for (const t of tests) {
    it(`${t.test}: every chamber detects the fire, none alarms before ignition (${t.ignitionS} s)`, () => {
      for (const col of photo.filter((c) => c.test === t.test)) {
        const r = detect(col);
        const label = `${t.test} ${col.column}`;
        expect(r.alarmS, label).not.toBeNull();
        expect(r.alarmS, label).toBeGreaterThan(t.ignitionS);
        // a trouble after the alarm would be a saturated chamber read as a short: it must not happen
        expect(
          r.events.filter((e) => e.kind === 'trouble' && e.d.code === 'sensor_short'),
          label,
        ).toEqual([]);
        if (!stableBeforeIgnition(col)) continue;
        for (const e of r.events) expect(e.t / 1000, `${label} ${e.kind}`).toBeGreaterThan(t.ignitionS);
      }
    });
  }
});
