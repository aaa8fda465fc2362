import { z } from 'zod';
import type { Trace, TraceChannel } from './trace.ts';

/**
 * Seeded, deterministic synthetic signals. A generated analog trace is a sum of parts in the
 * channel's unit (smoke: dB/m) plus optional wiring faults; the same seed gives the same
 * samples on every machine (mulberry32, no Math.random).
 *
 * Channels produced:
 *   - "value":  the physical signal (for smoke, obscuration in dB/m)
 *   - "wiring": 0 ok, 1 open circuit, 2 short circuit (step): the VirtualBoard then feeds the ADC
 *               0 or 1 regardless of the physical signal, as a cut or shorted cable does
 *   - "contact": 0/1 (step), for the leak part
 */
const At = z.number().min(0);
export const GeneratorPartSchema = z.discriminatedUnion('type', [
  /** clean air: white noise of the sensing element and its amplifier */
  z.object({ type: z.literal('noise'), sigma: z.number().min(0) }),
  /** slow drift: a chamber gathering dust, ageing LED; linear per hour */
  z.object({ type: z.literal('drift'), perHour: z.number() }),
  /** steam or dust puffs: random short bumps (Poisson arrivals, raised-cosine shape) */
  z.object({
    type: z.literal('spikes'),
    meanEveryS: z.number().positive(),
    height: z.number(),
    widthS: z.number().positive(),
  }),
  /** smouldering fire: slow linear rise from startS, capped */
  z.object({ type: z.literal('smoulder'), startS: At, perMinute: z.number().positive(), max: z.number().positive() }),
  /** flaming fire: exponential growth from startS (doubling time), capped */
  z.object({
    type: z.literal('flaming'),
    startS: At,
    initial: z.number().positive().default(0.01),
    doublingS: z.number().positive(),
    max: z.number().positive(),
  }),
  /** stuck sensor: the value freezes at what it read at fromS */
  z.object({ type: z.literal('stuck'), fromS: At, toS: At.optional() }),
  /** open or short circuit between fromS and toS */
  z.object({ type: z.enum(['open', 'short']), fromS: At, toS: At.optional() }),
  /** water leak on a contact probe: bounces (water splashing on the probe) then stays wet until endS */
  z.object({
    type: z.literal('leak'),
    startS: At,
    bounces: z.number().int().min(0).default(5),
    bounceMs: z.number().positive().default(300),
    endS: At.optional(),
  }),
]);
export type GeneratorPart = z.infer<typeof GeneratorPartSchema>;

export const GeneratorSpecSchema = z.object({
  seed: z.number().int().default(1),
  durationS: z.number().positive(),
  periodS: z.number().positive().default(1),
  unit: z.string().default('dB/m'),
  parts: z.array(GeneratorPartSchema).min(1),
});
export type GeneratorSpec = z.input<typeof GeneratorSpecSchema>;

/** mulberry32: tiny, fast, and the same on every platform. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal from two uniforms (Box-Muller). */
export function gaussian(rand: () => number): number {
  const u = Math.max(rand(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

export function generateTrace(input: GeneratorSpec, source = 'generated'): Trace {
  const spec = GeneratorSpecSchema.parse(input);
  const rand = seededRandom(spec.seed);
  const n = Math.floor(spec.durationS / spec.periodS) + 1;
  const t = Array.from({ length: n }, (_, i) => i * spec.periodS);
  const value = new Array<number>(n).fill(0);
  const wiring = new Array<number>(n).fill(0);
  let hasWiring = false;
  let contact: TraceChannel | undefined;

  for (const part of spec.parts) {
    switch (part.type) {
      case 'noise':
        for (let i = 0; i < n; i++) value[i] = (value[i] as number) + part.sigma * gaussian(rand);
        break;
      case 'drift':
        for (let i = 0; i < n; i++) value[i] = (value[i] as number) + (part.perHour * (t[i] as number)) / 3600;
        break;
      case 'spikes':
        addSpikes(value, t, part, rand);
        break;
      case 'smoulder':
        for (let i = 0; i < n; i++) {
          const dt = (t[i] as number) - part.startS;
          if (dt > 0) value[i] = (value[i] as number) + Math.min(part.max, (part.perMinute * dt) / 60);
        }
        break;
      case 'flaming':
        for (let i = 0; i < n; i++) {
          const dt = (t[i] as number) - part.startS;
          if (dt > 0) value[i] = (value[i] as number) + Math.min(part.max, part.initial * 2 ** (dt / part.doublingS));
        }
        break;
      case 'stuck': {
        const from = Math.min(n - 1, Math.ceil(part.fromS / spec.periodS));
        const to = part.toS === undefined ? n : Math.min(n, Math.ceil(part.toS / spec.periodS));
        for (let i = from + 1; i < to; i++) value[i] = value[from] as number;
        break;
      }
      case 'open':
      case 'short':
        hasWiring = true;
        for (let i = 0; i < n; i++) {
          const ti = t[i] as number;
          if (ti >= part.fromS && (part.toS === undefined || ti < part.toS)) wiring[i] = part.type === 'open' ? 1 : 2;
        }
        break;
      case 'leak':
        contact = leakContact(part, spec.durationS);
        break;
    }
  }
  const channels: TraceChannel[] = [{ name: 'value', unit: spec.unit, t, v: value }];
  if (hasWiring) channels.push({ name: 'wiring', unit: '0 ok, 1 open, 2 short', t, v: wiring, step: true });
  if (contact) channels.push(contact);
  return { source, channels, marks: [] };
}

function addSpikes(
  value: number[],
  t: number[],
  part: { meanEveryS: number; height: number; widthS: number },
  rand: () => number,
): void {
  const end = t[t.length - 1] as number;
  // Poisson arrivals: exponential gaps
  for (let at = -Math.log(Math.max(rand(), 1e-12)) * part.meanEveryS; at < end; ) {
    for (let i = 0; i < t.length; i++) {
      const x = ((t[i] as number) - at) / part.widthS;
      if (x >= 0 && x <= 1) value[i] = (value[i] as number) + (part.height * (1 - Math.cos(2 * Math.PI * x))) / 2;
    }
    at += -Math.log(Math.max(rand(), 1e-12)) * part.meanEveryS;
  }
}

/**
 * Wet/dry edges in ms resolution: `bounces` short wet pulses, then wet from the last one until endS.
 * Times are counted in whole ms and divided once, not summed in seconds: 150 + 0.3 + 0.3 ... drifts
 * to 151.20000000000005, a hair after the millisecond the edge is meant to be at.
 */
function leakContact(part: { startS: number; bounces: number; bounceMs: number; endS?: number }, durationS: number) {
  const t: number[] = [0];
  const v: number[] = [0];
  const startMs = Math.round(part.startS * 1000);
  for (let b = 0; b < part.bounces; b++) {
    const atMs = startMs + Math.round(b * part.bounceMs);
    t.push(atMs / 1000, (atMs + Math.round(part.bounceMs / 2)) / 1000);
    v.push(1, 0);
  }
  const wetS = (startMs + Math.round(part.bounces * part.bounceMs)) / 1000;
  t.push(wetS);
  v.push(1);
  const end = part.endS ?? durationS;
  if (end > wetS) {
    t.push(end);
    v.push(0);
  }
  return { name: 'contact', unit: '1 wet, 0 dry', t, v, step: true };
}
