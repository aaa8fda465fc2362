import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadNistSeries, type StationMeter } from '../../simulator/traces/nist.ts';
import { chamberReading } from '../../simulator/traces/sensor-model.ts';
import { valueAt } from '../../simulator/traces/trace.ts';
import { runAnalog, smokeConfig } from './support/channel-run.ts';

const DIR = join(import.meta.dirname, '..', '..', 'simulator', 'data', 'nist-smoke-alarms');
const { tests } = loadNistSeries(DIR);

/**
 * Real fires: the obscuration at each station's smoke meter in the NIST home smoke alarm tests
 * (Bukowski et al.), through the simulator's fixed chamber model (entry lag, noise), fed to a smoke
 * channel with the firmware defaults through the node's own calibration, sampled every second.
 */
function detect(meter: StationMeter, endS: number) {
  const cfg = smokeConfig();
  const reading = chamberReading(meter.obscuration);
  const { events } = runAnalog(cfg, (t) => cfg.zero + (valueAt(reading, t / 1000) * 1000) / cfg.gain, endS * 1000);
  const alarm = events.find((e) => e.kind === 'alarm');
  return { alarmS: alarm ? alarm.t / 1000 : null, events };
}

const peak = (m: StationMeter, from: number, to: number) =>
  Math.max(
    ...m.obscuration.v.filter((_, i) => (m.obscuration.t[i] as number) >= from && (m.obscuration.t[i] as number) < to),
  );

describe('NIST fires at the smoke meters (firmware smoke defaults)', () => {
  it('uses every test of the series', () => {
    expect(tests.map((t) => t.test)).toHaveLength(8);
  });

  for (const t of tests) {
    const ignitionS = t.fire?.ignitionS ?? 0;
    it(`${t.test}: every station whose smoke reaches 1 dB/m alarms, none before ignition unless its meter already read smoke`, () => {
      for (const meter of t.meters.values()) {
        const r = detect(meter, t.endS);
        const label = `${t.test} ${meter.column}`;
        if (peak(meter, ignitionS, t.endS) >= 1) expect(r.alarmS, label).not.toBeNull();
        // a saturated chamber must not be read as a shorted cable
        expect(
          r.events.filter((e) => e.kind === 'trouble' && e.d.code === 'sensor_short'),
          label,
        ).toEqual([]);
        if (r.alarmS !== null && r.alarmS < ignitionS)
          expect(peak(meter, 0, ignitionS) * 1000, `${label} alarmed before ignition`).toBeGreaterThan(
            smokeConfig().alarm,
          );
      }
    });
  }
});
