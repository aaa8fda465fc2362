import type {
  AnalogInput,
  AnalogInputOptions,
  Board,
  BoardSetup,
  Clock,
  DigitalInput,
  DigitalInputOptions,
  DigitalOutput,
  DigitalOutputOptions,
  ResetCause,
  Stream,
  TcpOptions,
  UartOptions,
  WatchEvent,
  Wifi,
  WriteStream,
} from '../../../firmware/hal.ts';
import { nodeSha256 } from '../../../gateway/wire/node-sha256.ts';
import { FrameDecoder } from '../../../protocol/framing.ts';
import { VirtualClock } from '../../../simulator/virtual-clock.ts';

/** A Clock on a VirtualClock: time moves only when the test says so. */
export function virtualClock(vc: VirtualClock): Clock {
  return {
    now: () => vc.now(),
    setTimeout: (fn, ms) => vc.setTimeout(fn, ms),
    setInterval: (fn, ms) => vc.setInterval(fn, ms),
    clear: (t) => vc.clear(t as number),
  };
}

/**
 * Espruino's Wifi module played on a clock: an attempt connects after `delayMs` (the 'connected'
 * event, then the callback) or fails while `away`; `drop()` is the access point going away
 * ('disconnected').
 */
export class PlayedWifi implements Wifi {
  connects = 0;
  /** no access point in reach: an attempt fails (the callback's error, no event) */
  away = false;
  private listeners: { [event: string]: (() => void)[] } = {};

  constructor(
    private clock: Clock,
    private delayMs: number,
    private rssiDbm: number,
  ) {}

  on(event: 'connected' | 'disconnected', fn: () => void): void {
    this.listeners[event] = [...(this.listeners[event] ?? []), fn];
  }

  connect(_ssid: string, _o: { password: string }, cb: (err: string | null) => void): void {
    this.connects++;
    this.clock.setTimeout(() => {
      if (this.away) return cb('no AP');
      this.emit('connected');
      cb(null);
    }, this.delayMs);
  }

  getDetails(cb: (d: { rssi?: number }) => void): void {
    cb({ rssi: this.rssiDbm });
  }

  drop(): void {
    this.emit('disconnected');
  }

  private emit(event: string): void {
    for (const fn of this.listeners[event] ?? []) fn();
  }
}

/**
 * A Board for tests: analog and digital inputs are values the test sets by pin name, outputs
 * record every level change with its time, Storage is a dictionary, the UART is a pair of
 * strings. Only the ESP32 pins are fake here; the logic, protocol and crypto are real.
 */
export class TestBoard implements Board, BoardSetup {
  readonly vc: VirtualClock;
  clock: Clock;
  pins: { [name: string]: string } = {};
  analog: { [name: string]: number } = {};
  digital: { [name: string]: number } = {};
  /** output pin name -> [time, level] for every write that changed the level */
  outputs: { [name: string]: [number, number][] } = {};
  files: { [name: string]: string } = {};
  logs: string[] = [];
  uartOut = '';
  reboots = 0;
  watchdogKicks = 0;
  watchdogS = 0;
  memory = 2500;
  cause: ResetCause = 'power';
  private watchers: { [name: string]: ((e: WatchEvent) => void)[] } = {};
  private uartReader: ((data: string) => void) | undefined;

  constructor(vc?: VirtualClock, clock?: Clock) {
    this.vc = vc ?? new VirtualClock(0);
    this.clock = clock ?? virtualClock(this.vc);
    this.storage = {
      read: (name) => this.files[name],
      write: (name, text) => {
        if (name.length > 28) throw new Error('Storage name over 28 chars: ' + name);
        this.files[name] = text;
        return true;
      },
    };
  }

  storage: Board['storage'];
  sha256 = nodeSha256;

  /** The boot-only parts are this board's own methods; a getter, which bootNode's delete leaves, so a test can boot again. */
  get setup(): BoardSetup {
    return this;
  }

  analogInput(o: AnalogInputOptions): AnalogInput {
    return { read: () => this.analog[o.pin] ?? 0 };
  }

  digitalInput(o: DigitalInputOptions): DigitalInput {
    const list = this.watchers[o.pin] ?? [];
    this.watchers[o.pin] = list;
    list.push(o.onReadable);
    if (this.digital[o.pin] === undefined) this.digital[o.pin] = o.pull === 'up' ? 1 : 0;
    return { read: () => this.digital[o.pin] };
  }

  /** Sets a digital input and calls its watchers (as setWatch would after its debounce). */
  setDigital(name: string, level: number): void {
    if (this.digital[name] === level) return;
    this.digital[name] = level;
    for (const fn of (this.watchers[name] ?? []).slice()) fn({ state: level === 1 });
  }

  /** Presses and releases the button. */
  press(): void {
    this.setDigital('button', 0);
    this.vc.advance(200);
    this.setDigital('button', 1);
  }

  digitalOutput(o: DigitalOutputOptions): DigitalOutput {
    const log: [number, number][] = [];
    this.outputs[o.pin] = log;
    // outputs start low; only changes are recorded
    return {
      write: (v) => {
        if ((log.length === 0 ? 0 : log[log.length - 1][1]) !== v) log.push([this.clock.now(), v]);
      },
    };
  }

  /** Output level changes of `pin` between two times. */
  changes(pin: string, from: number, to: number): [number, number][] {
    return (this.outputs[pin] ?? []).filter(([t]) => t >= from && t < to);
  }

  uart(o: UartOptions): WriteStream {
    this.uartReader = o.onReadable;
    return {
      write: (d) => {
        this.uartOut += d;
      },
    };
  }

  /** Bytes from the gateway to the node's UART. */
  uartIn(data: string): void {
    if (this.uartReader) this.uartReader(data);
  }

  /** Takes the frames the node wrote to its UART so far (payloads, i.e. sealed wire strings). */
  takeFrames(): string[] {
    const frames: string[] = [];
    const d = new FrameDecoder({ frame: (p) => frames.push(p), reject: (r) => frames.push('REJECT ' + r.reason) });
    d.push(this.uartOut);
    this.uartOut = '';
    return frames;
  }

  tcp(_o: TcpOptions): Stream {
    throw new Error('TestBoard has no TCP; use the MQTT test board');
  }

  wifi(): Wifi {
    throw new Error('TestBoard has no Wi-Fi; use the MQTT test board');
  }

  log(line: string): void {
    this.logs.push(line);
  }

  freeMemory(): number {
    return this.memory;
  }

  resetCause(): ResetCause {
    return this.cause;
  }

  startWatchdog(timeoutS: number): void {
    this.watchdogS = timeoutS;
  }

  kickWatchdog(): void {
    this.watchdogKicks++;
  }

  reboot(): void {
    this.reboots++;
  }
}
