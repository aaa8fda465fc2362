import { createServer, type Server, type Socket } from 'node:net';
import { GbtError } from '../../protocol/gbt26875/errors.ts';
import { COMMANDS, decodeFrame, encodeFrame, type Frame, serialOf } from '../../protocol/gbt26875/frame.ts';
import { type AppData, type DataObject, decodeAppData, encodeAppData } from '../../protocol/gbt26875/objects.ts';
import { FrameSplitter } from '../../protocol/gbt26875/splitter.ts';
import { labelOf } from '../../protocol/gbt26875/time-label.ts';

/**
 * A small fire remote-monitoring centre (消防远程监控中心) for tests, benches and `parkwatch
 * sim gbt-centre`: accepts transmission devices over TCP, confirms what it can read, denies
 * what it cannot (bad checksum, framing, unknown data layout), and records each frame once.
 * A resend (same source and serial number with the same data) is confirmed again but not
 * counted again: that is how a centre tells a lost confirm from a new alarm.
 * Faults for tests: `loseConfirms(n)` reads the next n data frames but does not confirm them;
 * `denyNext(n)` answers the next n data frames with a deny and does not record them.
 */
export interface Received {
  serial: number;
  source: string;
  command: string;
  data: AppData | null;
  /** the frame's time label */
  time: string;
  /** when the centre got it, ms since epoch */
  at: number;
}

export interface CentreOptions {
  host?: string;
  port?: number;
  address?: string;
  /** called for each new (non-duplicate) frame */
  onFrame?: (r: Received) => void;
}

const REMEMBERED = 4096;

export class GbtCentre {
  readonly received: Received[] = [];
  /** responses (command 5) and confirms to the centre's own requests */
  readonly replies: Received[] = [];
  duplicates = 0;
  denied = 0;
  rejected = new Map<string, number>();
  port = 0;
  private server: Server | undefined;
  private sockets = new Set<Socket>();
  private seen = new Map<string, string>();
  private confirmsToLose = 0;
  private toDeny = 0;
  private serial = 0;
  private address: string;

  constructor(private options: CentreOptions = {}) {
    this.address = options.address ?? '000000000000';
  }

  async start(port = this.options.port ?? 0): Promise<number> {
    const server = createServer((s) => this.accept(s));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, this.options.host ?? '127.0.0.1', () => resolve());
    });
    const a = server.address();
    this.port = typeof a === 'object' && a ? a.port : port;
    return this.port;
  }

  /** Closes the listener and every connection (the centre "goes down"). */
  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  get connections(): number {
    return this.sockets.size;
  }

  loseConfirms(n: number): void {
    this.confirmsToLose = n;
  }

  denyNext(n: number): void {
    this.toDeny = n;
  }

  /** Sends a control (1) or request (4) frame to every connected device; returns its serial. */
  command(command: 'control' | 'request', type: number, objects: DataObject[]): number {
    const serial = this.nextSerial();
    const frame = this.frame(serial, COMMANDS[command], { type, name: '', objects });
    for (const s of this.sockets) s.write(frame);
    return serial;
  }

  /** Raw bytes to every connected device (garbage tests). */
  writeRaw(bytes: Buffer): void {
    for (const s of this.sockets) s.write(bytes);
  }

  private nextSerial(): number {
    this.serial = (this.serial + 1) & 0xffff;
    return this.serial;
  }

  private frame(serial: number, command: number, data: AppData | null, destination = '000000000000'): Buffer {
    return encodeFrame({
      serial,
      version: { major: 1, user: 0 },
      time: labelOf(Date.now(), 480),
      source: this.address,
      destination,
      command,
      data: encodeAppData(data),
    });
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    const splitter = new FrameSplitter(
      (f) => this.onFrame(socket, f),
      (err) => this.count(err.code),
    );
    socket.on('data', (c) => splitter.push(c));
    socket.on('error', () => {});
    socket.on('close', () => this.sockets.delete(socket));
  }

  private count(reason: string): void {
    this.rejected.set(reason, (this.rejected.get(reason) ?? 0) + 1);
  }

  private onFrame(socket: Socket, buf: Buffer): void {
    let f: Frame;
    let data: AppData | null;
    try {
      f = decodeFrame(buf);
      data = decodeAppData(f.data);
    } catch (err) {
      this.count(err instanceof GbtError ? err.code : 'malformed');
      const serial = serialOf(buf);
      if (serial !== undefined) {
        this.denied++;
        socket.write(this.frame(serial, COMMANDS.deny, null));
      }
      return;
    }
    const r: Received = {
      serial: f.serial,
      source: f.source,
      command: Object.entries(COMMANDS).find(([, v]) => v === f.command)?.[0] ?? String(f.command),
      data,
      time: f.time,
      at: Date.now(),
    };
    if (f.command === COMMANDS.respond || f.command === COMMANDS.confirm || f.command === COMMANDS.deny) {
      this.replies.push(r);
      return;
    }
    if (this.toDeny > 0 && f.command === COMMANDS.send_data) {
      this.toDeny--;
      this.denied++;
      socket.write(this.frame(f.serial, COMMANDS.deny, null, f.source));
      return;
    }
    const key = `${f.source}:${f.serial}`;
    const hex = f.data.toString('hex');
    if (this.seen.get(key) === hex) this.duplicates++;
    else {
      this.seen.delete(key);
      this.seen.set(key, hex);
      if (this.seen.size > REMEMBERED) this.seen.delete(this.seen.keys().next().value as string);
      this.received.push(r);
      this.options.onFrame?.(r);
    }
    if (this.confirmsToLose > 0 && f.command === COMMANDS.send_data) {
      this.confirmsToLose--;
      return;
    }
    socket.write(this.frame(f.serial, COMMANDS.confirm, null, f.source));
  }
}
