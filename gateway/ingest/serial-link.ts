import type { Logger } from 'pino';
import { SerialPort } from 'serialport';
import { FrameDecoder, type RejectReason } from '../../protocol/framing.ts';
import { ReopenBackoff } from './reopen-backoff.ts';

/**
 * One serial port: opens it, decodes frames, and when the port closes, errors or cannot be
 * opened (USB adapter unplugged, PTY peer gone), reports the link down once and keeps reopening
 * with backoff until it returns, then reports it up. Nothing here throws to the caller: every
 * failure becomes a callback and a log line.
 */
export interface SerialLinkOptions {
  path: string;
  baudRate: number;
  backoff: { minMs: number; maxMs: number; stableMs?: number };
  /** a frame whose marker and checksum are valid (the signed wire form) */
  onPayload: (payload: string) => void;
  onReject: (reason: RejectReason, chunk: string) => void;
  /** the port went away (`up` false, once per outage) or came back */
  onLink: (up: boolean, reason?: string) => void;
  log: Logger;
  now?: () => number;
  random?: () => number;
}

export class SerialLink {
  private port: SerialPort | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private reportedDown = false;
  private readonly decoder: FrameDecoder;
  private readonly backoff: ReopenBackoff;
  private readonly now: () => number;
  /** successful opens, for diagnostics and tests */
  opens = 0;

  constructor(private options: SerialLinkOptions) {
    this.now = options.now ?? Date.now;
    this.backoff = new ReopenBackoff({ ...options.backoff, random: options.random });
    this.decoder = new FrameDecoder({
      frame: (payload) => options.onPayload(payload),
      reject: (r) => options.onReject(r.reason, r.chunk),
    });
  }

  get path(): string {
    return this.options.path;
  }

  get isOpen(): boolean {
    return this.port !== null && this.port.isOpen;
  }

  start(): void {
    this.stopped = false;
    this.open();
  }

  /** Writes bytes to the port; false when the port is not open now. */
  write(data: string): boolean {
    const port = this.port;
    if (!port || !port.isOpen) return false;
    port.write(data, 'latin1', (err) => {
      if (err) this.options.log.warn({ port: this.path, err: err.message }, 'serial write failed');
    });
    return true;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const port = this.port;
    this.port = null;
    if (port?.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
    this.decoder.reset();
  }

  private open(): void {
    this.timer = null;
    if (this.stopped) return;
    let port: SerialPort;
    try {
      port = new SerialPort({ path: this.path, baudRate: this.options.baudRate, autoOpen: false });
    } catch (err) {
      // invalid options throw synchronously; the config schema should have caught them
      this.lost(`cannot open: ${(err as Error).message}`);
      return;
    }
    // An 'error' event without a listener would crash the process.
    port.on('error', (err) => this.options.log.warn({ port: this.path, err: err.message }, 'serial port error'));
    port.open((err) => {
      if (this.stopped) {
        if (!err) port.close();
        return;
      }
      if (err) {
        this.lost(`cannot open: ${err.message}`);
        return;
      }
      this.attach(port);
    });
  }

  private attach(port: SerialPort): void {
    this.port = port;
    this.opens++;
    this.backoff.up(this.now());
    port.on('data', (chunk: Buffer) => this.decoder.push(chunk.toString('latin1')));
    port.once('close', (err: Error | null) => {
      if (this.port !== port) return;
      this.port = null;
      this.decoder.reset();
      this.backoff.down(this.now());
      this.lost(`closed: ${err ? err.message : 'by the system'}`);
    });
    this.options.log.info({ port: this.path, opens: this.opens }, 'serial port open');
    if (this.reportedDown) {
      this.reportedDown = false;
      this.options.onLink(true);
    }
  }

  private lost(reason: string): void {
    if (this.stopped) return;
    const delay = this.backoff.next();
    if (!this.reportedDown) {
      this.reportedDown = true;
      this.options.log.warn(
        { port: this.path, reason, retryMs: delay },
        '串口断开，正在按退避重连 / serial port lost, reopening with backoff',
      );
      this.options.onLink(false, reason);
    } else {
      this.options.log.debug({ port: this.path, reason, retryMs: delay, failures: this.backoff.failures }, 'reopen');
    }
    this.timer = setTimeout(() => this.open(), delay);
  }
}
