import { createHash } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import vm from 'node:vm';
import { SerialPort } from 'serialport';
import { nodeSha256 } from '../../gateway/wire/node-sha256.ts';
import { encodeFrame, type NodeMessage, PROTOCOL_VERSION, seal } from '../../protocol/index.ts';
import { CapturedUart } from '../../simulator/board/links.ts';
import { VirtualBoard } from '../../simulator/board/virtual-board.ts';
import { VirtualClock } from '../../simulator/virtual-clock.ts';

/**
 * A fake ESP32 running Espruino, for the flash tests: it sits on a real PTY (socat) or serves a
 * telnet-style TCP console, and answers like Espruino's console does. Every line the tools send
 * is executed for real in a small JS sandbox with the Espruino globals the upload uses (print,
 * reset, load, require("Storage"), atob, process.env), so Storage ends up with exactly what was
 * written. On `load()` it either plays the firmware's boot output as firmware/README.md describes
 * it (signed hello, one telemetry per channel, one heartbeat, from the config it was given), or,
 * with `firmware: 'virtual'`, runs the uploaded .bootcde itself in the simulator's VirtualBoard
 * on a virtual clock and sends what that prints.
 *
 * The only fake part is the interpreter; the wire (PTY or TCP) and the bytes are real.
 */
export type BoardBehaviour =
  /** a working board with the parkwatch firmware */
  | 'normal'
  /** powered but not running Espruino (or wrong baud): never answers */
  | 'silent'
  /** Espruino answers, but the uploaded firmware never prints a hello */
  | 'no-hello'
  /** every Storage write fails, as on a full flash */
  | 'storage-full'
  /** the firmware finds its config invalid and prints PW-UNCONFIGURED instead of a hello */
  | 'unconfigured'
  /** the firmware signs with another key than the one written */
  | 'wrong-key';

export interface FakeBoardOptions {
  behaviour?: BoardBehaviour;
  /** fwh the fake firmware reports, computed from the uploaded .bootcde */
  firmwareHash?: (script: string) => string;
  /** fw version the fake firmware reports */
  firmwareVersion?: string;
  /** process.env.MODULES of the fake Espruino */
  modules?: string[];
  /** 'frames': print the boot frames described in firmware/README.md; 'virtual': run the uploaded script */
  firmware?: 'frames' | 'virtual';
  /** printed when the first byte arrives, as a running (old) firmware would be printing */
  chatter?: string;
  /** after each Storage.write, send XOFF and hold it this long before XON, as a busy Espruino does */
  xoffMs?: number;
  /** hang up the line this long after load(), as a console that does not survive the restart */
  hangUpAfterLoadMs?: number;
}

/** Quiet inputs for the default pins (firmware/config.ts DEFAULT_PINS): clean air, dry probe, no button. */
const QUIET_PINS = {
  analog: { D34: () => 0.104, D35: () => 0.6 },
  digital: {
    D32: { level: () => 1, edgesMs: [] },
    D0: { level: () => 1, edgesMs: [] },
    D27: { level: () => 0, edgesMs: [] },
  },
};

const ENV = { VERSION: '2v29', BOARD: 'ESP32', CONSOLE: 'Serial1' };
const DEFAULT_MODULES = ['Flash', 'Storage', 'heatshrink', 'crypto', 'net', 'dgram', 'http', 'tls', 'Wifi', 'ESP32'];

export function sha256Hex(text: string): string {
  return createHash('sha256').update(Buffer.from(text, 'latin1')).digest('hex');
}

export class FakeBoard {
  /** every byte received, in order (latin1: one char per byte) */
  received = '';
  /** the lines executed, without the echo-off marker */
  readonly executed: string[] = [];
  /** Storage files, as binary strings */
  readonly storage = new Map<string, string>();
  boots = 0;
  /** bytes that arrived during each XOFF hold (xoffMs) */
  readonly bytesWhilePaused: number[] = [];
  private line = '';
  private echo = true;
  private send: (text: string) => void = () => {};
  private context: vm.Context;
  private behaviour: BoardBehaviour;

