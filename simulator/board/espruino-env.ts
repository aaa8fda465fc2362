import { createHash } from 'node:crypto';
import type { NetProvider, SocketHandle, UartEnd } from './links.ts';
import type { PinBank } from './pins.ts';

/**
 * Espruino's globals, as far as the firmware uses them (firmware/espruino/globals.d.ts is the
 * contract), implemented for one boot of a VirtualBoard. Everything the firmware schedules
 * goes through `BootServices`, so a power cut can drop it all at once.
 */
export interface BootServices {
  now(): number;
  /** ms since this boot (Espruino's getTime() counts from power-on) */
  uptimeMs(): number;
  setTimer(fn: () => void, ms: number, repeat: boolean): number;
  clearTimer(id: number): void;
  pins: PinBank;
  storage: StorageFiles;
  net: NetProvider;
  uarts: Record<string, UartEnd>;
  wifi: WifiControl;
  console(line: string): void;
  /** an exception escaped a callback: Espruino prints it and carries on */
  uncaught(err: unknown): void;
  watchdog: { enable(timeoutS: number): void; kick(): void };
  reboot(): void;
  resetCause: string;
  freeJsVars(): number;
}

/** Storage's files (flash): a Map, a FolderStorage, or a test's view of its own object. */
export interface StorageFiles {
  get(name: string): string | undefined;
  set(name: string, text: string): unknown;
  delete(name: string): unknown;
  keys(): Iterable<string>;
}

/** The simulated access point: the scenario turns it off and on (Wi-Fi drop). */
export interface WifiControl {
  available(): boolean;
  rssi(): number;
  /** the board registers to hear when the access point goes away or comes back */
  onChange(fn: (up: boolean) => void): () => void;
}

type Listener = (...args: unknown[]) => void;

/** Minimal `on/emit/removeAllListeners`, like Espruino objects. */
class Emitter {
  private listeners = new Map<string, Listener[]>();
  on(event: string, fn: Listener): this {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), fn]);
    return this;
  }
  removeAllListeners(event?: string): void {
    if (event === undefined) this.listeners.clear();
    else this.listeners.delete(event);
  }
  emit(event: string, ...args: unknown[]): void {
    for (const fn of this.listeners.get(event) ?? []) fn(...args);
  }
}

export function pinName(pin: unknown): string {
  if (typeof pin === 'string') return pin;
  if (pin && typeof pin === 'object' && 'name' in pin) return String((pin as { name: string }).name);
  return String(pin);
}

/** Espruino Pin object (D0..D39). */
function makePin(name: string, s: BootServices) {
  return {
    name,
    read: () => s.pins.digitalRead(name) === 1,
    write: (v: unknown) => s.pins.digitalWrite(name, v ? 1 : 0),
    set: () => s.pins.digitalWrite(name, 1),
    reset: () => s.pins.digitalWrite(name, 0),
    mode: () => undefined,
    toString: () => name,
  };
}

export function buildGlobals(s: BootServices): Record<string, unknown> {
  const guard =
    (fn: (...a: unknown[]) => unknown) =>
    (...a: unknown[]) => {
      try {
        fn(...a);
      } catch (err) {
        s.uncaught(err);
      }
    };
  const E = new Emitter();
  // Espruino makes a module once and hands the same object to every require() of it (Wi-Fi's
  // listeners, set through one require, are heard through another).
  const modules: Record<string, unknown> = {};
  const g: Record<string, unknown> = {
    E: Object.assign(E, {
      enableWatchdog: (timeoutS: number) => s.watchdog.enable(timeoutS),
      kickWatchdog: () => s.watchdog.kick(),
      reboot: () => s.reboot(),
      getErrorFlags: () => [],
      toString: (buf: ArrayBuffer | Uint8Array | string) =>
        typeof buf === 'string' ? buf : Buffer.from(buf as ArrayBuffer).toString('latin1'),
    }),
    process: {
      memory: () => ({ free: s.freeJsVars(), usage: 0, total: 4000 }),
      env: { VERSION: '2v29-sim', BOARD: 'ESP32' },
    },
    console: { log: (...a: unknown[]) => s.console(a.map(String).join(' ')) },
    getTime: () => s.uptimeMs() / 1000,
    setTimeout: (fn: () => void, ms?: number) => s.setTimer(guard(fn), Number(ms) || 0, false),
    setInterval: (fn: () => void, ms?: number) => s.setTimer(guard(fn), Number(ms) || 0, true),
    clearTimeout: (id?: number) => id !== undefined && s.clearTimer(id),
    clearInterval: (id?: number) => id !== undefined && s.clearTimer(id),
    analogRead: (pin: unknown) => s.pins.analogRead(pinName(pin)),
    digitalRead: (pin: unknown) => s.pins.digitalRead(pinName(pin)),
    digitalWrite: (pin: unknown, v: unknown) => s.pins.digitalWrite(pinName(pin), v ? 1 : 0),
    pinMode: () => undefined,
    setWatch: (fn: Listener, pin: unknown, opts?: { repeat?: boolean; edge?: string; debounce?: number }) =>
      s.pins.setWatch({
        pin: pinName(pin),
        fn: guard(fn),
        repeat: opts?.repeat ?? false,
        edge: opts?.edge === 'rising' || opts?.edge === 'falling' ? opts.edge : 'both',
        debounceMs: opts?.debounce ?? 0,
      }),
    clearWatch: (id?: number) => s.pins.clearWatch(id),
    require: (name: string) => {
      if (!(name in modules)) modules[name] = requireModule(name, s, guard);
      return modules[name];
    },
  };
  for (let i = 0; i <= 39; i++) g[`D${i}`] = makePin(`D${i}`, s);
  for (const [name, uart] of Object.entries(s.uarts)) g[name] = makeUart(uart, guard);
  return g;
}

