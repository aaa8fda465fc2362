import type { Clock, DigitalOutput, Timer } from '../hal.ts';

/**
 * Sounder and LED patterns: alternating on/off durations in ms, repeated. Each condition has its
 * own pattern so a trouble or a test never sounds like a fire (GB 20517-2025: the battery-fault
 * sound must differ from the fire alarm).
 */
export type Pattern = number[];

/** Sounder patterns by name, LED patterns by name. */
export type SoundName = 'fire' | 'water' | 'beeps' | 'chirp';
export type LightName = 'alarm' | 'hushed' | 'prealarm' | 'test' | 'trouble' | 'unconfigured' | 'normal';

/**
 * The durations of a pattern, made when it starts playing: a node plays two patterns at a time,
 * so keeping eleven constant tables alive would cost RAM for nothing.
 */
export function patternOf(name: SoundName | LightName): Pattern {
  // Fire: ISO 8201 / NFPA 72 temporal-three evacuation pattern.
  if (name === 'fire') return [500, 500, 500, 500, 500, 1500];
  // Water leak: fast even beeping, clearly not the fire pattern.
  if (name === 'water') return [150, 150];
  // Test: three short beeps, then quiet for the rest of the test.
  if (name === 'beeps') return [150, 350, 150, 350, 150, 2000];
  // Trouble (battery, dirty, open/short, tamper): one short chirp every 45 s, like a low-battery chirp.
  if (name === 'chirp') return [100, 44900];
  if (name === 'alarm') return [100, 100];
  if (name === 'hushed') return [100, 1900];
  if (name === 'prealarm') return [500, 500];
  if (name === 'test') return [3000, 0];
  if (name === 'trouble') return [100, 200, 100, 3600];
  if (name === 'unconfigured') return [100, 100, 100, 100, 100, 1600];
  return [50, 9950];
}

/** Plays one pattern at a time on one output; playing the same pattern again does not restart it. */
export class PatternPlayer {
  /** name of the pattern playing */
  playing: SoundName | LightName | undefined;
  private pattern: Pattern = [];
  private step = 0;
  private timer: Timer | undefined;

  constructor(
    private out: DigitalOutput,
    private clock: Clock,
  ) {
    out.write(0);
  }

  play(name: SoundName | LightName | undefined): void {
    if (name === this.playing) return;
    if (this.timer !== undefined) this.clock.clear(this.timer);
    this.timer = undefined;
    this.playing = name;
    this.step = 0;
    if (name === undefined) this.out.write(0);
    else {
      this.pattern = patternOf(name);
      this.next();
    }
  }

  private next(): void {
    const p = this.pattern;
    // Even steps are "on", odd steps "off"; a zero-length step is skipped.
    let ms = p[this.step];
    while (ms === 0) {
      this.step = (this.step + 1) % p.length;
      ms = p[this.step];
    }
    this.out.write(this.step % 2 === 0 ? 1 : 0);
    this.step = (this.step + 1) % p.length;
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.next();
    }, ms);
  }
}