  constructor(private options: FakeBoardOptions = {}) {
    this.behaviour = options.behaviour ?? 'normal';
    const storage = {
      write: (name: string, data: string, offset?: number, size?: number) =>
        this.storageWrite(name, data, offset, size),
      read: (name: string) => this.storage.get(name),
      erase: (name: string) => this.storage.delete(name),
    };
    this.context = vm.createContext({
      print: (...args: unknown[]) => this.out(args.map(String).join(' ') + '\r\n'),
      reset: () => {},
      load: () => {
        const hangUp = this.options.hangUpAfterLoadMs;
        if (hangUp !== undefined) setTimeout(() => this.hangUp(), hangUp);
        else setTimeout(() => this.boot(), 50);
      },
      require: (name: string) => {
        if (name === 'Storage') return storage;
        throw new Error(`Module ${name} not found`);
      },
      atob: (b64: string) => Buffer.from(b64, 'base64').toString('latin1'),
      process: { env: { ...ENV, MODULES: (options.modules ?? DEFAULT_MODULES).join(',') } },
    });
  }

  /** Feeds bytes from the wire. */
  receive(chunk: string): void {
    if (this.received === '' && this.options.chatter) this.out(this.options.chatter);
    if (this.behaviour === 'silent') {
      this.received += chunk;
      return;
    }
    for (const ch of chunk) {
      this.received += ch;
      this.char(ch);
    }
  }

  /** `hangUp` ends the connection (TCP only). */
  attach(send: (text: string) => void, hangUp: () => void = () => {}): void {
    this.send = send;
    this.hangUp = hangUp;
  }

  private hangUp: () => void = () => {};

  private out(text: string): void {
    this.send(text);
  }

  private char(ch: string): void {
    if (ch === '\x03') {
      this.line = '';
      this.echo = true;
      this.out('\r\n>');
      return;
    }
    if (ch === '\x10' && this.line === '') {
      this.echo = false;
      return;
    }
    // ESC + newline (Alt-Enter) continues the line without running it
    if (ch === '\n' && this.line.endsWith('\x1b')) {
      this.line = this.line.slice(0, -1) + '\n';
      return;
    }
    if (ch === '\r') return;
    if (ch !== '\n') {
      this.line += ch;
      if (this.echo) this.out(ch);
      return;
    }
    const code = this.line;
    const echoed = this.echo;
    this.line = '';
    this.echo = true;
    if (code.trim() === '') {
      this.out('\r\n>');
      return;
    }
    this.executed.push(code);
    if (this.options.xoffMs && code.includes('require("Storage").write(')) this.holdInput(this.options.xoffMs);
    let result: unknown;
    try {
      result = vm.runInContext(code, this.context);
    } catch (err) {
      this.out(`Uncaught ${(err as Error).name}: ${(err as Error).message}\r\n`);
    }
    if (echoed) this.out(`\r\n=${result === undefined ? 'undefined' : JSON.stringify(result)}\r\n>`);
  }

  private holdInput(ms: number): void {
    this.out('\x13');
    const from = this.received.length;
    setTimeout(() => {
      this.bytesWhilePaused.push(this.received.length - from);
      this.out('\x11');
    }, ms);
  }

  private storageWrite(name: string, data: string, offset = 0, size?: number): boolean {
    if (this.behaviour === 'storage-full') throw new Error('Not enough free space in Storage');
    if (name.length > 28) throw new Error('File name too long');
    let file = this.storage.get(name) ?? '';
    if (size !== undefined) file = '\xff'.repeat(size);
    file = file.slice(0, offset) + data + file.slice(offset + data.length);
    this.storage.set(name, file);
    return true;
  }

