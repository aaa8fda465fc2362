import type { AnalogChannelConfig } from '../config.ts';
import type { AnalogInput, Clock } from '../hal.ts';
import { ALARM, type Channel, type ChannelListener, NORMAL, PREALARM } from './channel.ts';
import { Baseline, ReadingFilter } from './filters.ts';

/**
 * An analog sensor channel: sample -> valid-range check -> units -> median -> smoothing ->
 * baseline (drift compensation) -> thresholds with verification and hysteresis.
 *
 * Rising needs verification (the reading over the threshold for verifyS), so a puff of steam or
 * dust shorter than that is ignored; once the pre-alarm level has held for verifyS, the alarm level
 * needs only verifyS / 4 from then on. Falling needs the reading to drop `hyst` below the
 * pre-alarm threshold: an alarm never quietly turns into a pre-alarm, it holds until clear.
 */
export class AnalogChannel implements Channel {
  readonly name: string;
  readonly src: 'smoke' | 'water' | 'heat';
  level = NORMAL;
  fault: 'sensor_open' | 'sensor_short' | 'dirty' | '' = '';
  private filter: ReadingFilter;
  private base: Baseline;
  /**
   * When each condition started holding without a break: over pre-alarm (0), over alarm (1),
   * under the valid range (2), over it (3), over alarm after pre-alarm was verified (4); -1 = not
   * holding. Numbers, not timer objects: on Espruino each object costs its own vars and a prototype link.
   */
  private since = [-1, -1, -1, -1, -1];
  private verifyMs: number;
  private faultMs: number;
  private value = 0;
  // The settings read after boot, copied out of the config so that the config object, with its
  // JSON names, is garbage once the node runs: Espruino keeps every property name in RAM, and
  // the build shortens these (class-only) names.
  /** alarm threshold over the baseline (the node re-sounds a hushed alarm at half of it more) */
  readonly alarmAt: number;
  /** telemetry period in s, 0 = none */
  readonly reportEveryS: number;
  private sampleMs: number;
  private rising: boolean;
  private zeroAt: number;
  private gainBy: number;
  private lowLimit: number;
  private highLimit: number;
  private preAt: number;
  private hystBy: number;
  private compLimit: number;

  constructor(
    cfg: AnalogChannelConfig,
    private input: AnalogInput,
    private clock: Clock,
    private listener: ChannelListener,
  ) {
    this.name = cfg.name;
    this.src = cfg.src;
    this.alarmAt = cfg.alarm;
    this.reportEveryS = cfg.telemetryS;
    this.sampleMs = cfg.everyMs;
    this.rising = cfg.rising;
    this.zeroAt = cfg.zero;
    this.gainBy = cfg.gain;
    this.lowLimit = cfg.lo;
    this.highLimit = cfg.hi;
    this.preAt = cfg.pre;
    this.hystBy = cfg.hyst;
    this.compLimit = cfg.comp;
    this.filter = new ReadingFilter(cfg.median, cfg.smooth);
    this.base = new Baseline(cfg.quiet, cfg.driftPerH, cfg.comp);
    this.verifyMs = cfg.verifyS * 1000;
    this.faultMs = cfg.faultS * 1000;
  }

  start(): void {
    this.sample();
    this.clock.setInterval(() => this.sample(), this.sampleMs);
  }

  reading(): number {
    return Math.round(this.value);
  }

  baseline(): number {
    return Math.round(this.base.value);
  }

  excess(): number {
    return this.rising ? this.value - this.base.value : this.base.value - this.value;
  }

  reset(): string {
    return 'not latched';
  }

  /** One sample; public so the simulator and tests can step it. */
  sample(): void {
    const now = this.clock.now();
    const a = this.input.read();
    if (this.checkRange(a, now)) return;
    this.value = this.filter.push((a - this.zeroAt) * this.gainBy);
    this.base.update(this.value, now, this.level === NORMAL);
    // The steps below are written here, not as methods: every method costs RAM on Espruino.
    // Dirty: drift compensation used up (cleared with a 10 % margin).
    if (this.base.atLimit()) {
      if (this.fault === '') {
        this.fault = 'dirty';
        this.listener.channelEvent('trouble', this, { code: 'dirty', v: this.baseline() });
      }
    } else if (this.fault === 'dirty' && Math.abs(this.base.value) < this.compLimit * 0.9) {
      this.fault = '';
      this.listener.channelEvent('trouble_clear', this, { code: 'dirty' });
    }
    // Thresholds with verification, and hysteresis on the way down.
    const x = this.excess();
    const pre = this.held(0, x >= this.preAt, now, this.verifyMs);
    // Verification is served once: a reading that has held over pre-alarm for verifyS is no puff of
    // steam or dust, so from then on the alarm level needs only a quarter of it (a fire that builds
    // up alarms up to 6 s sooner at the default 8 s; a puff has fallen back by then).
    const verified = this.held(1, x >= this.alarmAt, now, this.verifyMs);
    const confirmed = this.held(4, pre && x >= this.alarmAt, now, this.verifyMs / 2);
    const alarm = verified || confirmed;
    if (this.level < ALARM && alarm) {
      this.level = ALARM;
      this.listener.channelEvent('alarm', this, {
        v: this.reading(),
        b: this.baseline(),
        th: this.alarmAt,
        src: this.src,
      });
    } else if (this.level === NORMAL && pre) {
      this.level = PREALARM;
      this.listener.channelEvent('prealarm', this, { v: this.reading(), b: this.baseline(), th: this.preAt });
    } else if (this.level !== NORMAL && x < this.preAt - this.hystBy) {
      this.level = NORMAL;
      this.listener.channelEvent('clear', this, { v: this.reading() });
    }
  }

  /**
   * Open/short circuit: true while the sensor is faulted (no detection then). Full scale during
   * an alarm is dense smoke saturating the chamber, not a short: the alarm holds.
   */
  private checkRange(a: number, now: number): boolean {
    const lo = this.lowLimit;
    const high = a > this.highLimit && this.level !== ALARM;
    const open = this.held(2, a < lo, now, this.faultMs);
    const short = this.held(3, high, now, this.faultMs);
    const code = open ? 'sensor_open' : short ? 'sensor_short' : '';
    if (code !== '' && this.fault !== code) {
      if (this.fault !== '') this.listener.channelEvent('trouble_clear', this, { code: this.fault });
      this.fault = code;
      this.listener.channelEvent('trouble', this, { code: code, v: Math.round(a * 1000) });
    } else if (code === '' && (this.fault === 'sensor_open' || this.fault === 'sensor_short') && a >= lo && !high) {
      this.listener.channelEvent('trouble_clear', this, { code: this.fault });
      this.fault = '';
      // Start the filters again from the first good sample: the faulted readings are not smoke.
      this.filter.reset();
    }
    // While out of range but not yet for faultS, hold the last good reading instead of using this one.
    return this.fault === 'sensor_open' || this.fault === 'sensor_short' || a < lo || high;
  }

  /**
   * Condition `i` in this sample taken at `now`; true once it has held continuously for `ms`
   * (alarm verification, fault delay). A sample where it does not hold starts the wait again.
   */
  private held(i: number, cond: boolean, now: number, ms: number): boolean {
    if (!cond) {
      this.since[i] = -1;
      return false;
    }
    if (this.since[i] < 0) this.since[i] = now;
    return now - this.since[i] >= ms;
  }
}
