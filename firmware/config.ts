/**
 * Node config: the JSON file a node reads from Storage at boot, its defaults, and the
 * Espruino-safe validator the node runs on it. firmware/node-config-schema.ts is the zod
 * mirror for Node (flash, gateway set_config, simulator); a test keeps the two in step.
 *
 * Why these defaults: see docs/firmware.md ("Defaults and their reasons").
 */

/** Storage file names (Espruino allows at most 28 characters). */
export const CONFIG_FILE = 'pw.cfg';
export const BOOT_FILE = 'pw.boot';

export type SignalSource = 'smoke' | 'water' | 'heat';

export interface MqttLinkConfig {
  kind: 'mqtt';
  ssid: string;
  pass: string;
  host: string;
  port: number;
}

export interface SerialLinkConfig {
  kind: 'serial';
  /** Espruino UART name, e.g. "Serial2" (Serial1 is the console on most ESP32 boards) */
  uart: string;
  baud: number;
  /** pin names of the UART; undefined keeps the board's default */
  rx?: string;
  tx?: string;
}

export type LinkConfig = MqttLinkConfig | SerialLinkConfig;

/**
 * An analog channel (photoelectric smoke chamber, water level, heat). Readings are converted
 * to integer units: unit = (analog - zero) * gain, so 0 is the factory clean-air level.
 * Smoke default unit: 0.001 dB/m obscuration (mdB/m).
 */
export interface AnalogChannelConfig {
  name: string;
  kind: 'analog';
  /** name of a pin in `pins` */
  pin: string;
  src: SignalSource;
  /** true: the signal rises with smoke/water; false: it falls (e.g. ionisation chamber) */
  rising: boolean;
  /** sampling interval, ms */
  everyMs: number;
  /** median window in samples (1, 3 or 5): rejects single-sample spikes */
  median: number;
  /** exponential smoothing weight of a new sample, 0 < smooth <= 1 (1 = none) */
  smooth: number;
  /** analog reading (0..1) of clean air / dry probe at the factory */
  zero: number;
  /** units per full analog scale */
  gain: number;
  /** pre-alarm and alarm thresholds above the baseline, units */
  pre: number;
  alarm: number;
  /** a state clears when the reading falls this many units below its threshold */
  hyst: number;
  /** the reading must stay over the alarm threshold this long before an alarm, s */
  verifyS: number;
  /** valid analog range; outside it for faultS is an open (below) or short (above) circuit */
  lo: number;
  hi: number;
  faultS: number;
  /** the baseline follows the reading only while it is within `quiet` units, at most driftPerH units per hour */
  quiet: number;
  driftPerH: number;
  /** baseline may move at most `comp` units from zero; at the limit the channel reports "dirty" */
  comp: number;
  /** telemetry interval, s (0 = none) */
  telemetryS: number;
}

/** A contact channel (a listed detector's relay output, a water rope or probe). */
export interface ContactChannelConfig {
  name: string;
  kind: 'contact';
  pin: string;
  src: SignalSource;
  /** input level that means "active" (alarm) */
  active: 0 | 1;
  pull: 'up' | 'down' | 'none';
  /** input must stay active this long before an alarm (delayed-on), ms */
  onMs: number;
  /** input must stay inactive this long before clearing (delayed-off), ms */
  offMs: number;
  /** stay in alarm after the input goes inactive until reset by the button or a reboot */
  latch: boolean;
}

export type ChannelConfig = AnalogChannelConfig | ContactChannelConfig;

export interface BatteryConfig {
  /** name of a pin in `pins` */
  pin: string;
  /** millivolts at the battery per full analog scale (ESP32 ADC ~3.3 V times the divider ratio) */
  mvPerScale: number;
  lowMv: number;
  /** check interval, s (GB 20517-2025: at least every 24 h) */
  everyS: number;
}

export interface TamperConfig {
  pin: string;
  /** input level that means the case is open */
  active: 0 | 1;
}

/** Named pins: the logic never sees pin numbers. Values are Espruino pin names ("D34"). */
export interface PinMap {
  [name: string]: string;
}

export interface NodeConfig {
  id: string;
  /** HMAC key, hex, 32-128 characters (16-64 bytes) */
  key: string;
  link: LinkConfig;
  /** heartbeat interval, s */
  heartbeatS: number;
  pins: PinMap;
  channels: ChannelConfig[];
  battery?: BatteryConfig;
  tamper?: TamperConfig;
}

