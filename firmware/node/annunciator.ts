import type { Clock, DigitalOutput, Timer } from '../hal.ts';

/**
 * Sounder and LED patterns: alternating on/off durations in ms, repeated. Each condition has its
 * own pattern so a trouble or a test never sounds like a fire (GB 20517-2025: the battery-fault
 * sound must differ from the fire alarm).
 */
export type Pattern = number[];

/** Fire: ISO 8201 / NFPA 72 temporal-three evacuation pattern. */
export const SOUND_FIRE: Pattern = [500, 500, 500, 500, 500, 1500];
/** Water leak: fast even beeping, clearly not the fire pattern. */
export const SOUND_WATER: Pattern = [150, 150];
/** Test: three short beeps, then quiet for the rest of the test. */
export const SOUND_TEST: Pattern = [150, 350, 150, 350, 150, 2000];
/** Trouble (battery, dirty, open/short, tamper): one short chirp every 45 s, like a low-battery chirp. */
export const SOUND_TROUBLE: Pattern = [100, 44900];

export const LED_ALARM: Pattern = [100, 100];
export const LED_HUSHED: Pattern = [100, 1900];
export const LED_PREALARM: Pattern = [500, 500];
export const LED_TEST: Pattern = [3000, 0];
export const LED_TROUBLE: Pattern = [100, 200, 100, 3600];
export const LED_UNCONFIGURED: Pattern = [100, 100, 100, 100, 100, 1600];
export const LED_NORMAL: Pattern = [50, 9950];

/** Plays one pattern at a time on one output; playing the same pattern again does not restart it. */
export class PatternPlayer {
  pattern: Pattern | undefined;
  private step = 0;
  private timer: Timer | undefined;

  constructor(
    private out: DigitalOutput,
    private clock: Clock,
  ) {
    out.write(0);
  }

  play(p: Pattern | undefined): void {
    if (p === this.pattern) return;
    this.stopTimer();
    this.pattern = p;
    this.step = 0;
    if (p === undefined) this.out.write(0);
    else this.next();
  }

  private next(): void {
    const p = this.pattern as Pattern;
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

  private stopTimer(): void {
    if (this.timer !== undefined) this.clock.clear(this.timer);
    this.timer = undefined;
  }
}
