/**
 * The node's hardware interface, in the spirit of ECMA-419: every I/O object is made from one
 * options object and has read/write/close plus an `onReadable`-style callback. The detection
 * logic and the node behaviour use only these; firmware/espruino/board.ts implements them
 * with Espruino's globals, the tests implement them on a VirtualClock.
 *
 * Pins are always named ("smoke", "button", ...): the board maps names to Espruino pins.
 */
import type { Sha256 } from '../protocol/hmac.ts';

export type { Sha256 };

/** Opaque timer handle. */
export type Timer = unknown;

/** Monotonic milliseconds since boot and timers. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): Timer;
  setInterval(fn: () => void, ms: number): Timer;
  clear(timer: Timer): void;
}

export interface AnalogInputOptions {
  /** pin name, e.g. "smoke" */
  pin: string;
}
/** An ADC input: read() is 0..1 of full scale. */
export interface AnalogInput {
  read(): number;
}

/** A change of a watched input, as Espruino's setWatch reports it. */
export interface WatchEvent {
  /** the level after debouncing: true = high */
  state: boolean;
}

export interface DigitalInputOptions {
  pin: string;
  pull: 'up' | 'down' | 'none';
  /**
   * called after every change (after `debounceMs` of hardware debouncing). Espruino's own event,
   * so the board hands this function to setWatch as it is: a wrapper closure would keep these
   * options alive, costing JsVars for as long as the watch lives.
   */
  onReadable: (e: WatchEvent) => void;
  debounceMs: number;
}
/** A watched input: it stays watched while the node runs (nothing stops a channel). */
export interface DigitalInput {
  read(): number;
}

export interface DigitalOutputOptions {
  pin: string;
}
export interface DigitalOutput {
  write(level: number): void;
}

/** Small named files that survive a reboot. Names are at most 28 characters. */
export interface Storage {
  read(name: string): string | undefined;
  write(name: string, text: string): boolean;
}

/** Bytes out (a UART: it stays open while the node runs). Data are "binary strings", one char per byte. */
export interface WriteStream {
  write(data: string): void;
}

/** A TCP socket: the link ends it to reconnect. Espruino's own socket has this shape. */
export interface Stream extends WriteStream {
  end(): void;
}

export interface UartOptions {
  /** "Serial2" */
  port: string;
  baud: number;
  rx?: string;
  tx?: string;
  onReadable: (data: string) => void;
}

export interface TcpOptions {
  host: string;
  port: number;
  onConnect: () => void;
  onReadable: (data: string) => void;
  /**
   * called when the socket closed or failed to connect; a failed connection may report twice
   * (Espruino's 'error' then 'close'), so a caller acts on the first and ignores the rest
   */
  onClose: () => void;
}

/**
 * The Wi-Fi station. Espruino's own `Wifi` module has this shape and the board hands it out as it
 * is: a wrapper class would cost its constructor, prototype, methods and instance in RAM.
 */
export interface Wifi {
  /** starts (or restarts) connecting; `cb(err)` when the attempt ends, err null on success */
  connect(ssid: string, options: { password: string }, cb: (err: string | null) => void): void;
  /** 'connected' on every (re)connection; 'disconnected' when the station lost its access point */
  on(event: 'connected' | 'disconnected', fn: () => void): void;
  /** station details; rssi in dBm when connected */
  getDetails(cb: (details: { rssi?: number }) => void): void;
}

export type ResetCause = 'power' | 'watchdog' | 'software' | 'unknown';

/**
 * What only booting needs from the board: inputs and outputs, the link's UART or Wi-Fi, the reset
 * cause, the watchdog's start. Apart from the Board so that on Espruino it is garbage once the
 * node runs (see `Board.setup`).
 */
export interface BoardSetup {
  analogInput(options: AnalogInputOptions): AnalogInput;
  digitalInput(options: DigitalInputOptions): DigitalInput;
  digitalOutput(options: DigitalOutputOptions): DigitalOutput;
  uart(options: UartOptions): WriteStream;
  /** the Wi-Fi station (Espruino: one module object, the same on every call) */
  wifi(): Wifi;
  resetCause(): ResetCause;
  /** starts the hardware watchdog; `Board.kickWatchdog` must then be called more often than timeoutS */
  startWatchdog(timeoutS: number): void;
}

/** Everything a running node needs from its board. */
export interface Board {
  /** pin names to the board's pins (from the node config); set once at boot */
  pins: { [name: string]: string };
  clock: Clock;
  storage: Storage;
  sha256: Sha256;
  tcp(options: TcpOptions): Stream;
  /** one line on the console (the installer's USB port) */
  log(line: string): void;
  /** free interpreter memory (JsVars on Espruino) */
  freeMemory(): number;
  kickWatchdog(): void;
  reboot(): void;
  /**
   * The boot-only parts, until bootNode deletes them once the node runs: on Espruino they are then
   * garbage (why: RAM). Call them inline (`board.setup!.digitalInput(...)`), never through a local
   * variable or a parameter: a closure keeps its maker's whole scope alive, and the setup with it
   * (measured on the interpreter by tests/espruino/ram.test.ts).
   */
  setup?: BoardSetup;
}
