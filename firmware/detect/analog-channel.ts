import type { AnalogChannelConfig } from '../config.ts';
import type { AnalogInput, Clock } from '../hal.ts';
import { ALARM, type Channel, type ChannelListener, NORMAL, PREALARM } from './channel.ts';
import { Baseline, HoldTimer, MedianFilter, Smoother } from './filters.ts';

/**
 * An analog sensor channel: sample -> valid-range check -> units -> median -> smoothing ->
 * baseline (drift compensation) -> thresholds with verification and hysteresis.
 *
 * Rising needs verification (the reading over the threshold for verifyS, for pre-alarm and
 * alarm alike), so a puff of steam or dust shorter than that is ignored. Falling needs the reading to drop `hyst` below the
 * pre-alarm threshold: an alarm never quietly turns into a pre-alarm, it holds until clear.
 */
export class AnalogChannel implements Channel {
  readonly name: string;
  readonly src: 'smoke' | 'water' | 'heat';
  level = NORMAL;
  fault: 'sensor_open' | 'sensor_short' | 'dirty' | '' = '';
  private median: MedianFilter;
  private smoother: Smoother;
  private base: Baseline;
  private preHold: HoldTimer;
  private alarmHold: HoldTimer;
  private openHold: HoldTimer;
  private shortHold: HoldTimer;
  private value = 0;

  constructor(
    private cfg: AnalogChannelConfig,
    private input: AnalogInput,
    private clock: Clock,
    private listener: ChannelListener,
  ) {
    this.name = cfg.name;
    this.src = cfg.src;
    this.median = new MedianFilter(cfg.median);
    this.smoother = new Smoother(cfg.smooth);
    this.base = new Baseline(cfg.quiet, cfg.driftPerH, cfg.comp);
    this.preHold = new HoldTimer(cfg.verifyS * 1000);
    this.alarmHold = new HoldTimer(cfg.verifyS * 1000);
    this.openHold = new HoldTimer(cfg.faultS * 1000);
    this.shortHold = new HoldTimer(cfg.faultS * 1000);
  }

  start(): void {
    this.sample();
    this.clock.setInterval(() => this.sample(), this.cfg.everyMs);
  }

  reading(): number {
    return Math.round(this.value);
  }

  baseline(): number {
    return Math.round(this.base.value);
  }

  excess(): number {
    return this.cfg.rising ? this.value - this.base.value : this.base.value - this.value;
  }

  reset(): boolean {
    return false;
  }

  /** One sample; public so the simulator and tests can step it. */
  sample(): void {
    const c = this.cfg;
    const now = this.clock.now();
    const a = this.input.read();
    if (this.checkRange(a, now)) return;
    this.value = this.smoother.push(this.median.push((a - c.zero) * c.gain));
    this.base.update(this.value, now, this.level === NORMAL);
    this.checkDirty();
    this.checkThresholds(now);
  }

  /**
   * Open/short circuit: true while the sensor is faulted (no detection then). Full scale during
   * an alarm is dense smoke saturating the chamber, not a short: the alarm holds.
   */
  private checkRange(a: number, now: number): boolean {
    const c = this.cfg;
    const high = a > c.hi && this.level !== ALARM;
    const open = this.openHold.update(a < c.lo, now);
    const short = this.shortHold.update(high, now);
    const code = open ? 'sensor_open' : short ? 'sensor_short' : '';
    if (code !== '' && this.fault !== code) {
      if (this.fault !== '') this.listener('trouble_clear', this, { code: this.fault });
      this.fault = code;
      this.listener('trouble', this, { code: code, v: Math.round(a * 1000) });
    } else if (code === '' && (this.fault === 'sensor_open' || this.fault === 'sensor_short') && a >= c.lo && !high) {
      this.listener('trouble_clear', this, { code: this.fault });
      this.fault = '';
      // Start the filters again from the first good sample: the faulted readings are not smoke.
      this.median.reset();
      this.smoother.reset();
    }
    // While out of range but not yet for faultS, hold the last good reading instead of using this one.
    return this.fault === 'sensor_open' || this.fault === 'sensor_short' || a < c.lo || high;
  }

  private checkDirty(): void {
    if (this.base.atLimit()) {
      if (this.fault === '') {
        this.fault = 'dirty';
        this.listener('trouble', this, { code: 'dirty', v: this.baseline() });
      }
    } else if (this.fault === 'dirty' && Math.abs(this.base.value) < this.cfg.comp * 0.9) {
      this.fault = '';
      this.listener('trouble_clear', this, { code: 'dirty' });
    }
  }

  private checkThresholds(now: number): void {
    const c = this.cfg;
    const x = this.excess();
    const pre = this.preHold.update(x >= c.pre, now);
    const alarm = this.alarmHold.update(x >= c.alarm, now);
    if (this.level < ALARM && alarm) {
      this.level = ALARM;
      this.listener('alarm', this, { v: this.reading(), b: this.baseline(), th: c.alarm, src: c.src });
    } else if (this.level === NORMAL && pre) {
      this.level = PREALARM;
      this.listener('prealarm', this, { v: this.reading(), b: this.baseline(), th: c.pre });
    } else if (this.level !== NORMAL && x < c.pre - c.hyst) {
      this.level = NORMAL;
      this.listener('clear', this, { v: this.reading() });
    }
  }
}
