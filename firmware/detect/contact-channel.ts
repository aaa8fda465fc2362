import type { ContactChannelConfig } from '../config.ts';
import type { Board, Timer } from '../hal.ts';
import { ALARM, type Channel, type ChannelListener, NORMAL } from './channel.ts';

/** Hardware debounce of the pin watch, ms: removes contact chatter below the delays. */
export const CONTACT_DEBOUNCE_MS = 20;
/**
 * While a delayed-on runs, a dry moment shorter than this does not end the wet spell: a probe in
 * moving water chatters for as long as the leak lasts, and would otherwise never stay wet onMs.
 * Well under the 1 s dry spells of splashes, which the delayed-on still rejects.
 */
export const CONTACT_CHATTER_MS = 250;

/**
 * A contact input (a listed detector's relay, a water rope or probe): active level, delayed-on
 * (the input must stay active `onMs` before an alarm, dry moments under CONTACT_CHATTER_MS not
 * counting: a splash does not count, a chattering probe in water does), delayed-off
 * (inactive `offMs` before clearing) and an optional latch (a leak stays reported until
 * someone has looked: reset by the button, a `reset` command or a reboot). Its alarm says
 * whether it latches (`latch`), so the panel can offer a reset.
 */
export class ContactChannel implements Channel {
  readonly name: string;
  readonly src: 'smoke' | 'water' | 'heat';
  level = NORMAL;
  readonly fault = '' as const;
  private pending: Timer | undefined;
  /** a dry moment during a delayed-on: the wet spell ends when it runs out */
  private bridge: Timer | undefined;
  /** the delayed-on ran out during a dry moment: the next wet edge within it alarms */
  private due = false;
  private active = false;
  // Settings copied out of the config so it is garbage once the node runs (see AnalogChannel).
  private activeLevel: number;
  private onDelayMs: number;
  private offDelayMs: number;
  /** the alarm holds until a reset, even when the input goes back to normal */
  readonly latch: boolean;

  private pinName: string;
  private pullMode: 'up' | 'down' | 'none';

  constructor(
    cfg: ContactChannelConfig,
    private board: Board,
    private listener: ChannelListener,
  ) {
    this.name = cfg.name;
    this.src = cfg.src;
    this.pinName = cfg.pin;
    this.pullMode = cfg.pull;
    this.activeLevel = cfg.active;
    this.onDelayMs = cfg.onMs;
    this.offDelayMs = cfg.offMs;
    this.latch = cfg.latch;
  }

  start(): void {
    const input = this.board.setup!.digitalInput({
      pin: this.pinName,
      pull: this.pullMode,
      debounceMs: CONTACT_DEBOUNCE_MS,
      onReadable: (e) => this.changed(e.state ? 1 : 0),
    });
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

  reset(): string {
    if (this.level !== ALARM) return 'no alarm';
    if (this.active) return 'input active';
    this.cancel();
    this.level = NORMAL;
    this.listener.channelEvent('clear', this, { v: 0 });
    return '';
  }

  private changed(lvl: number): void {
    const active = lvl === this.activeLevel;
    if (active === this.active) return;
    this.active = active;
    const clock = this.board.clock;
    if (this.level === NORMAL) {
      if (active) {
        if (this.bridge !== undefined) clock.clear(this.bridge);
        this.bridge = undefined;
        if (this.due) this.settle();
        else if (this.pending === undefined) this.pending = clock.setTimeout(() => this.onHeld(), this.onDelayMs);
      } else if (this.pending !== undefined)
        this.bridge = clock.setTimeout(() => {
          this.bridge = undefined;
          this.due = false;
          this.cancel();
        }, CONTACT_CHATTER_MS);
      return;
    }
    this.cancel();
    if (!active && !this.latch) this.pending = clock.setTimeout(() => this.settle(), this.offDelayMs);
  }

  /** The delayed-on ran out: alarm now if wet, else at the next wet edge of this dry moment. */
  private onHeld(): void {
    this.pending = undefined;
    if (this.active) this.settle();
    else this.due = true;
  }

  /** A delay ran out with the input unchanged. */
  private settle(): void {
    this.pending = undefined;
    this.due = false;
    if (this.active && this.level === NORMAL) {
      this.level = ALARM;
      this.listener.channelEvent('alarm', this, { v: 1, b: 0, th: 1, src: this.src, latch: this.latch });
    } else if (!this.active && this.level === ALARM) {
      this.level = NORMAL;
      this.listener.channelEvent('clear', this, { v: 0 });
    }
  }

  private cancel(): void {
    if (this.pending !== undefined) this.board.clock.clear(this.pending);
    this.pending = undefined;
  }
}
