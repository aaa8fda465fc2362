import { runInNewContext } from 'node:vm';
import { FrameDecoder } from '../../protocol/framing.ts';
import { VirtualClock } from '../../simulator/virtual-clock.ts';
import type { EspruinoGlobals, EspruinoWatchEvent } from '../espruino/globals.d.ts';
import { sha256Binary } from '../flash/hello-watch.ts';

/**
 * The built script in a `vm` whose globals are exactly firmware/espruino/globals.d.ts, on a
 * virtual clock: the same bundle a board runs, minified and with its member names shortened.
 * Pins are Espruino pin names ("D34"). Only what the script calls exists. A host-side tool: the
 * RAM estimate boots a node on it, and tests/firmware/build.test.ts runs the bundle in it.
 */
export class EspruinoVm {
  readonly clock = new VirtualClock(0);
  files: { [name: string]: string } = {};
  analog: { [pin: string]: number } = {};
  digital: { [pin: string]: number } = {};
  /** every digitalWrite: [ms, pin, level] */
  writes: [number, string, number][] = [];
  console: string[] = [];
  reboots = 0;
  private serial2Out = '';
  private serial2In: ((d: string) => void) | undefined;
  watches: { id: number; pin: string; fn: (e: EspruinoWatchEvent) => void }[] = [];
  /** the globals the script sees */
  readonly globals: EspruinoGlobals;
  private init: (() => void) | undefined;

  /** `script` runs at once in a fresh context; without one, only `globals` is prepared. */
  constructor(script?: string) {
    const vc = this.clock;
    const noop = () => {};
    const serial = (name: string) => ({
      setup: noop,
      on: (_e: 'data', fn: (d: string) => void) => {
        if (name === 'Serial2') this.serial2In = fn;
      },
      write: (d: string) => {
        if (name === 'Serial2') this.serial2Out += d;
      },
    });
    let watchId = 0;
    const modules: { [name: string]: unknown } = {};
    const module = (name: string): unknown => {
      if (name === 'Storage') {
        return {
          read: (n: string) => this.files[n],
          write: (n: string, d: string) => {
            this.files[n] = d;
            return true;
          },
          erase: (n: string) => {
            delete this.files[n];
          },
        };
      }
      if (name === 'crypto')
        return { SHA256: (s: string) => new Uint8Array(Buffer.from(sha256Binary(s), 'latin1')).buffer };
      throw new Error('module not on this board: ' + name);
    };
    const g: EspruinoGlobals = {
      E: {
        on: (_e, fn) => {
          this.init = fn;
        },
        enableWatchdog: noop,
        kickWatchdog: noop,
        reboot: () => {
          this.reboots++;
        },
        toString: (ab) => Buffer.from(ab).toString('latin1'),
      },
      // one object per module, made on the first require() and handed to every later one, as Espruino does
      require: ((name: string) => {
        if (!(name in modules)) modules[name] = module(name);
        return modules[name];
      }) as EspruinoGlobals['require'],
      analogRead: (pin) => this.analog[pin] ?? 0,
      digitalRead: (pin) => this.digital[pin] ?? 1,
      digitalWrite: (pin, v) => {
        this.writes.push([vc.now(), pin, v]);
      },
      pinMode: noop,
      setWatch: (fn, pin) => {
        this.watches.push({ id: ++watchId, pin, fn });
        return watchId;
      },
      setTimeout: (fn, ms) => vc.setTimeout(fn, ms),
      setInterval: (fn, ms) => vc.setInterval(fn, ms),
      clearTimeout: (id) => vc.clear(id),
      clearInterval: (id) => vc.clear(id),
      getTime: () => vc.now() / 1000,
      process: { memory: () => ({ free: 2100, usage: 900, total: 3000 }) },
      console: { log: (t: string) => this.console.push(t) },
      Serial1: serial('Serial1'),
      Serial2: serial('Serial2'),
      Serial3: serial('Serial3'),
    };
    this.globals = g;
    if (script !== undefined) runInNewContext(script, { ...g });
  }

  start(): void {
    if (!this.init) throw new Error('the script registered nothing on E.on("init")');
    this.init();
  }

  /** Sets a digital input and fires its watches, as Espruino does after the debounce. */
  setDigital(pin: string, level: number): void {
    this.digital[pin] = level;
    for (const w of this.watches.slice())
      if (w.pin === pin) w.fn({ state: level === 1, time: this.clock.now() / 1000 });
  }

  /** Bytes from the gateway on Serial2. */
  send(data: string): void {
    this.serial2In?.(data);
  }

  /** Frames the script wrote to Serial2 since the last call. */
  frames(): string[] {
    const out: string[] = [];
    new FrameDecoder({ frame: (p) => out.push(p), reject: () => {} }).push(this.serial2Out);
    this.serial2Out = '';
    return out;
  }
}
