import { gaussian, seededRandom } from './generators.ts';
import { type TraceChannel, valueAt } from './trace.ts';

/**
 * What the node's photoelectric chamber reads when the air outside it carries a given
 * obscuration (dB/m): the same fixed model for every recording, nothing fitted to any of them.
 *
 *   - Entry lag: smoke reaches the sensing volume through the housing with a first-order lag,
 *     time constant tau = L / u (Heskestad's characteristic length; Cleary et al., "Particulate
 *     entry lag in spot-type smoke detectors", NIST 1998). Bjorkman et al. (Fire Safety Journal
 *     37, 2002) measured L = 2..10 m on six point detectors; ENTRY_L_M takes the open end of that
 *     range, u is a flaming-fire ceiling jet. `sim eval` prints the result at the other end too.
 *   - Noise: white, NOISE_DBM (one sigma) on every sample, from a fixed seed (mulberry32), so a
 *     run is repeatable and no recording gets its own noise.
 *   - Quantisation: the board's 12-bit ADC (simulator/board/pins.ts) at the node's own calibration
 *     (firmware defaults: zero 0.1, gain 3000 mdB/m per full scale, about 0.73 mdB/m a step).
 */
export const ENTRY_L_M = 2;
export const CEILING_JET_M_S = 0.5;
export const NOISE_DBM = 0.005;
export const SENSOR_SEED = 20_000_217;
/** the model's output step, s: the node samples every second */
const STEP_S = 1;

export interface SensorModel {
  tauS: number;
  noiseDbm: number;
  seed: number;
}

export const DEFAULT_SENSOR: SensorModel = {
  tauS: ENTRY_L_M / CEILING_JET_M_S,
  noiseDbm: NOISE_DBM,
  seed: SENSOR_SEED,
};

/** The chamber's reading (dB/m) every STEP_S over the span of `outside`, starting in clean air. */
export function chamberReading(outside: TraceChannel, model: SensorModel = DEFAULT_SENSOR): TraceChannel {
  const rand = seededRandom(model.seed);
  const start = outside.t[0] as number;
  const end = outside.t[outside.t.length - 1] as number;
  const t: number[] = [];
  const v: number[] = [];
  // first-order lag over one step, driven by the mean of the outside over that step (trapezoid)
  const k = model.tauS > 0 ? 1 - Math.exp(-STEP_S / model.tauS) : 1;
  let inside = 0;
  for (let s = start; s <= end + 1e-9; s += STEP_S) {
    const u = s === start ? valueAt(outside, s) : (valueAt(outside, s - STEP_S) + valueAt(outside, s)) / 2;
    inside += k * (u - inside);
    t.push(s);
    v.push(inside + model.noiseDbm * gaussian(rand));
  }
  return { name: 'smoke', unit: 'dB/m', t, v };
}
