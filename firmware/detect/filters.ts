/**
 * Small filters for sensor values, ESPHome style: each takes a value and returns a value.
 * Buffers are allocated once in the constructor; `push` allocates nothing.
 */

/**
 * The reading's filter chain in one object: the median of the last n samples (n = 1, 3 or 5:
 * removes single-sample spikes without lag on steps), then exponential smoothing,
 * out += w * (in - out) (w = 1 passes the median through). One class, not a median and a
 * smoother: on Espruino every class and every instance costs RAM.
 */
export class ReadingFilter {
  private ring: number[] = [];
  private sorted: number[] = [];
  private next = 0;
  private filled = 0;
  private out = 0;

  constructor(
    private n: number,
    private w: number,
  ) {
    for (let i = 0; i < n; i++) {
      this.ring.push(0);
      this.sorted.push(0);
    }
  }

  push(v: number): number {
    // The first sample fills the window and starts the smoothing, so a start-up value is not a spike.
    const first = this.filled === 0;
    if (first) for (let i = 0; i < this.n; i++) this.ring[i] = v;
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
    const median = s[(this.n - 1) >> 1];
    this.out = first ? median : this.out + this.w * (median - this.out);
    return this.out;
  }

  /** Starts again from the next sample (after a sensor fault). */
  reset(): void {
    this.filled = 0;
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
    const moved = this.value + (diff > step ? step : Math.max(diff, -step));
    this.value = moved > this.limit ? this.limit : Math.max(moved, -this.limit);
  }

  /** Compensation used up: the baseline sits at its limit. */
  atLimit(): boolean {
    return Math.abs(this.value) >= this.limit;
  }
}
