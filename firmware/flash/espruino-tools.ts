import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { FlashError } from './errors.ts';

/**
 * EspruinoTools (the `espruino` package) loaded once, in offline mode. It is written for a
 * browser: loading it defines a global `Espruino` with a config map, "processors" (hooks) and
 * a serial layer with pluggable devices. Only the parts parkwatch calls are typed here.
 */

type Callback<T> = (value: T) => void;

/** A transport EspruinoTools can open (see its core/serial_node_serial.js). */
export interface EspruinoDevice {
  name: string;
  getPorts: (cb: (ports: { path: string; description: string }[], instant: boolean) => void) => void;
  open: (
    path: string,
    opened: (info: string | undefined) => void,
    received: (data: ArrayBuffer) => void,
    disconnected: () => void,
  ) => void;
  write: (data: string, done: () => void) => void;
  close: () => void;
}

interface EspruinoGlobal {
  Config: Record<string, unknown>;
  addProcessor: (event: string, fn: (data: unknown, next: Callback<unknown>) => void) => void;
  callProcessor: (event: string, data: unknown, done: Callback<unknown>) => void;
  Core: {
    Env: { getData: () => Record<string, unknown>; setFirmwareVersion: (v: string) => void };
    CodeWriter: { reformatCode: (code: string) => string | undefined };
    Notifications: Record<'success' | 'error' | 'warning' | 'info', (msg: unknown) => void>;
    Serial: {
      devices: EspruinoDevice[];
      open: (path: string, connected: (info: unknown) => void, disconnected: () => void) => void;
      close: () => void;
      isConnected: () => boolean;
      startListening: (fn: ((data: ArrayBuffer) => void) | undefined) => unknown;
      write: (data: string, showStatus: boolean, done: () => void) => void;
      setSlowWrite: (on: boolean, force?: boolean) => void;
      /** its transmit queue: empty and idle once everything was written and each pause waited */
      connection: { txInProgress: boolean; txDataQueue: unknown[] };
    };
    Utils: {
      executeExpression: (expr: string, done: (result: string | undefined) => void) => void;
      getUploadFileCode: (name: string, contents: string) => string;
    };
  };
}

const here = dirname(fileURLToPath(import.meta.url));
export const BOARDS_DIR = join(here, 'boards');

const BoardJson = z.object({
  info: z.object({
    name: z.string(),
    binary_version: z.string().regex(/^\d+v\d+/),
    builtin_modules: z.array(z.string()).min(1),
  }),
});

/** What went to EspruinoTools' notification area while it worked; failures among them stop a flash. */
export interface ToolsLog {
  warnings: string[];
  errors: string[];
  /** URLs EspruinoTools tried to fetch; any entry means the offline setup has a hole */
  blockedUrls: string[];
}

export interface LoadedTools {
  E: EspruinoGlobal;
  log: ToolsLog;
  builtinModules: string[];
}

let loaded: LoadedTools | undefined;

/** Runs `fn` with console.log/info/warn/error silenced (EspruinoTools narrates everything there). */
export async function quietly<T>(verbose: boolean, fn: () => Promise<T>): Promise<T> {
  if (verbose) return fn();
  const saved = { log: console.log, info: console.info, warn: console.warn, error: console.error };
  const mute = () => {};
  console.log = mute;
  console.info = mute;
  console.warn = mute;
  console.error = mute;
  try {
    return await fn();
  } finally {
    Object.assign(console, saved);
  }
}

/**
 * Loads EspruinoTools with everything that would go online switched off: board JSON from
 * firmware/flash/boards, no module URLs, no online compiler or minifier, no Bluetooth, and only
 * the transport parkwatch gives it. Any URL it still asks for is recorded, not fetched.
 */
export async function loadEspruinoTools(board = 'ESP32'): Promise<LoadedTools> {
  if (loaded) return loaded;
  const boardPath = join(BOARDS_DIR, `${board}.json`);
  let boardJson: z.output<typeof BoardJson> & Record<string, unknown>;
  try {
    boardJson = BoardJson.passthrough().parse(JSON.parse(readFileSync(boardPath, 'utf8')));
  } catch (err) {
    throw new FlashError('board_file', {
      zh: `板卡描述文件 ${boardPath} 缺失或无效`,
      en: `board description ${boardPath} is missing or invalid: ${(err as Error).message}`,
      hint: '重新获取 parkwatch 源码 / restore the file from the parkwatch sources',
    });
  }
  const require = createRequire(import.meta.url);
  const espruino = require('espruino') as { init: (done: () => void) => void };
  await new Promise<void>((resolve) => espruino.init(resolve));
  const E = (globalThis as unknown as { Espruino: EspruinoGlobal }).Espruino;
  const log: ToolsLog = { warnings: [], errors: [], blockedUrls: [] };

  Object.assign(E.Config, {
    ENV_ON_CONNECT: false,
    BOARD_JSON_URL: BOARDS_DIR,
    MODULE_URL: '',
    COMPILATION: false,
    MINIFICATION_LEVEL: '',
    MODULE_MINIFICATION_LEVEL: '',
    PRETOKENISE: 0,
    SET_TIME_ON_WRITE: false,
    BLUETOOTH_LOW_ENERGY: false,
    BLUETOOTH_LOW_ENERGY_DBUS: false,
    WEB_BLUETOOTH: false,
    // code goes to Storage ".bootcde", which Espruino runs at every boot; then `load()` restarts
    SAVE_ON_SEND: 1,
    RESET_BEFORE_SEND: true,
    STORE_LINE_NUMBERS: false,
  });
  E.Core.Serial.devices.length = 0;
  E.addProcessor('getURL', (data, next) => {
    const request = data as { url: string; data?: string };
    if (/^https?:/i.test(request.url)) {
      log.blockedUrls.push(request.url);
      next({ ...request, data: '' });
    } else next(request);
  });
  E.Core.Notifications = {
    success: () => {},
    info: () => {},
    warning: (msg) => log.warnings.push(String(msg)),
    error: (msg) => log.errors.push(String(msg)),
  };

  const env = E.Core.Env.getData();
  env.BOARD = board;
  Object.assign(env, boardJson);
  await new Promise((resolve) => E.callProcessor('boardJSONLoaded', env, resolve));
  E.Core.Env.setFirmwareVersion(boardJson.info.binary_version);
  loaded = { E, log, builtinModules: boardJson.info.builtin_modules };
  return loaded;
}
