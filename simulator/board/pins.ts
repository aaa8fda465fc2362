/**
 * The board's pins as the firmware sees them through Espruino's globals: analog inputs and
 * digital inputs fed by functions of simulated time (traces), outputs recorded as level
 * changes over time, and `setWatch` callbacks fired on input edges.
 *
 * Digital inputs are step signals with known edge times, so the board polls watched pins exactly
 * at each edge and once the watch's debounce has passed: a bouncing contact reaches `setWatch`
 * with its hardware debounce applied, as on the ESP32, without polling every millisecond.
 */
export type Feed = (tMs: number) => number;

export interface DigitalFeed {
  level: Feed;
  /** times (ms) at which the level may change */
  edgesMs: number[];
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
  /** level reported last (after debounce) */
  level: number;
  /** raw level seen last and since when */
  raw: number;
  rawSince: number;
  lastTime: number;
}

export class PinBank {
  readonly outputs: OutputChange[] = [];
  private outLevel = new Map<string, number>();
  private watches: Watch[] = [];
  private nextWatch = 1;

  constructor(
    private feeds: PinFeeds,
    private now: () => number,
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

  setWatch(w: Omit<Watch, 'id' | 'level' | 'raw' | 'rawSince' | 'lastTime'>): number {
    const level = this.digitalRead(w.pin);
    const id = this.nextWatch++;
    this.watches.push({ ...w, id, level, raw: level, rawSince: this.now(), lastTime: this.now() / 1000 });
    return id;
  }

  clearWatch(id?: number): void {
    this.watches = id === undefined ? [] : this.watches.filter((w) => w.id !== id);
  }

  /** The watches set now (a test reads their callbacks). */
  get active(): readonly Watch[] {
    return this.watches;
  }

  /** Debounce delays of the watches on a pin (the board polls again after each). */
  debouncesOn(pin: string): number[] {
    return this.watches.filter((w) => w.pin === pin).map((w) => w.debounceMs);
  }

  /** Polls watched inputs at the current time; fires callbacks for debounced edges. */
  poll(): void {
    const now = this.now();
    for (const w of [...this.watches]) {
      const raw = this.digitalRead(w.pin);
      if (raw !== w.raw) {
        w.raw = raw;
        w.rawSince = now;
      }
      if (w.raw === w.level || now - w.rawSince < w.debounceMs) continue;
      w.level = w.raw;
      const fire = w.edge === 'both' || (w.edge === 'rising' ? w.level === 1 : w.level === 0);
      if (!fire) continue;
      const time = now / 1000;
      const lastTime = w.lastTime;
      w.lastTime = time;
      if (!w.repeat) this.clearWatch(w.id);
      w.fn({ state: w.level === 1, time, lastTime });
    }
  }

  /** Forgets outputs and watches (power cut); recorded history stays. */
  powerDown(): void {
    this.watches = [];
    for (const pin of this.outLevel.keys()) this.digitalWrite(pin, 0);
    this.outLevel.clear();
  }
}
