import { describe, expect, it } from 'vitest';
import { chamberReading, DEFAULT_SENSOR } from '../../simulator/traces/sensor-model.ts';
import { valueAt } from '../../simulator/traces/trace.ts';

const step = { name: 'obscuration', unit: 'dB/m', t: [0, 10, 10, 200], v: [0, 0, 1, 1] };

describe('chamber sensor model', () => {
  it('lags a step outside by its entry time constant (63 % after tau)', () => {
    const quiet = chamberReading(step, { ...DEFAULT_SENSOR, noiseDbm: 0 });
    const tau = DEFAULT_SENSOR.tauS;
    expect(valueAt(quiet, 10 + tau)).toBeGreaterThan(0.6);
    expect(valueAt(quiet, 10 + tau)).toBeLessThan(0.7);
    expect(valueAt(quiet, 10 + 5 * tau)).toBeGreaterThan(0.99);
    // one sample a second: the node's sampling period
    expect(quiet.t.slice(0, 3)).toEqual([0, 1, 2]);
  });

  it('adds the same seeded noise on every run, of the documented size', () => {
    const clean = { name: 'obscuration', unit: 'dB/m', t: [0, 2000], v: [0, 0] };
    const a = chamberReading(clean);
    expect(chamberReading(clean).v).toEqual(a.v);
    const sd = Math.sqrt(a.v.reduce((s, x) => s + x * x, 0) / a.v.length);
    expect(sd).toBeGreaterThan(DEFAULT_SENSOR.noiseDbm * 0.9);
    expect(sd).toBeLessThan(DEFAULT_SENSOR.noiseDbm * 1.1);
  });
});
