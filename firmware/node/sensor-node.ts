import { MAX_HUSH_S } from '../../protocol/kinds.ts';
import { CONFIG_FILE, type NodeConfig, validateConfig } from '../config.ts';
import { AnalogChannel } from '../detect/analog-channel.ts';
import { ALARM, type Channel, type ChannelEventKind, type ChannelListener, PREALARM } from '../detect/channel.ts';
import { ContactChannel } from '../detect/contact-channel.ts';
import type { AnalogInput, Board, WatchEvent } from '../hal.ts';
import * as A from './annunciator.ts';
import { isCount, type Messenger, type NodeActions } from './messenger.ts';

/** The node's housekeeping tick: watchdog kick, hush expiry, re-sends, periodic messages. */
export const TICK_MS = 1000;
/** How long a self test drives the outputs. */
export const TEST_MS = 3000;
/** Delay between answering set_config/reboot and rebooting, so the ack can leave. */
export const REBOOT_DELAY_MS = 3000;
/** Hardware watchdog timeout: the 1 s tick kicks it. */
export const WATCHDOG_S = 10;
/** Millivolts above the low threshold needed to clear low battery, so a sagging cell does not flap. */
export const BATTERY_HYST_MV = 100;
/** ADC reads averaged per battery check: the ESP32 ADC is noisy. */
const BATTERY_READS = 4;

/**
 * A configured node: channels, battery/tamper supervision, one button, sounder and LED, and the
 * commands from the gateway. Per channel state: normal, prealarm, alarm, hushed, trouble, test.
 *
 * Button: a press during an unhushed alarm hushes it (at most MAX_HUSH_S); a press with a
 * latched alarm whose input is back to normal resets it; any other press runs the self test.
 * A hushed alarm sounds again when its hush expires or its reading rises by half the alarm
 * threshold over the reading at the time of the hush.
 *
 * The node keeps no config object: channels and link copy or keep the settings they read, the
 * battery and tamper settings are fields here, and the node is itself the channels' listener
 * (a method, no closures keeping the constructor's scope), so the parsed config is garbage once
 * the node runs (Espruino RAM).
 */
export class SensorNode implements NodeActions, ChannelListener {
  readonly channels: Channel[] = [];
  /** per channel (same index): node uptime when the hush ends, 0 = not hushed */
  readonly hushUntil: number[] = [];
  private hushExcess: number[] = [];
  private testUntil = 0;
  private silenceUntil = 0;
  private ticks = 0;
  private sounder: A.PatternPlayer;
  private led: A.PatternPlayer;

  private heartbeatEvery: number;
  // Tamper switch (the case opened): its pin, the level that means open (-1: no switch), and
  // whether it is open. Three fields here, not a class of its own (RAM).
  private tamperPin = '';
  private tamperActive = -1;
  private tamperOpen = false;
  // Battery monitor (GB 20517-2025: checked at least every 24 h, here every everyS on the node's
  // tick): its input, settings and last reading as fields of the node, not a class of its own (RAM).
  private batteryIn: AnalogInput | undefined;
  private batteryMvPerScale = 0;
  private batteryLowMv = 0;
  private batteryEveryS = 0;
  /** last battery reading, mV (0: no battery monitor) */
  private batteryMv = 0;
  private batteryLow = false;

  constructor(
    private board: Board,
    cfg: NodeConfig,
    private msg: Messenger,
  ) {
    const clock = board.clock;
    // boot-only parts inline, never in a local (hal.ts Board.setup)
    this.sounder = new A.PatternPlayer(board.setup!.digitalOutput({ pin: 'sounder' }), clock);
    this.led = new A.PatternPlayer(board.setup!.digitalOutput({ pin: 'led' }), clock);
    for (const c of cfg.channels) {
      this.channels.push(
        c.kind === 'analog'
          ? new AnalogChannel(c, board.setup!.analogInput({ pin: c.pin }), clock, this)
          : new ContactChannel(c, board, this),
      );
      this.hushUntil.push(0);
      this.hushExcess.push(0);
    }
    if (cfg.battery) {
      this.batteryIn = board.setup!.analogInput({ pin: cfg.battery.pin });
      this.batteryMvPerScale = cfg.battery.mvPerScale;
      this.batteryLowMv = cfg.battery.lowMv;
      this.batteryEveryS = cfg.battery.everyS;
    }
    if (cfg.tamper) {
      this.tamperPin = cfg.tamper.pin;
      this.tamperActive = cfg.tamper.active;
    }
    this.heartbeatEvery = cfg.heartbeatS;
  }

