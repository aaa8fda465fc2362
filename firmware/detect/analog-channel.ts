import type { AnalogChannelConfig } from '../config.ts';
import type { AnalogInput, Clock } from '../hal.ts';
import { ALARM, type Channel, type ChannelListener, NORMAL, PREALARM } from './channel.ts';

/**
 * An analog sensor channel: sample -> valid-range check -> units -> median -> smoothing ->
 * baseline (drift compensation) -> thresholds with verification and hysteresis.
 *
 * The filters are steps of `sample`, not objects of their own (on Espruino each class costs its
 * constructor, prototype and methods, each instance its object and prototype link; ~45 JsVars):
 * - median of the last `medianN` samples (1, 3 or 5: removes single-sample spikes without lag on
 *   steps), into arrays allocated once; the first sample fills the window;
 * - exponential smoothing of the median, out += w * (median - out) (w = 1 passes it through);
 * - clean-air baseline: follows the smoothed reading only while it is within `quiet` of it and
 *   at most `perHour` units per hour, so dust build-up and temperature drift are followed but
 *   smoke (fast, large) is not; never further than `comp` from the factory zero (then the chamber
 *   is dirty). It starts at the factory zero, not at the first reading: a node switched on in
 *   smoke must not learn the smoke as clean air.
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
  private ring: number[] = [];
  private sorted: number[] = [];
  private next = 0;
  private filled = 0;
  private medianN: number;
  private smoothW: number;
  /** baseline value (units), when the last sample came (-1: none yet), and its settings */
  private base = 0;
  private baseAt = -1;
  private quiet: number;
  private perHour: number;
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
    this.medianN = cfg.median;
    this.smoothW = cfg.smooth;
    for (let i = 0; i < cfg.median; i++) {
      this.ring.push(0);
      this.sorted.push(0);
    }
    this.quiet = cfg.quiet;
    this.perHour = cfg.driftPerH;
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
    return Math.round(this.base);
  }

  excess(): number {
    return this.rising ? this.value - this.base : this.base - this.value;
  }

  reset(): string {
    return 'not latched';
  }

  /** One sample; public so the simulator and tests can step it. */
  sample(): void {
    const now = this.clock.now();
    const a = this.input.read();
    if (this.checkRange(a, now)) return;
    // The steps below are written here, not as methods: every method costs RAM on Espruino.
    const v = (a - this.zeroAt) * this.gainBy;
    // Median: the first sample fills the window and starts the smoothing (not a spike).
    const n = this.medianN;
    const first = this.filled === 0;
    if (first) for (let i = 0; i < n; i++) this.ring[i] = v;
    this.ring[this.next] = v;
    this.next = (this.next + 1) % n;
    if (this.filled < n) this.filled++;
    const s = this.sorted;
    for (let i = 0; i < n; i++) {
      // insertion sort into the preallocated array
      const x = this.ring[i];
      let j = i - 1;
      while (j >= 0 && s[j] > x) {
        s[j + 1] = s[j];
        j--;
      }
      s[j + 1] = x;
    }
    const median = s[(n - 1) >> 1];
    this.value = first ? median : this.value + this.smoothW * (median - this.value);
    // Baseline: tracks only while normal and quiet, at most perHour units an hour, within comp.
    const started = this.baseAt >= 0;
    const dt = now - this.baseAt;
    this.baseAt = now;
    const diff = this.value - this.base;
    if (started && this.level === NORMAL && Math.abs(diff) <= this.quiet) {
      const step = (this.perHour * dt) / 3600000;
      const moved = this.base + (diff > step ? step : Math.max(diff, -step));
      this.base = moved > this.compLimit ? this.compLimit : Math.max(moved, -this.compLimit);
    }
    // Dirty: drift compensation used up (cleared with a 10 % margin).
    if (Math.abs(this.base) >= this.compLimit) {
      if (this.fault === '') {
        this.fault = 'dirty';
        this.listener.channelEvent('trouble', this, { code: 'dirty', v: this.baseline() });
      }
    } else if (this.fault === 'dirty' && Math.abs(this.base) < this.compLimit * 0.9) {
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
      this.filled = 0;
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