  /** What the parkwatch firmware prints on its console after a restart. */
  private boot(): void {
    this.boots++;
    this.out('\r\n');
    if (this.behaviour === 'no-hello') return;
    if (this.options.firmware === 'virtual') {
      this.runUploaded();
      return;
    }
    const text = this.storage.get('pw.cfg');
    if (text === undefined) {
      this.out('PW-UNCONFIGURED pw.cfg: missing\r\n');
      return;
    }
    let cfg: { id: string; key: string; channels: { name: string; kind: string }[] };
    try {
      cfg = JSON.parse(Buffer.from(text, 'latin1').toString('utf8'));
    } catch {
      this.out('PW-UNCONFIGURED pw.cfg: not JSON\r\n');
      return;
    }
    if (this.behaviour === 'unconfigured') {
      this.out('PW-UNCONFIGURED channels[0].pre: must be a number in 1..1000000\r\n');
      return;
    }
    const key = this.behaviour === 'wrong-key' ? 'ab'.repeat(16) : cfg.key;
    const script = this.storage.get('.bootcde') ?? '';
    let seq = 0;
    const frame = (kind: NodeMessage['kind'], ch: string, d: NodeMessage['d']) => {
      seq++;
      const msg: NodeMessage = {
        v: PROTOCOL_VERSION,
        node: cfg.id,
        boot: this.boots,
        seq,
        up: 200 * seq,
        age: 0,
        kind,
        ch,
        d,
      };
      this.out(encodeFrame(seal(nodeSha256, key, msg)).replace(/\n$/, '\r\n'));
    };
    const channels = cfg.channels.map((c) => c.name);
    frame('hello', '', {
      fw: this.options.firmwareVersion ?? '0.1.0',
      fwh: (this.options.firmwareHash ?? sha256Hex)(script),
      cfh: sha256Hex(text as string),
      rst: 'software',
      chs: channels,
    });
    for (const c of cfg.channels) {
      frame('telemetry', c.name, c.kind === 'analog' ? { v: 12, b: 10, st: 'normal' } : { v: 0, b: 0, st: 'normal' });
    }
    frame('heartbeat', '', { bat: 0, rssi: 0, mem: 2100, ivl: 30 });
  }

  /** Runs .bootcde as Espruino would after load(), for the first 6 virtual seconds. */
  private runUploaded(): void {
    const clock = new VirtualClock(0);
    const board = new VirtualBoard({
      name: 'flash-test',
      script: VirtualBoard.compile(this.storage.get('.bootcde') ?? '', '.bootcde'),
      clock,
      feeds: QUIET_PINS,
      storage: this.storage,
      uarts: { Serial2: new CapturedUart(() => {}) },
      onConsole: (line) => this.out(line + '\r\n'),
    });
    board.powerOn('software');
    clock.advance(6000);
  }
}

/** Puts a fake board on the node end of a PTY pair. */
export async function fakeBoardOnSerial(path: string, options: FakeBoardOptions = {}) {
  const board = new FakeBoard(options);
  const port = new SerialPort({ path, baudRate: 115200, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
  port.on('data', (chunk: Buffer) => board.receive(chunk.toString('latin1')));
  board.attach((text) => port.write(Buffer.from(text, 'latin1')));
  return {
    board,
    close: () => new Promise<void>((resolve) => (port.isOpen ? port.close(() => resolve()) : resolve())),
  };
}

/** Serves a fake board's console on 127.0.0.1, like Espruino's telnet console on a node's Wi-Fi. */
export async function fakeBoardOnTcp(options: FakeBoardOptions = {}) {
  const board = new FakeBoard(options);
  const sockets: Socket[] = [];
  const server: Server = createServer((socket) => {
    sockets.push(socket);
    socket.on('data', (chunk) => board.receive(chunk.toString('latin1')));
    socket.on('error', () => {});
    board.attach(
      (text) => {
        if (!socket.destroyed) socket.write(Buffer.from(text, 'latin1'));
      },
      () => socket.destroy(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    board,
    url: `tcp://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