  start(): void {
    const b = this.board;
    for (const ch of this.channels) ch.start();
    this.checkBattery();
    if (this.tamperActive >= 0) {
      // Level changes arrive debounced by the pin watch; one trouble per change.
      const tamper = (e: WatchEvent) => {
        const level = e.state ? 1 : 0;
        const open = level === this.tamperActive;
        if (open === this.tamperOpen) return;
        this.tamperOpen = open;
        this.trouble(open, 'tamper', level);
      };
      const input = b.setup!.digitalInput({ pin: this.tamperPin, pull: 'up', debounceMs: 200, onReadable: tamper });
      tamper({ state: input.read() === 1 });
    }
    // Button: active low (the ESP32 boot button pattern), acts on the press.
    b.setup!.digitalInput({
      pin: 'button',
      pull: 'up',
      debounceMs: 50,
      onReadable: (e) => {
        if (e.state) return;
        // Pressed: hush an unhushed alarm, else reset a latched alarm whose input is back to normal, else self test.
        if (this.hush('*', MAX_HUSH_S, 'button') === '') return;
        let reset = false;
        for (const ch of this.channels) if (ch.reset() === '') reset = true;
        if (!reset) this.test('button');
      },
    });
    b.clock.setInterval(() => this.tick(), TICK_MS);
    this.annunciate();
  }

  /** State of a channel as reported in telemetry. */
  state(i: number): string {
    const ch = this.channels[i];
    if (this.testUntil > 0) return 'test';
    if (ch.level === ALARM) return this.hushUntil[i] > 0 ? 'hushed' : 'alarm';
    if (ch.fault !== '') return 'trouble';
    return ch.level === PREALARM ? 'prealarm' : 'normal';
  }

  // --- commands (NodeActions) ---

  hush(ch: string, seconds: number, by?: string): string {
    const now = this.board.clock.now();
    const until = now + Math.min(seconds, MAX_HUSH_S) * 1000;
    let done = 0;
    for (let i = 0; i < this.channels.length; i++) {
      const c = this.channels[i];
      if ((ch === '*' || ch === c.name) && c.level === ALARM && this.hushUntil[i] === 0) {
        this.hushUntil[i] = until;
        this.hushExcess[i] = c.excess();
        this.msg.send('hush', c.name, { by: by || 'command', until: Math.floor(until) });
        done++;
      }
    }
    this.annunciate();
    return done > 0 ? '' : 'no alarm to hush';
  }

  test(by?: string): string {
    for (const ch of this.channels) if (ch.level === ALARM) return 'in alarm';
    this.testUntil = this.board.clock.now() + TEST_MS;
    this.annunciate();
    this.msg.send('test', '', {
      by: by || 'command',
      ok: this.board.pins['sounder'] !== undefined && this.board.pins['led'] !== undefined,
    });
    return '';
  }

  /** `reset` command: "" when a latched alarm was cleared, else why not ("input active" first). */
  reset(ch: string): string {
    let done = false;
    let why = 'no channel';
    for (const c of this.channels) {
      if (ch !== '*' && ch !== c.name) continue;
      const r = c.reset();
      if (r === '') done = true;
      else if (why !== 'input active') why = r;
    }
    return done ? '' : why;
  }

  /** Runs a verified command (NodeActions); silence, set_config and reboot are written here, not as methods (RAM). */
  command(k: string, d: { [key: string]: unknown }): string {
    const b = this.board;
    if (k === 'hush')
      return typeof d['ch'] === 'string' && isCount(d['s']) ? this.hush(d['ch'] as string, d['s'] as number) : 'bad d';
    if (k === 'silence') {
      if (!isCount(d['s'])) return 'bad d';
      this.silenceUntil = b.clock.now() + (d['s'] as number) * 1000;
      this.annunciate();
      return '';
    }
    if (k === 'test') return this.test();
    if (k === 'reset') return typeof d['ch'] === 'string' ? this.reset(d['ch'] as string) : 'bad d';
    if (k === 'set_config') {
      const r = validateConfig(d['cfg']);
      if (!r.ok) return r.error.substr(0, 64);
      if (!b.storage.write(CONFIG_FILE, JSON.stringify(d['cfg']))) return 'storage write failed';
    } else if (k !== 'reboot') return 'unknown kind';
    // set_config and reboot: after a delay, so the ack can leave
    b.clock.setTimeout(() => b.reboot(), REBOOT_DELAY_MS);
    return '';
  }

  rejected(reason: string): void {
    this.board.log('PW-REJECT ' + reason);
  }

  // --- internals ---

  heartbeat(): string {
    const link = this.msg.link;
    const d: { [key: string]: unknown } = {
      bat: this.batteryMv,
      rssi: link && link.rssi ? link.rssi() : 0,
      mem: this.board.freeMemory(),
      ivl: this.heartbeatEvery,
    };
    // latched alarms whose input is back to normal wait for a reset (left out when none); inline,
    // not a channel method: each method costs RAM on Espruino
    const held: string[] = [];
    for (const ch of this.channels)
      if (ch instanceof ContactChannel && ch.latch && ch.level === ALARM && ch.reading() === 0) held.push(ch.name);
    if (held.length > 0) d['lat'] = held;
    return this.msg.send('heartbeat', '', d);
  }