/**
 * Default pins and the defaults of a photoelectric smoke channel, a water probe on a contact input
 * and the battery divider (docs/firmware.md explains each). Made when asked for, not kept: on a
 * node only the validator needs them (firmware/node-config-schema.ts exports them for Node).
 */
export function configDefaults() {
  return {
    pins: {
      smoke: 'D34',
      water: 'D32',
      battery: 'D35',
      button: 'D0',
      sounder: 'D25',
      led: 'D2',
      tamper: 'D27',
    } as PinMap,
    smoke: {
      rising: true,
      everyMs: 1000,
      median: 3,
      smooth: 1,
      zero: 0.1,
      gain: 3000,
      pre: 80,
      alarm: 150,
      hyst: 30,
      verifyS: 8,
      lo: 0.02,
      hi: 0.97,
      faultS: 10,
      quiet: 20,
      driftPerH: 2,
      comp: 120,
      telemetryS: 300,
    },
    water: {
      active: 0 as 0 | 1,
      pull: 'up' as 'up' | 'down' | 'none',
      onMs: 3000,
      offMs: 30000,
      latch: true,
    },
    battery: { mvPerScale: 6600, lowMv: 3450, everyS: 3600 },
  };
}

export const HEARTBEAT_DEFAULT_S = 30;
export const MAX_CHANNELS = 4;

export type ConfigResult = { ok: true; config: NodeConfig } | { ok: false; error: string };

/**
 * Validates a parsed config and fills in defaults. Never throws. Its helpers, defaults and
 * patterns are made inside the call (Espruino keeps a nested function in flash until its outer
 * function runs), so they cost RAM only at boot and on set_config, not while the node watches.
 */
