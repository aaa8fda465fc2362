/**
 * The Espruino globals the firmware uses, and nothing else: the contract the simulator's
 * VirtualBoard implements (it runs firmware/dist/parkwatch-node.js in a `vm` context whose
 * globals are an `EspruinoGlobals`). Pins are passed as names ("D34"); Espruino accepts them.
 *
 * Only firmware/espruino/board.ts and main.ts touch these (through `declare const`).
 */

/** `E` */
export interface EspruinoE {
  /** the firmware registers its start on 'init' (after boot and after `load()`) */
  on(event: 'init', fn: () => void): void;
  /** hardware watchdog; isAuto = false: the script must call kickWatchdog() in time */
  enableWatchdog(timeoutS: number, isAuto: boolean): void;
  kickWatchdog(): void;
  reboot(): void;
  /** ArrayBuffer (from crypto.SHA256) to a binary string */
  toString(data: ArrayBuffer): string;
}

/** require('Storage') */
export interface EspruinoStorage {
  /** the file's text, or undefined when there is none */
  read(name: string): string | undefined;
  /** true when written */
  write(name: string, data: string): boolean;
  erase(name: string): void;
}

/** require('crypto') */
export interface EspruinoCrypto {
  SHA256(data: string): ArrayBuffer;
}

/** A socket from require('net').connect */
export interface EspruinoSocket {
  on(event: 'data', fn: (data: string) => void): void;
  on(event: 'close' | 'error', fn: () => void): void;
  write(data: string): void;
  end(): void;
}

/** require('net') */
export interface EspruinoNet {
  /** `onConnect` runs when the connection is up; failures arrive as 'error' then 'close' */
  connect(options: { host: string; port: number }, onConnect: () => void): EspruinoSocket;
}

/** require('Wifi') (station mode) */
export interface EspruinoWifi {
  /** cb(err): err is null on success */
  connect(ssid: string, options: { password: string }, cb: (err: string | null) => void): void;
  on(event: 'connected' | 'disconnected', fn: () => void): void;
  /** station details; rssi in dBm when connected */
  getDetails(cb: (details: { rssi?: number }) => void): void;
}

/** Serial1..Serial3 */
export interface EspruinoSerial {
  setup(baud: number, options: { rx?: string; tx?: string }): void;
  on(event: 'data', fn: (data: string) => void): void;
  write(data: string): void;
}

export type EspruinoPinMode = 'input' | 'input_pullup' | 'input_pulldown' | 'output';

export interface EspruinoWatchEvent {
  state: boolean;
  time: number;
}

export interface EspruinoGlobals {
  E: EspruinoE;
  require(name: 'Storage'): EspruinoStorage;
  require(name: 'crypto'): EspruinoCrypto;
  require(name: 'net'): EspruinoNet;
  require(name: 'Wifi'): EspruinoWifi;
  /** 0..1 of full scale; ADC1 pins only on ESP32 (D32-D39) */
  analogRead(pin: string): number;
  digitalRead(pin: string): number;
  digitalWrite(pin: string, value: number): void;
  pinMode(pin: string, mode: EspruinoPinMode): void;
  /** calls fn on every edge (after `debounce` ms); returns an id (the node never clears a watch) */
  setWatch(
    fn: (e: EspruinoWatchEvent) => void,
    pin: string,
    options: { repeat: boolean; edge: 'both'; debounce: number },
  ): number;
  setTimeout(fn: () => void, ms: number): number;
  setInterval(fn: () => void, ms: number): number;
  clearTimeout(id: number): void;
  clearInterval(id: number): void;
  /** seconds since boot (float) */
  getTime(): number;
  process: { memory(): { free: number; usage: number; total: number } };
  console: { log(text: string): void };
  Serial1: EspruinoSerial;
  Serial2: EspruinoSerial;
  Serial3: EspruinoSerial;
}
