/**
 * A clock that only moves when told to. Timers fire in time order, each seeing `now()`
 * equal to its due time, so an hour of trace runs in milliseconds and every run is
 * repeatable. Used by the firmware tests and the simulator alike.
 */
export type TimerId = number;

interface Timer {
  id: TimerId;
  due: number;
  every: number;
  fn: () => void;
}

export class VirtualClock {
  private current: number;
  private timers: Timer[] = [];
  private nextId = 1;

  constructor(startMs = 0) {
    this.current = startMs;
  }

  now(): number {
    return this.current;
  }

  setTimeout(fn: () => void, ms: number): TimerId {
    return this.add(fn, ms, 0);
  }

  setInterval(fn: () => void, ms: number): TimerId {
    return this.add(fn, ms, Math.max(1, ms));
  }

  clear(id: TimerId): void {
    this.timers = this.timers.filter((t) => t.id !== id);
  }

  /** Number of timers waiting. */
  get pending(): number {
    return this.timers.length;
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way. */
  advance(ms: number): void {
    this.runUntil(this.current + ms);
  }

  runUntil(endMs: number): void {
    for (;;) {
      const next = this.earliest();
      if (!next || next.due > endMs) break;
      this.current = Math.max(this.current, next.due);
      if (next.every > 0) next.due += next.every;
      else this.clear(next.id);
      next.fn();
    }
    this.current = Math.max(this.current, endMs);
  }

  private add(fn: () => void, ms: number, every: number): TimerId {
    const id = this.nextId++;
    this.timers.push({ id, due: this.current + Math.max(0, ms), every, fn });
    return id;
  }

  private earliest(): Timer | undefined {
    let best: Timer | undefined;
    for (const t of this.timers) if (!best || t.due < best.due || (t.due === best.due && t.id < best.id)) best = t;
    return best;
  }
}