function requireModule(name: string, s: BootServices, guard: (fn: Listener) => Listener): unknown {
  switch (name) {
    case 'Storage':
      return {
        read: (f: string) => s.storage.get(f),
        readJSON: (f: string) => {
          const t = s.storage.get(f);
          return t === undefined ? undefined : JSON.parse(t);
        },
        write: (f: string, data: string) => {
          if (f.length > 28) throw new Error(`Storage name too long: ${f}`);
          s.storage.set(f, String(data));
          return true;
        },
        writeJSON: (f: string, v: unknown) => {
          s.storage.set(f, JSON.stringify(v));
          return true;
        },
        erase: (f: string) => s.storage.delete(f),
        list: () => [...s.storage.keys()],
        getFree: () => 100000,
      };
    case 'crypto':
      return {
        SHA256: (data: string) => {
          const digest = createHash('sha256')
            .update(Buffer.from(String(data), 'latin1'))
            .digest();
          return digest.buffer.slice(digest.byteOffset, digest.byteOffset + digest.length);
        },
      };
    case 'net':
      return { connect: (opts: { host: string; port: number }, cb?: () => void) => makeSocket(s, opts, cb, guard) };
    case 'Wifi':
      return makeWifi(s, guard);
    default:
      throw new Error(`Module ${name} not found`);
  }
}

function makeSocket(
  s: BootServices,
  opts: { host: string; port: number },
  cb: (() => void) | undefined,
  guard: (fn: Listener) => Listener,
) {
  const socket = new Emitter();
  let handle: SocketHandle | undefined;
  let open = false;
  const api = Object.assign(socket, {
    write: (data: string) => {
      if (open && handle) handle.write(String(data));
    },
    end: () => {
      open = false;
      handle?.end();
    },
  });
  if (!s.wifi.available()) {
    s.setTimer(
      guard(() => socket.emit('error', { message: 'no Wi-Fi' })),
      0,
      false,
    );
    s.setTimer(
      guard(() => socket.emit('close', true)),
      0,
      false,
    );
    return api;
  }
  // a Wi-Fi drop kills the socket
  const off = s.wifi.onChange((up) => {
    if (!up) handle?.end();
  });
  handle = s.net.connect(opts.host, Number(opts.port), {
    onConnect: guard(() => {
      open = true;
      cb?.();
      socket.emit('connect');
    }),
    onData: guard((d: unknown) => socket.emit('data', d)),
    onClose: guard((reason: unknown) => {
      off();
      const was = open;
      open = false;
      if (!was) socket.emit('error', { message: String(reason) });
      socket.emit('close', !was);
    }),
  });
  return api;
}

function makeWifi(s: BootServices, guard: (fn: Listener) => Listener) {
  const wifi = new Emitter();
  let wanted = false;
  let connected = false;
  const settle = () => {
    const up = wanted && s.wifi.available();
    if (up === connected) return;
    connected = up;
    wifi.emit(up ? 'connected' : 'disconnected', {});
  };
  s.wifi.onChange(() => s.setTimer(guard(settle), 0, false));
  return Object.assign(wifi, {
    connect: (_ssid: string, _opts: unknown, cb?: (err: unknown) => void) => {
      wanted = true;
      // association takes a moment on a real ESP32
      s.setTimer(
        guard(() => {
          settle();
          cb?.(connected ? null : 'no AP');
        }),
        1500,
        false,
      );
    },
    disconnect: () => {
      wanted = false;
      s.setTimer(guard(settle), 0, false);
    },
    getStatus: () => ({ station: connected ? 'connected' : 'off' }),
    getDetails: (cb?: (d: unknown) => void) => {
      const d = { status: connected ? 'connected' : 'off', rssi: connected ? s.wifi.rssi() : 0 };
      cb?.(d);
      return d;
    },
    getIP: (cb?: (err: unknown, ip: unknown) => void) => {
      const ip = { ip: connected ? '10.0.0.42' : '0.0.0.0' };
      cb?.(null, ip);
      return ip;
    },
    setHostname: () => undefined,
  });
}

function makeUart(uart: UartEnd, guard: (fn: Listener) => Listener) {
  const port = new Emitter();
  let detach: (() => void) | undefined;
  return Object.assign(port, {
    setup: () => {
      detach?.();
      detach = uart.attach(guard((d: unknown) => port.emit('data', d)));
    },
    write: (data: unknown) => uart.write(String(data)),
    print: (data: unknown) => uart.write(String(data)),
    println: (data: unknown) => uart.write(`${String(data)}\r\n`),
  });
}
