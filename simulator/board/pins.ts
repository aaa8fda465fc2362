/**
 * The board's pins as the firmware sees them through Espruino's globals: analog inputs and
 * digital inputs fed by functions of simulated time (traces), outputs recorded as level
 * changes over time, and `setWatch` callbacks fired on input edges.
 *
 * Digital inputs are step signals with known edge times: the board tells the bank at each edge
 * (the pin interrupt), and the bank debounces as Espruino 2v29 does (jsinteractive.c): every
 * edge pushes the watch's timeout to `debounce` ms after it, and when the timeout runs out the
 * callback fires only if the level differs from the one reported last, with `time` = the edge.
 */
export type Feed = (tMs: number) => number;

export interface DigitalFeed {
  level: Feed;
  /** times (ms) at which the level may change; `level` must already read the new level there */
  edgesMs: number[];
}

/** A level that holds from `tMs` (whole ms) until the next step. */
export interface Step {
  tMs: number;
  level: number;
}

/**
 * A digital feed from its steps (sorted by time): the level and the edge times come from the same
 * whole-millisecond list, so the level read at an edge is always the new one. (Edges rounded to ms
 * while the level was read from the trace's float seconds made the last edge of a bouncing leak
 * read the old level when the float time lay a hair above its ms.) Before the first step the level
 * is the first step's.
 */
export function stepFeed(steps: Step[]): DigitalFeed {
  const first = steps[0]?.level ?? 0;
  return {
    level: (tMs) => {
      let level = first;
      for (const s of steps) {
        if (s.tMs > tMs) break;
        level = s.level;
      }
      return level;
    },
    edgesMs: steps.map((s) => s.tMs).filter((t) => t >= 0),
  };
}

export interface PinFeeds {
  /** ADC pins: 0..1 of full scale */
  analog: Record<string, Feed>;
  /** digital inputs: 0 or 1 */
  digital: Record<string, DigitalFeed>;
}

export interface OutputChange {
  pin: string;
  tMs: number;
  level: number;
}

/** ESP32 ADC: 12 bits. */
const ADC_STEPS = 4095;

export interface Watch {
  id: number;
  pin: string;
  edge: 'rising' | 'falling' | 'both';
  debounceMs: number;
  repeat: boolean;
  fn: (e: { state: boolean; time: number; lastTime: number }) => void;
  /** level reported last (after debounce): Espruino's watch `state`, read from the pin at setWatch */
  level: number;
  /** raw level after the last edge, and that edge's time (ms) */
  raw: number;
  rawSince: number;
  /** a debounce timeout is pending */
  waiting: boolean;
  /** `time` of the last report, s */
  lastTime: number;
}

export class PinBank {
  readonly outputs: OutputChange[] = [];
  private outLevel = new Map<string, number>();
  private watches: Watch[] = [];
  private nextWatch = 1;

  /** `after` runs a function `ms` later on the board's clock (the debounce timeouts). */
  constructor(
    private feeds: PinFeeds,
    private now: () => number,
    private after: (fn: () => void, ms: number) => void,
  ) {}

  has(pin: string): boolean {
    return pin in this.feeds.analog || pin in this.feeds.digital;
  }

  analogRead(pin: string): number {
    const feed = this.feeds.analog[pin];
    if (!feed) return this.digitalRead(pin);
    const a = Math.min(1, Math.max(0, feed(this.now())));
    return Math.round(a * ADC_STEPS) / ADC_STEPS;
  }

  digitalRead(pin: string): number {
    const out = this.outLevel.get(pin);
    if (out !== undefined) return out;
    const feed = this.feeds.digital[pin];
    if (feed) return feed.level(this.now()) ? 1 : 0;
    const analog = this.feeds.analog[pin];
    return analog && analog(this.now()) > 0.5 ? 1 : 0;
  }

  digitalWrite(pin: string, level: number): void {
    const v = level ? 1 : 0;
    if (this.outLevel.get(pin) === v) return;
    this.outLevel.set(pin, v);
    this.outputs.push({ pin, tMs: this.now(), level: v });
  }

  setWatch(w: Omit<Watch, 'id' | 'level' | 'raw' | 'rawSince' | 'waiting' | 'lastTime'>): number {
    const level = this.digitalRead(w.pin);
    const id = this.nextWatch++;
    const now = this.now();
    this.watches.push({ ...w, id, level, raw: level, rawSince: now, waiting: false, lastTime: now / 1000 });
    return id;
  }

  clearWatch(id?: number): void {
    this.watches = id === undefined ? [] : this.watches.filter((w) => w.id !== id);
  }

  /** The pin's level may have changed now (its interrupt): watches see the edge. */
  edge(pin: string): void {
    const now = this.now();
    const raw = this.digitalRead(pin);
    for (const w of [...this.watches]) {
      if (w.pin !== pin || raw === w.raw) continue;
      w.raw = raw;
      w.rawSince = now;
      if (w.debounceMs <= 0) this.report(w);
      else if (!w.waiting && raw !== w.level) {
        w.waiting = true;
        this.after(() => this.debounced(w), w.debounceMs);
      }
    }
  }

  /** The watches set now (a test reads their callbacks). */
  get active(): readonly Watch[] {
    return this.watches;
  }

  /** A watch's debounce timeout ran out: wait on if an edge came since, else report a changed level. */
  private debounced(w: Watch): void {
    if (!this.watches.includes(w)) return;
    const left = w.rawSince + w.debounceMs - this.now();
    if (left > 0) {
      this.after(() => this.debounced(w), left);
      return;
    }
    w.waiting = false;
    if (w.raw !== w.level) this.report(w);
  }

  /** Espruino keeps the level and `lastTime` for every edge, and calls back on the watched ones. */
  private report(w: Watch): void {
    w.level = w.raw;
    const time = w.rawSince / 1000;
    const lastTime = w.lastTime;
    w.lastTime = time;
    if (w.edge !== 'both' && (w.edge === 'rising') !== (w.level === 1)) return;
    if (!w.repeat) this.clearWatch(w.id);
    w.fn({ state: w.level === 1, time, lastTime });
  }

  /** Forgets outputs and watches (power cut); recorded history stays. */
  powerDown(): void {
    this.watches = [];
    for (const pin of this.outLevel.keys()) this.digitalWrite(pin, 0);
    this.outLevel.clear();
  }
}
