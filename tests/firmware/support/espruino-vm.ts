import { runInContext } from 'node:vm';
import { FrameDecoder } from '../../../protocol/framing.ts';
import { buildGlobals } from '../../../simulator/board/espruino-env.ts';
import { espruinoContext } from '../../../simulator/board/espruino-realm.ts';
import { PinBank, type PinFeeds, type Watch } from '../../../simulator/board/pins.ts';
import { VirtualClock } from '../../../simulator/virtual-clock.ts';

/**
 * The built script on the simulator's Espruino emulation (simulator/board/espruino-env.ts in an
 * espruino-realm.ts context), driven by hand on a virtual clock: the test sets analog levels and
 * digital inputs, reads Storage files, what went out on Serial2 and the console. Pins are
 * Espruino pin names ("D34"). An exception escaping a callback fails the test at once.
 */
export class EspruinoVm {
  readonly clock = new VirtualClock(0);
  files: { [name: string]: string } = {};
  analog: { [pin: string]: number } = {};
  /** digital input levels; an input nobody set reads 1 (pulled up) */
  digital: { [pin: string]: number } = {};
  console: string[] = [];
  reboots = 0;
  /** the globals the script sees */
  readonly globals: Record<string, unknown>;
  readonly pins: PinBank;
  private serial2Out = '';
  private serial2In: ((d: string) => void) | undefined;

  /** `script` runs at once in a fresh context; without one, only `globals` is prepared. */
  constructor(script?: string) {
    const clock = this.clock;
    const feeds: PinFeeds = { analog: {}, digital: {} };
    for (let i = 0; i <= 39; i++) {
      const pin = `D${i}`;
      feeds.analog[pin] = () => this.analog[pin] ?? 0;
      feeds.digital[pin] = { level: () => this.digital[pin] ?? 1, edgesMs: [] };
    }
    this.pins = new PinBank(
      feeds,
      () => clock.now(),
      (fn, ms) => clock.setTimeout(fn, ms),
    );
    const files = this.files;
    const noop = () => {};
    this.globals = buildGlobals({
      now: () => clock.now(),
      uptimeMs: () => clock.now(),
      setTimer: (fn, ms, repeat) => (repeat ? clock.setInterval(fn, Math.max(1, ms)) : clock.setTimeout(fn, ms)),
      clearTimer: (id) => clock.clear(id),
      pins: this.pins,
      storage: {
        get: (n) => files[n],
        set: (n, t) => {
          files[n] = t;
        },
        delete: (n) => delete files[n],
        keys: () => Object.keys(files),
      },
      net: {
        connect: () => {
          throw new Error('no network on this board: use the serial link');
        },
      },
      uarts: {
        Serial1: { write: noop, attach: () => noop },
        Serial2: {
          write: (d) => {
            this.serial2Out += d;
          },
          attach: (receive) => {
            this.serial2In = receive;
            return () => {
              this.serial2In = undefined;
            };
          },
        },
        Serial3: { write: noop, attach: () => noop },
      },
      wifi: { available: () => false, rssi: () => 0, onChange: () => noop },
      console: (line) => this.console.push(line),
      uncaught: (err) => {
        throw err;
      },
      watchdog: { enable: noop, kick: noop },
      reboot: () => {
        this.reboots++;
      },
      resetCause: 'power',
      freeJsVars: () => 2100,
    });
    if (script !== undefined) runInContext(script, espruinoContext(this.globals));
  }

  start(): void {
    (this.globals.E as { emit(e: string): void }).emit('init');
  }

  /** every digitalWrite that changed an output: [ms, pin, level] */
  get writes(): [number, string, number][] {
    return this.pins.outputs.map((o) => [o.tMs, o.pin, o.level]);
  }

  /** the pin watches set now */
  get watches(): readonly Watch[] {
    return this.pins.active;
  }

  /** Sets a digital input; its watches fire once their debounce has passed, as on Espruino. */
  setDigital(pin: string, level: number): void {
    this.digital[pin] = level;
    this.pins.edge(pin);
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
