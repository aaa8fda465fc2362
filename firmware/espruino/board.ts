import type { PinMap } from '../config.ts';
import type {
  AnalogInput,
  AnalogInputOptions,
  Board,
  Clock,
  DigitalInput,
  DigitalInputOptions,
  DigitalOutput,
  DigitalOutputOptions,
  ResetCause,
  Storage,
  Stream,
  TcpOptions,
  UartOptions,
  Wifi,
  WifiOptions,
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
declare function clearWatch(id: number): void;
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

const clock: Clock = {
  now: () => getTime() * 1000,
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  setInterval: (fn, ms) => setInterval(fn, ms),
  // Espruino's clearTimeout clears intervals too: the ids share one table.
  clear: (t) => clearTimeout(t as number),
};

const storage: Storage = {
  read: (name) => require('Storage').read(name),
  write: (name, text) => require('Storage').write(name, text),
};

/** Board implemented with Espruino's globals; pins are looked up by name in the node config's map. */
export class EspruinoBoard implements Board {
  clock = clock;
  storage = storage;
  private pins: PinMap = {};
  private rssiDbm = 0;

  usePins(pins: PinMap): void {
    this.pins = pins;
  }

  sha256(binary: string): string {
    // biome-ignore lint/style/useNodejsImportProtocol: Espruino's built-in module, not Node's
    return E.toString(require('crypto').SHA256(binary));
  }

  hasPin(name: string): boolean {
    return this.pins[name] !== undefined;
  }

  analogInput(o: AnalogInputOptions): AnalogInput {
    const pin = this.pin(o.pin);
    return { read: () => analogRead(pin), close: () => {} };
  }

  digitalInput(o: DigitalInputOptions): DigitalInput {
    const pin = this.pin(o.pin);
    pinMode(pin, o.pull === 'up' ? 'input_pullup' : o.pull === 'down' ? 'input_pulldown' : 'input');
    const id = setWatch((e) => o.onReadable(e.state ? 1 : 0), pin, {
      repeat: true,
      edge: 'both',
      debounce: o.debounceMs,
    });
    return { read: () => digitalRead(pin), close: () => clearWatch(id) };
  }

  digitalOutput(o: DigitalOutputOptions): DigitalOutput {
    const pin = this.pin(o.pin);
    if (pin === '') return { write: () => {}, close: () => {} };
    pinMode(pin, 'output');
    return { write: (v) => digitalWrite(pin, v), close: () => digitalWrite(pin, 0) };
  }

  uart(o: UartOptions): Stream {
    const port = o.port === 'Serial1' ? Serial1 : o.port === 'Serial3' ? Serial3 : Serial2;
    port.setup(o.baud, { rx: o.rx, tx: o.tx });
    port.on('data', o.onReadable);
    return { write: (d) => port.write(d), close: () => port.removeAllListeners('data') };
  }

  tcp(o: TcpOptions): Stream {
    let closed = false;
    // biome-ignore lint/style/useNodejsImportProtocol: Espruino's built-in module, not Node's
    const sock = require('net').connect({ host: o.host, port: o.port }, o.onConnect);
    const done = () => {
      if (closed) return;
      closed = true;
      o.onClose();
    };
    sock.on('data', o.onReadable);
    sock.on('close', done);
    sock.on('error', done);
    return { write: (d) => sock.write(d), close: () => sock.end() };
  }

  wifi(o: WifiOptions): Wifi {
    const w = require('Wifi');
    w.on('connected', o.onConnected);
    w.on('disconnected', o.onDisconnected);
    return {
      connect: () =>
        w.connect(o.ssid, { password: o.pass }, (err) => {
          // A failed attempt gets no 'disconnected' event; report it so the link retries.
          if (err) o.onDisconnected();
        }),
      rssi: () => {
        w.getDetails((d) => {
          this.rssiDbm = d.rssi || 0;
        });
        return this.rssiDbm;
      },
    };
  }

  log(line: string): void {
    console.log(line);
  }

  freeMemory(): number {
    return process.memory().free;
  }

  resetCause(): ResetCause {
    const s = require('Storage');
    if (s.read(RESET_FILE) === 'software') {
      s.erase(RESET_FILE);
      return 'software';
    }
    return 'unknown';
  }

  startWatchdog(timeoutS: number): void {
    E.enableWatchdog(timeoutS, false);
  }

  kickWatchdog(): void {
    E.kickWatchdog();
  }

  reboot(): void {
    require('Storage').write(RESET_FILE, 'software');
    E.reboot();
  }

  /** Espruino pin name for a named pin; "" when the config has none (the output is then a no-op). */
  private pin(name: string): string {
    return this.pins[name] || '';
  }
}
