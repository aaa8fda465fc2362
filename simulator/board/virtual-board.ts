import { Script } from 'node:vm';
import type { TimerId, VirtualClock } from '../virtual-clock.ts';
import { type BootServices, buildGlobals, type WifiControl } from './espruino-env.ts';
import { espruinoContext } from './espruino-realm.ts';
import { type NetProvider, noNetwork, type UartEnd } from './links.ts';
import { PinBank, type PinFeeds } from './pins.ts';

/**
 * An ESP32 running the firmware's compiled script (firmware/dist/parkwatch-node.js) inside a
 * node:vm context whose Espruino globals are fed by traces on a VirtualClock. Power can be cut
 * and restored; Storage survives, everything else (timers, watches, sockets) does not, exactly
 * as on the board. The watchdog reboots a board whose script stops kicking it.
 */
export interface VirtualBoardOptions {
  /** used in error messages */
  name: string;
  script: Script;
  clock: VirtualClock;
  feeds: PinFeeds;
  /** in memory by default; a FolderStorage keeps it on disk */
  storage?: Map<string, string>;
  net?: NetProvider;
  uarts?: Record<string, UartEnd>;
  wifi?: WifiControl;
  /** every console line, with the virtual time it was printed */
  onConsole?: (line: string, tMs: number) => void;
}

export type ResetCause = 'power' | 'watchdog' | 'software';

/** Free JsVars reported to the firmware: a mid-range ESP32 figure with Wi-Fi up. */
const FREE_JSVARS = 2200;

export class VirtualBoard {
  readonly storage: Map<string, string>;
  readonly pins: PinBank;
  readonly errors: { tMs: number; message: string }[] = [];
  boots = 0;
  private timers = new Set<TimerId>();
  private bootAt = 0;
  private running = false;
  private wifiListeners = new Set<(up: boolean) => void>();

  constructor(private o: VirtualBoardOptions) {
    this.storage = o.storage ?? new Map();
    this.pins = new PinBank(
      o.feeds,
      () => o.clock.now(),
      (fn, ms) => o.clock.setTimeout(fn, ms),
    );
    this.scheduleEdges();
  }

  /** Loads a script file once; boards share the compiled Script. */
  static compile(source: string, filename: string): Script {
    return new Script(source, { filename });
  }

  get isRunning(): boolean {
    return this.running;
  }

  powerOn(cause: ResetCause = 'power'): void {
    if (this.running) return;
    this.running = true;
    this.boots++;
    this.bootAt = this.o.clock.now();
    const globals = buildGlobals(this.services(cause));
    const context = espruinoContext(globals);
    try {
      this.o.script.runInContext(context);
      (globals.E as { emit(e: string): void }).emit('init');
    } catch (err) {
      this.fail(err);
    }
  }

  /** Power cut: every timer, watch, output and socket of this boot is gone. */
  powerCut(): void {
    if (!this.running) return;
    this.running = false;
    for (const id of this.timers) this.o.clock.clear(id);
    this.timers.clear();
    this.pins.powerDown();
    for (const fn of [...this.wifiListeners]) fn(false);
    this.wifiListeners.clear();
  }

  private restart(cause: ResetCause): void {
    this.powerCut();
    this.powerOn(cause);
  }

  private fail(err: unknown): void {
    const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    this.errors.push({ tMs: this.o.clock.now(), message });
    this.o.onConsole?.(`Uncaught ${message}`, this.o.clock.now());
  }

  /** Each edge of a digital input is an interrupt for the watches on its pin (while powered). */
  private scheduleEdges(): void {
    for (const [pin, feed] of Object.entries(this.o.feeds.digital)) {
      for (const edge of feed.edgesMs) {
        this.o.clock.setTimeout(() => this.running && this.pins.edge(pin), Math.max(0, edge - this.o.clock.now()));
      }
    }
  }

  private services(cause: ResetCause): BootServices {
    const clock = this.o.clock;
    let wdTimeoutMs = 0;
    let lastKick = 0;
    const self = this;
    const setTimer = (fn: () => void, ms: number, repeat: boolean): number => {
      let id: TimerId;
      const run = () => {
        if (!repeat) this.timers.delete(id);
        fn();
      };
      id = repeat ? clock.setInterval(run, Math.max(1, ms)) : clock.setTimeout(run, ms);
      this.timers.add(id);
      return id;
    };
    const watchdogCheck = () => {
      if (clock.now() - lastKick >= wdTimeoutMs) this.restart('watchdog');
      else setTimer(watchdogCheck, lastKick + wdTimeoutMs - clock.now(), false);
    };
    const wifi = this.o.wifi ?? { available: () => true, rssi: () => -60, onChange: () => () => {} };
    return {
      now: () => clock.now(),
      uptimeMs: () => clock.now() - this.bootAt,
      setTimer,
      clearTimer: (id) => {
        clock.clear(id);
        this.timers.delete(id);
      },
      pins: this.pins,
      storage: this.storage,
      net: this.o.net ?? noNetwork,
      uarts: this.o.uarts ?? {},
      wifi: {
        available: () => wifi.available(),
        rssi: () => wifi.rssi(),
        onChange(fn) {
          const off = wifi.onChange(fn);
          self.wifiListeners.add(fn);
          return () => {
            off();
            self.wifiListeners.delete(fn);
          };
        },
      },
      console: (line) => this.o.onConsole?.(line, clock.now()),
      uncaught: (err) => this.fail(err),
      watchdog: {
        enable: (timeoutS) => {
          wdTimeoutMs = timeoutS * 1000;
          lastKick = clock.now();
          setTimer(watchdogCheck, wdTimeoutMs, false);
        },
        kick: () => {
          lastKick = clock.now();
        },
      },
      reboot: () => setTimer(() => this.restart('software'), 0, false),
      resetCause: cause,
      freeJsVars: () => FREE_JSVARS,
    };
  }
}
