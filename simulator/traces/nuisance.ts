import { type GeneratorSpec, generateTrace } from './generators.ts';
import { channelOf, type TraceChannel } from './trace.ts';

/**
 * Generated nuisance sources: obscuration (dB/m) outside the node's chamber while nothing burns.
 * Each says which numbers come from a publication and which are assumed; none is tuned to the
 * detector. `sim eval` runs them through the same sensor model as the fires and counts every
 * alarm as false.
 *
 * Units: 1.5 %/ft obscuration = -10 log10(1 - 0.015) / 0.3048 = 0.215 dB/m.
 * Welding fume: a mass concentration C (g/m3) with a mass extinction coefficient s (m2/g) gives
 * 10 C s / ln 10 dB/m; 5 mg/m3 (the former ACGIH TLV for welding fume) with 8.7 m2/g (flaming
 * smoke, Mulholland and Croarkin, Fire and Materials 24, 2000; an upper bound for metal-oxide
 * fume) gives 0.19 dB/m.
 */
export interface NuisanceSource {
  name: string;
  /** what it stands for and where its numbers come from */
  source: string;
  spec: GeneratorSpec;
}

const UL217_COOKING_DBM = 0.21;

export const NUISANCE_SOURCES: NuisanceSource[] = [
  {
    name: 'cooking-broil',
    source: `UL 217 8th ed. (2015) cooking nuisance test (broiled hamburgers): a listed alarm must stay silent below 1.5 %/ft (0.215 dB/m); here a rise to ${UL217_COOKING_DBM} dB/m over 10 min, held (rise time assumed)`,
    spec: {
      seed: 1,
      durationS: 1200,
      periodS: 1,
      parts: [{ type: 'smoulder', startS: 0, perMinute: UL217_COOKING_DBM / 10, max: UL217_COOKING_DBM }],
    },
  },
  {
    name: 'cooking-bursts',
    source:
      'frying and sauteing 1.5-6 m from the range (Cleary and Chernovsky, NIST, "Smoke alarm performance in kitchen fires and nuisance alarm scenarios"; Lee and Pineda, CPSC pilot study of nuisance alarms from cooking, 2010): 60 s bursts to the UL 217 level, one every 2 min on average (level from UL 217, shape and rate assumed)',
    spec: {
      seed: 2,
      durationS: 1800,
      periodS: 1,
      parts: [{ type: 'spikes', meanEveryS: 120, height: UL217_COOKING_DBM, widthS: 60 }],
    },
  },
  {
    name: 'steam',
    source:
      'shower or kettle steam puffs: 5 s puffs to 0.4 dB/m, one a minute on average (assumed, as in simulator/scenarios/sensor-faults.yaml; no measured series at hand)',
    spec: {
      seed: 3,
      durationS: 1800,
      periodS: 1,
      parts: [{ type: 'spikes', meanEveryS: 60, height: 0.4, widthS: 5 }],
    },
  },
  {
    name: 'dust',
    source: 'dust puffs through the chamber (sweeping, a door): 2 s spikes to 1 dB/m, one every 30 s (assumed)',
    spec: {
      seed: 4,
      durationS: 1800,
      periodS: 1,
      parts: [{ type: 'spikes', meanEveryS: 30, height: 1, widthS: 2 }],
    },
  },
  {
    name: 'welding-bay',
    source:
      'welding fume in a factory bay at 5 mg/m3 (the former ACGIH TLV) with 8.7 m2/g (Mulholland and Croarkin 2000): 0.19 dB/m reached over 30 min, 10 % fluctuation (build-up assumed)',
    spec: {
      seed: 5,
      durationS: 3600,
      periodS: 1,
      parts: [
        { type: 'smoulder', startS: 0, perMinute: 0.19 / 30, max: 0.19 },
        { type: 'noise', sigma: 0.019 },
      ],
    },
  },
];

/** The obscuration outside the chamber for one source, dB/m. */
export function nuisanceObscuration(n: NuisanceSource): TraceChannel {
  return { ...channelOf(generateTrace(n.spec, n.name), 'value'), name: 'obscuration' };
}
