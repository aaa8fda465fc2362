import type { ContactChannelConfig } from '../config.ts';
import type { Clock, DigitalInput, Timer } from '../hal.ts';
import { ALARM, type Channel, type ChannelListener, NORMAL } from './channel.ts';

/** Hardware debounce of the pin watch, ms: removes contact chatter below the delays. */
export const CONTACT_DEBOUNCE_MS = 20;

/**
 * A contact input (a listed detector's relay, a water rope or probe): active level, delayed-on
 * (the input must stay active `onMs` before an alarm: a splash does not count), delayed-off
 * (inactive `offMs` before clearing) and an optional latch (a leak stays reported until
 * someone has looked: reset by the button or a reboot).
 */
export class ContactChannel implements Channel {
  readonly name: string;
  readonly src: 'smoke' | 'water' | 'heat';
  level = NORMAL;
  readonly fault = '' as const;
  private pending: Timer | undefined;
  private active = false;

  constructor(
    private cfg: ContactChannelConfig,
    private open: (onReadable: (level: number) => void) => DigitalInput,
    private clock: Clock,
    private listener: ChannelListener,
  ) {
    this.name = cfg.name;
    this.src = cfg.src;
  }

  start(): void {
    const input = this.open((lvl) => this.changed(lvl));
    this.changed(input.read());
  }

  reading(): number {
    return this.active ? 1 : 0;
  }

  baseline(): number {
    return 0;
  }

  excess(): number {
    return this.reading();
  }

  reset(): boolean {
    if (this.level !== ALARM || this.active) return false;
    this.cancel();
    this.level = NORMAL;
    this.listener('clear', this, { v: 0 });
    return true;
  }

  private changed(lvl: number): void {
    const active = lvl === this.cfg.active;
    if (active === this.active) return;
    this.active = active;
    this.cancel();
    if (active && this.level === NORMAL) this.pending = this.clock.setTimeout(() => this.settle(), this.cfg.onMs);
    else if (!active && this.level === ALARM && !this.cfg.latch) {
      this.pending = this.clock.setTimeout(() => this.settle(), this.cfg.offMs);
    }
  }

  /** A delay ran out with the input unchanged. */
  private settle(): void {
    this.pending = undefined;
    if (this.active && this.level === NORMAL) {
      this.level = ALARM;
      this.listener('alarm', this, { v: 1, b: 0, th: 1, src: this.cfg.src });
    } else if (!this.active && this.level === ALARM) {
      this.level = NORMAL;
      this.listener('clear', this, { v: 0 });
    }
  }

  private cancel(): void {
    if (this.pending !== undefined) this.clock.clear(this.pending);
    this.pending = undefined;
  }
}
