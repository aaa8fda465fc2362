/**
 * Small filters for sensor values, ESPHome style: each takes a value and returns a value.
 * Buffers are allocated once in the constructor; `push` allocates nothing.
 */

/** Median of the last n samples (n = 1, 3 or 5): removes single-sample spikes without lag on steps. */
export class MedianFilter {
  private ring: number[] = [];
  private sorted: number[] = [];
  private next = 0;
  private filled = 0;

  constructor(private n: number) {
    for (let i = 0; i < n; i++) {
      this.ring.push(0);
      this.sorted.push(0);
    }
  }

  push(v: number): number {
    // The first sample fills the window, so a start-up value is not a spike.
    if (this.filled === 0) for (let i = 0; i < this.n; i++) this.ring[i] = v;
    this.ring[this.next] = v;
    this.next = (this.next + 1) % this.n;
    if (this.filled < this.n) this.filled++;
    const s = this.sorted;
    for (let i = 0; i < this.n; i++) {
      // insertion sort into the preallocated array
      const x = this.ring[i];
      let j = i - 1;
      while (j >= 0 && s[j] > x) {
        s[j + 1] = s[j];
        j--;
      }
      s[j + 1] = x;
    }
    return s[(this.n - 1) >> 1];
  }

  reset(): void {
    this.filled = 0;
  }
}

/** Exponential smoothing: out += w * (in - out). w = 1 passes values through. */
export class Smoother {
  private value = 0;
  private primed = false;

  constructor(private w: number) {}

  push(v: number): number {
    if (!this.primed) {
      this.value = v;
      this.primed = true;
    } else this.value += this.w * (v - this.value);
    return this.value;
  }

  reset(): void {
    this.primed = false;
  }
}

/**
 * Clean-air baseline with drift compensation: follows the reading only while the reading is
 * within `quiet` of it and at most `perHour` units per hour, so slow dust build-up and
 * temperature drift are followed but smoke (fast, large) is not. It never moves further
 * than `limit` from the factory zero; `atLimit` then says the chamber needs cleaning.
 */
export class Baseline {
  value = 0;
  private last = -1;
  private started = false;

  constructor(
    private quiet: number,
    private perHour: number,
    private limit: number,
  ) {}

  /**
   * `v` is the smoothed reading in units; `canTrack` is false while the channel is not normal.
   * The baseline starts at the factory zero, not at the first reading: a node switched on in
   * smoke must not learn the smoke as clean air.
   */
  update(v: number, now: number, canTrack: boolean): void {
    if (!this.started) {
      this.started = true;
      this.last = now;
      return;
    }
    const dt = now - this.last;
    this.last = now;
    if (!canTrack || Math.abs(v - this.value) > this.quiet) return;
    const step = (this.perHour * dt) / 3600000;
    const diff = v - this.value;
    this.value = this.clamp(this.value + (diff > step ? step : Math.max(diff, -step)));
  }

  /** Compensation used up: the baseline sits at its limit. */
  atLimit(): boolean {
    return Math.abs(this.value) >= this.limit;
  }

  private clamp(v: number): number {
    return v > this.limit ? this.limit : Math.max(v, -this.limit);
  }
}