  telemetry(i: number): string {
    const ch = this.channels[i];
    return this.msg.send('telemetry', ch.name, { v: ch.reading(), b: ch.baseline(), st: this.state(i) });
  }

  /** A channel changed level or raised/cleared a sensor trouble (ChannelListener). */
  channelEvent(kind: ChannelEventKind, ch: Channel, d: { [key: string]: unknown }): void {
    const i = this.channels.indexOf(ch);
    if (kind === 'clear' && i >= 0) this.hushUntil[i] = 0;
    this.msg.send(kind, ch.name, d);
    this.annunciate();
  }

  /** Battery or tamper trouble raised or cleared. */
  private trouble(raised: boolean, code: string, v: number): void {
    if (raised) this.msg.send('trouble', '', { code: code, v: v });
    else this.msg.send('trouble_clear', '', { code: code });
    this.annunciate();
  }

  private tick(): void {
    const now = this.board.clock.now();
    this.board.kickWatchdog();
    this.ticks++;
    for (let i = 0; i < this.channels.length; i++) {
      // A hush ends when it expires or when the reading rose by half the alarm threshold over
      // the reading at the hush. Inline, not a method: each method costs RAM on Espruino.
      if (this.hushUntil[i] === 0) continue;
      const ch = this.channels[i];
      const rose = ch instanceof AnalogChannel && ch.excess() >= this.hushExcess[i] + ch.alarmAt / 2;
      if (now < this.hushUntil[i] && !rose) continue;
      this.hushUntil[i] = 0;
      // Sounding again after a rise is a new alarm report: the fire grew while hushed.
      if (rose && ch.level === ALARM) {
        this.msg.send('alarm', ch.name, {
          v: ch.reading(),
          b: ch.baseline(),
          th: ch instanceof AnalogChannel ? ch.alarmAt : 1,
          src: ch.src,
        });
      }
    }
    if (this.testUntil > 0 && now >= this.testUntil) this.testUntil = 0;
    if (this.silenceUntil > 0 && now >= this.silenceUntil) this.silenceUntil = 0;
    this.annunciate();
    // one timer for the node: the battery and the link's housekeeping run on this tick
    if (this.batteryEveryS > 0 && this.ticks % this.batteryEveryS === 0) this.checkBattery();
    const link = this.msg.link;
    if (link && link.tick) link.tick();
    this.msg.flush(false);
    if (this.ticks % this.heartbeatEvery === 0) this.heartbeat();
    for (let i = 0; i < this.channels.length; i++) {
      const ch = this.channels[i];
      if (ch instanceof AnalogChannel && ch.reportEveryS > 0 && this.ticks % ch.reportEveryS === 0) this.telemetry(i);
    }
  }

  /** Reads the battery divider (the mean of a few reads); low is a trouble until BATTERY_HYST_MV above. */
  private checkBattery(): void {
    const input = this.batteryIn;
    if (!input) return;
    let sum = 0;
    for (let i = 0; i < BATTERY_READS; i++) sum += input.read();
    const mv = Math.round((sum / BATTERY_READS) * this.batteryMvPerScale);
    this.batteryMv = mv;
    if (!this.batteryLow && mv < this.batteryLowMv) {
      this.batteryLow = true;
      this.trouble(true, 'battery_low', mv);
    } else if (this.batteryLow && mv >= this.batteryLowMv + BATTERY_HYST_MV) {
      this.batteryLow = false;
      this.trouble(false, 'battery_low', mv);
    }
  }

  /** Picks the sounder and LED patterns from the node's state, most urgent first. */
  private annunciate(): void {
    const now = this.board.clock.now();
    let sound: A.SoundName | undefined;
    let light: A.LightName = 'normal';
    let trouble = this.batteryLow || this.tamperOpen;
    let pre = false;
    let hushed = false;
    for (let i = 0; i < this.channels.length; i++) {
      const ch = this.channels[i];
      if (ch.fault !== '') trouble = true;
      if (ch.level === PREALARM) pre = true;
      if (ch.level !== ALARM) continue;
      if (this.hushUntil[i] > 0) hushed = true;
      else if (sound !== 'fire') sound = ch.src === 'water' ? 'water' : 'fire';
    }
    if (sound !== undefined) light = 'alarm';
    else if (this.testUntil > 0) {
      sound = 'beeps';
      light = 'test';
    } else if (hushed) light = 'hushed';
    else if (pre) light = 'prealarm';
    else if (trouble) {
      sound = 'chirp';
      light = 'trouble';
    }
    if (this.silenceUntil > now) sound = undefined;
    this.sounder.play(sound);
    this.led.play(light);
  }
}
