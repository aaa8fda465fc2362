import type { PinMap } from '../config.ts';
import type {
  AnalogInput,
  Board,
  BoardSetup,
  Clock,
  DigitalInput,
  DigitalOutput,
  Storage,
  Stream,
  TcpOptions,
  Timer,
} from '../hal.ts';
import type {
  EspruinoCrypto,
  EspruinoE,
  EspruinoNet,
  EspruinoPinMode,
  EspruinoSerial,
  EspruinoStorage,
  EspruinoWatchEvent,
  EspruinoWifi,
} from './globals.d.ts';

// The Espruino globals (firmware/espruino/globals.d.ts); module-local so Node's types do not mix in.
declare const E: EspruinoE;
declare function require(name: 'Storage'): EspruinoStorage;
declare function require(name: 'crypto'): EspruinoCrypto;
declare function require(name: 'net'): EspruinoNet;
declare function require(name: 'Wifi'): EspruinoWifi;
declare function analogRead(pin: string): number;
declare function digitalRead(pin: string): number;
declare function digitalWrite(pin: string, value: number): void;
declare function pinMode(pin: string, mode: EspruinoPinMode): void;
declare function setWatch(
  fn: (e: EspruinoWatchEvent) => void,
  pin: string,
  options: { repeat: boolean; edge: 'both'; debounce: number },
): number;
declare function setTimeout(fn: () => void, ms: number): number;
declare function setInterval(fn: () => void, ms: number): number;
declare function clearTimeout(id: number): void;
declare function getTime(): number;
declare const process: { memory(): { free: number } };
declare const console: { log(text: string): void };
declare const Serial1: EspruinoSerial;
declare const Serial2: EspruinoSerial;
declare const Serial3: EspruinoSerial;

/** Written before a software reboot so the next boot can report it (Espruino has no reset-cause call). */
const RESET_FILE = 'pw.rst';

// I/O objects are small classes, not object literals of closures: on Espruino a closure costs a
// function, its code link and the scope it keeps alive, while a method is shared by every instance.

/**
 * An analog input, a digital input or a digital output: one class for all three (a class costs
 * ~14 JsVars before its instances, a field one JsVar per instance).
 */
class Pin implements AnalogInput, DigitalInput, DigitalOutput {
  constructor(
    private pin: string,
    private analog: boolean,
  ) {}
  read(): number {
    return this.analog ? analogRead(this.pin) : digitalRead(this.pin);
  }
  /** A pin the config does not name ("") is a no-op output. */
  write(level: number): void {
    if (this.pin !== '') digitalWrite(this.pin, level);
  }
}

/**
 * The board's boot-only parts (hal.ts BoardSetup), deleted by bootNode once the node runs. Why
 * functions made by a function, not methods: methods of a top-level class exist for good, these
 * only while the board holds them (RAM). They make no closure, and the object is returned, not
 * kept in a local, so nothing they leave behind (watches, listeners) keeps them alive.
 */
function espruinoSetup(board: EspruinoBoard): BoardSetup {
  return {
    analogInput: (o) => new Pin(board.pins[o.pin] || '', true),
    digitalInput: (o) => {
      const pin = board.pins[o.pin] || '';
      pinMode(pin, o.pull === 'up' ? 'input_pullup' : o.pull === 'down' ? 'input_pulldown' : 'input');
      setWatch(o.onReadable, pin, { repeat: true, edge: 'both', debounce: o.debounceMs });
      return new Pin(pin, false);
    },
    digitalOutput: (o) => {
      const pin = board.pins[o.pin] || '';
      if (pin !== '') pinMode(pin, 'output');
      return new Pin(pin, false);
    },
    // The UART is Espruino's own object (it has write): no wrapper class.
    uart: (o) => {
      const port = o.port === 'Serial1' ? Serial1 : o.port === 'Serial3' ? Serial3 : Serial2;
      port.setup(o.baud, { rx: o.rx, tx: o.tx });
      port.on('data', o.onReadable);
      return port;
    },
    // Espruino's own module: the same object on every require (listeners set on it stay)
    wifi: () => require('Wifi'),
    resetCause: () => {
      const s = require('Storage');
      if (s.read(RESET_FILE) === 'software') {
        s.erase(RESET_FILE);
        return 'software';
      }
      return 'unknown';
    },
    startWatchdog: (timeoutS) => E.enableWatchdog(timeoutS, false),
  };
}

/**
 * Board implemented with Espruino's globals; pins are looked up by name in the node config's map.
 * The board is also the node's clock and storage: one class instead of three (each class costs
 * its constructor, prototype and instance on Espruino).
 */
export class EspruinoBoard implements Board, Clock, Storage {
  clock: Clock = this;
  storage: Storage = this;
  pins: PinMap = {};
  setup?: BoardSetup = espruinoSetup(this);
  // Espruino's own functions stored as properties, not methods that only forward: a built-in
  // function kept as a value is one JsVar, a method at least four. They do not use `this`.
  setTimeout: (fn: () => void, ms: number) => Timer = setTimeout;
  setInterval: (fn: () => void, ms: number) => Timer = setInterval;
  // Espruino's clearTimeout clears intervals too: the ids share one table.
  clear = clearTimeout as (t: Timer) => void;
  kickWatchdog: () => void = E.kickWatchdog;
  log: (line: string) => void = console.log;

  now(): number {
    return getTime() * 1000;
  }

  read(name: string): string | undefined {
    return require('Storage').read(name);
  }
  write(name: string, text: string): boolean {
    return require('Storage').write(name, text);
  }

  sha256(binary: string): string {
    // biome-ignore lint/style/useNodejsImportProtocol: Espruino's built-in module, not Node's
    return E.toString(require('crypto').SHA256(binary));
  }

  // The socket is Espruino's own object (it has write and end): no wrapper class, which would
  // cost its constructor, prototype, methods and instance.
  tcp(o: TcpOptions): Stream {
    // biome-ignore lint/style/useNodejsImportProtocol: Espruino's built-in module, not Node's
    const sock = require('net').connect({ host: o.host, port: o.port }, o.onConnect);
    sock.on('data', o.onReadable);
    sock.on('close', o.onClose);
    sock.on('error', o.onClose);
    return sock;
  }

  freeMemory(): number {
    return process.memory().free;
  }

  reboot(): void {
    require('Storage').write(RESET_FILE, 'software');
    E.reboot();
  }
}