export function validateConfig(raw: unknown): ConfigResult {
  const D = configDefaults();
  // Espruino's regular expressions have no `?`, `{n}` or `{n,m}` (such a pattern silently never
  // matches): each pattern is `+`/`*` over a class, and its length bounds go to `str` beside it.
  const ID_RE = /^[A-Za-z0-9_-]+$/;
  const KEY_RE = /^[0-9a-fA-F]+$/;
  const PIN_RE = /^[A-Z][0-9A-Z]*$/;

  /** Thrown inside validation; carries the path of the bad field. */
  function bad(path: string, what: string): Error {
    return new Error(path + ': ' + what);
  }

  function obj(v: unknown, path: string): { [k: string]: unknown } {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bad(path, 'must be an object');
    return v as { [k: string]: unknown };
  }

  /** Text of min..max characters that matches `re` (when given). */
  function str(
    o: { [k: string]: unknown },
    k: string,
    path: string,
    re: RegExp | undefined,
    min: number,
    max: number,
    def?: string,
  ): string {
    const v = o[k];
    if (v === undefined && def !== undefined) return def;
    if (typeof v !== 'string' || v.length < min || v.length > max || (re !== undefined && !re.test(v))) {
      throw bad(path + '.' + k, 'bad or missing text');
    }
    return v;
  }

  function text(o: { [k: string]: unknown }, k: string, path: string, min: number, max: number, def?: string): string {
    const v = str(o, k, path, undefined, 0, 1e9, def);
    if (v.length < min || v.length > max) throw bad(path + '.' + k, 'must be ' + min + '..' + max + ' characters');
    return v;
  }

  function num(o: { [k: string]: unknown }, k: string, path: string, min: number, max: number, def?: number): number {
    const v = o[k];
    if (v === undefined && def !== undefined) return def;
    if (typeof v !== 'number' || !isFinite(v) || v < min || v > max) {
      throw bad(path + '.' + k, 'must be a number in ' + min + '..' + max);
    }
    return v;
  }

  /** A count: heartbeat and check intervals go into messages whose fields are integers. */
  function whole(o: { [k: string]: unknown }, k: string, path: string, min: number, max: number, def?: number): number {
    const v = num(o, k, path, min, max, def);
    if (Math.floor(v) !== v) throw bad(path + '.' + k, 'must be a whole number in ' + min + '..' + max);
    return v;
  }

  function bool(o: { [k: string]: unknown }, k: string, path: string, def: boolean): boolean {
    const v = o[k];
    if (v === undefined) return def;
    if (typeof v !== 'boolean') throw bad(path + '.' + k, 'must be true or false');
    return v;
  }

  function oneOf<T extends string>(o: { [k: string]: unknown }, k: string, path: string, allowed: T[], def?: T): T {
    const v = o[k];
    if (v === undefined && def !== undefined) return def;
    if (allowed.indexOf(v as T) < 0) throw bad(path + '.' + k, 'must be one of ' + allowed.join('|'));
    return v as T;
  }

  function level(o: { [k: string]: unknown }, k: string, path: string, def: 0 | 1): 0 | 1 {
    return num(o, k, path, 0, 1, def) === 1 ? 1 : 0;
  }

  function pinRef(o: { [k: string]: unknown }, k: string, path: string, pins: PinMap, def: string): string {
    const name = str(o, k, path, undefined, 0, 1e9, def);
    if (pins[name] === undefined) throw bad(path + '.' + k, 'no pin named "' + name + '" in pins');
    return name;
  }

  function link(v: unknown): LinkConfig {
    const o = obj(v, 'link');
    const kind = oneOf(o, 'kind', 'link', ['mqtt', 'serial']);
    if (kind === 'mqtt') {
      return {
        kind: 'mqtt',
        ssid: text(o, 'ssid', 'link', 1, 32, undefined),
        pass: text(o, 'pass', 'link', 0, 64, ''),
        host: str(o, 'host', 'link', /^[A-Za-z0-9.-]+$/, 1, 64),
        port: whole(o, 'port', 'link', 1, 65535, 1883),
      };
    }
    const s: SerialLinkConfig = {
      kind: 'serial',
      uart: str(o, 'uart', 'link', /^Serial[1-3]$/, 7, 7, 'Serial2'),
      baud: whole(o, 'baud', 'link', 1200, 921600, 115200),
    };
    if (o['rx'] !== undefined) s.rx = str(o, 'rx', 'link', PIN_RE, 1, 6);
    if (o['tx'] !== undefined) s.tx = str(o, 'tx', 'link', PIN_RE, 1, 6);
    return s;
  }

  function analog(o: { [k: string]: unknown }, p: string, name: string, pins: PinMap): AnalogChannelConfig {
    const d = D.smoke;
    const c: AnalogChannelConfig = {
      name: name,
      kind: 'analog',
      pin: pinRef(o, 'pin', p, pins, name),
      src: oneOf<SignalSource>(o, 'src', p, ['smoke', 'water', 'heat'], 'smoke'),
      rising: bool(o, 'rising', p, d.rising),
      everyMs: num(o, 'everyMs', p, 100, 60000, d.everyMs),
      median: num(o, 'median', p, 1, 5, d.median),
      smooth: num(o, 'smooth', p, 0.01, 1, d.smooth),
      zero: num(o, 'zero', p, 0, 1, d.zero),
      gain: num(o, 'gain', p, 1, 1000000, d.gain),
      pre: num(o, 'pre', p, 1, 1000000, d.pre),
      alarm: num(o, 'alarm', p, 1, 1000000, d.alarm),
      hyst: num(o, 'hyst', p, 0, 1000000, d.hyst),
      verifyS: num(o, 'verifyS', p, 0, 120, d.verifyS),
      lo: num(o, 'lo', p, 0, 1, d.lo),
      hi: num(o, 'hi', p, 0, 1, d.hi),
      faultS: num(o, 'faultS', p, 0, 600, d.faultS),
      quiet: num(o, 'quiet', p, 0, 1000000, d.quiet),
      driftPerH: num(o, 'driftPerH', p, 0, 1000000, d.driftPerH),
      comp: num(o, 'comp', p, 0, 1000000, d.comp),
      telemetryS: whole(o, 'telemetryS', p, 0, 86400, d.telemetryS),
    };
    if (c.median !== 1 && c.median !== 3 && c.median !== 5) throw bad(p + '.median', 'must be 1, 3 or 5');
    if (c.pre > c.alarm) throw bad(p + '.pre', 'must not be above alarm');
    if (c.hyst >= c.pre) throw bad(p + '.hyst', 'must be below pre');
    if (c.lo >= c.zero || c.hi <= c.zero) throw bad(p + '.zero', 'must lie inside lo..hi');
    return c;
  }

  function contact(o: { [k: string]: unknown }, p: string, name: string, pins: PinMap): ContactChannelConfig {
    const d = D.water;
    return {
      name: name,
      kind: 'contact',
      pin: pinRef(o, 'pin', p, pins, name),
      src: oneOf<SignalSource>(o, 'src', p, ['smoke', 'water', 'heat'], 'water'),
      active: level(o, 'active', p, d.active),
      pull: oneOf(o, 'pull', p, ['up', 'down', 'none'], d.pull),
      onMs: num(o, 'onMs', p, 0, 600000, d.onMs),
      offMs: num(o, 'offMs', p, 0, 3600000, d.offMs),
      latch: bool(o, 'latch', p, d.latch),
    };
  }

  function channels(v: unknown, pins: PinMap): ChannelConfig[] {
    if (!Array.isArray(v) || v.length < 1 || v.length > MAX_CHANNELS) {
      throw bad('channels', 'must be a list of 1..' + MAX_CHANNELS + ' channels');
    }
    const out: ChannelConfig[] = [];
    for (let i = 0; i < v.length; i++) {
      const p = 'channels[' + i + ']';
      const o = obj(v[i], p);
      const name = str(o, 'name', p, /^[a-z][a-z0-9_]*$/, 1, 16);
      for (const c of out) if (c.name === name) throw bad(p + '.name', 'duplicate channel name');
      const kind = oneOf(o, 'kind', p, ['analog', 'contact']);
      out.push(kind === 'analog' ? analog(o, p, name, pins) : contact(o, p, name, pins));
    }
    return out;
  }

  function pinMap(v: unknown): PinMap {
    const pins: PinMap = {};
    for (const k of Object.keys(D.pins)) pins[k] = D.pins[k];
    if (v === undefined) return pins;
    const o = obj(v, 'pins');
    for (const k of Object.keys(o)) pins[k] = str(o, k, 'pins', PIN_RE, 1, 6);
    return pins;
  }

  /**
   * The whole config, or a throw naming the bad field. A function of its own because of an
   * Espruino 2v29 bug: an exception thrown while an object literal's value is evaluated, with
   * more properties after it, escapes a try/catch in the same function (measured on the
   * interpreter). Thrown from inside this call, it reaches the try below like any other.
   */
  function build(): NodeConfig {
    const o = obj(raw, 'config');
    const pins = pinMap(o['pins']);
    const cfg: NodeConfig = {
      id: str(o, 'id', 'config', ID_RE, 1, 32),
      key: str(o, 'key', 'config', KEY_RE, 32, 128),
      link: link(o['link']),
      heartbeatS: whole(o, 'heartbeatS', 'config', 5, 3600, HEARTBEAT_DEFAULT_S),
      pins: pins,
      channels: channels(o['channels'], pins),
    };
    const b = o['battery'];
    if (b !== undefined) {
      const bo = obj(b, 'battery');
      const d = D.battery;
      cfg.battery = {
        pin: pinRef(bo, 'pin', 'battery', pins, 'battery'),
        mvPerScale: num(bo, 'mvPerScale', 'battery', 1000, 20000, d.mvPerScale),
        lowMv: num(bo, 'lowMv', 'battery', 1000, 20000, d.lowMv),
        everyS: whole(bo, 'everyS', 'battery', 10, 86400, d.everyS),
      };
    }
    const t = o['tamper'];
    if (t !== undefined) {
      const to = obj(t, 'tamper');
      cfg.tamper = { pin: pinRef(to, 'pin', 'tamper', pins, 'tamper'), active: level(to, 'active', 'tamper', 1) };
    }
    return cfg;
  }

  try {
    const config = build();
    return { ok: true, config: config };
  } catch (e) {
    return { ok: false, error: String((e as Error).message || e) };
  }
}

/** Parses and validates the text of the Storage file; undefined text means "no config". */
export function parseConfig(text: string | undefined): ConfigResult {
  if (text === undefined || text === '') return { ok: false, error: CONFIG_FILE + ': missing' };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (_e) {
    return { ok: false, error: CONFIG_FILE + ': not JSON' };
  }
  return validateConfig(raw);
}
