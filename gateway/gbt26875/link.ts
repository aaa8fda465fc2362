import { createConnection, type Socket } from 'node:net';
import type { Logger } from 'pino';
import { GbtError } from '../../protocol/gbt26875/errors.ts';
import { COMMANDS, decodeFrame, encodeFrame, type Frame, serialOf } from '../../protocol/gbt26875/frame.ts';
import { type AppData, decodeAppData, encodeAppData, TYPE } from '../../protocol/gbt26875/objects.ts';
import { FrameSplitter } from '../../protocol/gbt26875/splitter.ts';
import { DEVICE_OPERATION_BITS, nameBits } from '../../protocol/gbt26875/status-bits.ts';
import { instantOf, labelOf } from '../../protocol/gbt26875/time-label.ts';
import type { Counter, Histogram } from '../metrics.ts';
import { backoffDelay } from '../uplink/backoff.ts';
import type { Gbt26875Config } from './config.ts';
import { FIRE_LANE, type GbtQueue, type Lane, OTHER_LANE, type QueuedFrame } from './queue.ts';

/**
 * The TCP link to the monitoring centre: sends queued frames (one in flight per lane, the
 * fire lane first), waits for the confirm, resends with the same serial number after the
 * timeout, and after `retries` resends counts the link as failed, closes it and reconnects
 * with backoff. Answers the centre: confirms its heartbeats and data, clock sync and duty
 * check (查岗), responds to "read device status" and "read device time", denies what it
 * cannot read or does not support.
 */
export interface LinkCounters {
  sent: Counter;
  confirmed: Counter;
  retries: Counter;
  denied: Counter;
  dropped: Counter;
  rejects: Counter;
  disconnects: Counter;
  dutyChecks: Counter;
  latency: Histogram;
}

export interface LinkDeps {
  config: Gbt26875Config;
  queue: GbtQueue;
  logger: Logger;
  counters: LinkCounters;
  /** the device's own status (type 21) now */
  deviceStatus: (at: number) => AppData;
  onConfirmed?: (frame: QueuedFrame) => void;
  /** the link went up (true) or down (false); not called for a failed connection attempt that was already down */
  onUpDown?: (up: boolean) => void;
  now?: () => number;
}

/** idle: not started or stopped; waiting: down, the next attempt at `nextTryAt` */
export type LinkState = 'idle' | 'connecting' | 'connected' | 'waiting';

interface InFlight {
  serial: number;
  frame: Buffer;
  resends: number;
  timer: NodeJS.Timeout;
  queued?: QueuedFrame;
  what: string;
}

/** A frame that is not in the durable queue: heartbeat, device status, duty-check answer. */
interface Extra {
  what: string;
  data: AppData | null;
}

/** Beyond this many unsent bytes the centre is not reading: drop the link rather than buffer. */
const MAX_WRITE_BUFFER = 64 * 1024;

export class GbtLink {
  state: LinkState = 'idle';
  /** seconds the centre's clock is ahead of ours, from its last clock sync */
  clockOffsetS = 0;
  /** when the next connection attempt is due, while waiting (ms since epoch) */
  nextTryAt: number | undefined;
  /** when the centre last confirmed one of our frames (ms since epoch) */
  lastConfirmAt: number | undefined;
  /** deny answers from the centre, and frames given up after repeated denials, since start */
  denied = 0;
  dropped = 0;
  private socket: Socket | undefined;
  private inflight: (InFlight | undefined)[] = [undefined, undefined];
  private extra: Extra[] = [];
  private denials = new Map<number, number>();
  private attempt = 0;
  private stopped = false;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private lastSent = 0;
  private now: () => number;

  constructor(private deps: LinkDeps) {
    this.now = deps.now ?? Date.now;
  }

  start(): void {
    this.stopped = false;
    this.connect();
    const hb = this.deps.config.heartbeatS * 1000;
    if (hb > 0) {
      this.heartbeatTimer = setInterval(
        () => {
          if (this.state === 'connected' && this.now() - this.lastSent >= hb && this.extra.length === 0) {
            this.extra.push({ what: 'heartbeat', data: null });
            this.pump();
          }
        },
        Math.min(1000, hb),
      );
      this.heartbeatTimer.unref();
    }
  }

  stop(): void {
    this.stopped = true;
    this.state = 'idle';
    this.nextTryAt = undefined;
    clearTimeout(this.reconnectTimer);
    clearInterval(this.heartbeatTimer);
    this.socket?.destroy();
  }

  /** New frames were queued. */
  notify(): void {
    this.pump();
  }

  private connect(): void {
    const { host, port } = this.deps.config;
    this.state = 'connecting';
    this.nextTryAt = undefined;
    const socket = createConnection({ host, port });
    this.socket = socket;
    socket.setNoDelay(true);
    const splitter = new FrameSplitter(
      (f) => this.onFrame(f),
      (err) => this.deps.counters.rejects.inc({ reason: err.code }),
    );
    socket.on('connect', () => {
      this.state = 'connected';
      this.attempt = 0;
      this.deps.logger.info({ host, port }, '已连接消防远程监控中心 / connected to the fire monitoring centre');
      this.deps.onUpDown?.(true);
      this.extra.unshift({ what: 'device status', data: this.deps.deviceStatus(this.now()) });
      this.pump();
    });
    socket.on('data', (chunk) => splitter.push(chunk));
    socket.on('error', (err) => this.deps.logger.debug({ err: err.message }, 'centre link error'));
    socket.on('close', () => this.onClose(socket));
  }

  private onClose(socket: Socket): void {
    if (socket !== this.socket) return;
    const wasConnected = this.state === 'connected';
    this.socket = undefined;
    this.state = this.stopped ? 'idle' : 'waiting';
    for (const p of this.inflight) if (p) clearTimeout(p.timer);
    this.inflight = [undefined, undefined];
    // heartbeats and the device status are made afresh on the next connect; a duty-check answer is kept
    this.extra = this.extra.filter((x) => x.what === 'duty check answer');
    if (wasConnected) {
      this.deps.counters.disconnects.inc();
      this.deps.logger.warn('与监控中心的连接断开 / centre link lost');
      this.deps.onUpDown?.(false);
    }
    if (this.stopped) return;
    const delay = backoffDelay(this.attempt++, this.deps.config.backoff.minMs, this.deps.config.backoff.maxMs);
    this.nextTryAt = this.now() + delay;
    this.reconnectTimer = setTimeout(() => this.connect(), delay);
  }

  private fail(reason: string): void {
    this.deps.logger.warn({ reason }, `监控中心链路失败 / centre link failed: ${reason}`);
    this.socket?.destroy();
  }

  private pump(): void {
    if (this.state !== 'connected') return;
    for (const lane of [FIRE_LANE, OTHER_LANE] as Lane[]) {
      if (this.inflight[lane]) continue;
      if (lane === OTHER_LANE && this.extra.length > 0) {
        const x = this.extra.shift() as Extra;
        this.send(lane, { serial: this.deps.queue.nextSerial(), data: x.data, what: x.what });
        continue;
      }
      const queued = this.deps.queue.head(lane);
      if (queued)
        this.send(lane, { serial: this.deps.queue.serialFor(queued.id), data: queued.data, what: 'event', queued });
    }
  }

  private frame(serial: number, command: number, data: AppData | null): Buffer {
    const c = this.deps.config;
    return encodeFrame({
      serial,
      version: { major: 1, user: c.userVersion },
      time: labelOf(this.now(), c.utcOffsetMin),
      source: c.deviceAddress,
      destination: c.centreAddress,
      command,
      data: encodeAppData(data),
    });
  }

  private send(lane: Lane, m: { serial: number; data: AppData | null; what: string; queued?: QueuedFrame }): void {
    let frame: Buffer;
    try {
      frame = this.frame(m.serial, COMMANDS.send_data, m.data);
    } catch (err) {
      // a frame we cannot encode would block its lane forever: log it and let it go
      this.deps.logger.error({ err: (err as Error).message, what: m.what }, 'GB/T 26875 frame not encodable, dropped');
      if (m.queued) {
        this.deps.queue.remove(m.queued.id);
        this.dropped++;
        this.deps.counters.dropped.inc({ lane: lane === FIRE_LANE ? 'fire' : 'other' });
      }
      setImmediate(() => this.pump());
      return;
    }
    const p: InFlight = {
      serial: m.serial,
      frame,
      resends: 0,
      queued: m.queued,
      what: m.what,
      timer: setTimeout(() => this.onTimeout(lane, p), this.deps.config.confirmTimeoutMs),
    };
    this.inflight[lane] = p;
    this.write(frame);
    this.deps.counters.sent.inc({ lane: lane === FIRE_LANE ? 'fire' : 'other' });
  }

  private write(frame: Buffer): void {
    const s = this.socket;
    if (!s) return;
    if (s.writableLength > MAX_WRITE_BUFFER) {
      this.fail('centre does not read');
      return;
    }
    this.lastSent = this.now();
    s.write(frame);
  }

  private onTimeout(lane: Lane, p: InFlight): void {
    if (this.inflight[lane] !== p) return;
    if (p.resends >= this.deps.config.retries) {
      this.fail(`no confirm for serial ${p.serial} (${p.what}) after ${p.resends} resends`);
      return;
    }
    p.resends++;
    this.deps.counters.retries.inc();
    p.timer = setTimeout(() => this.onTimeout(lane, p), this.deps.config.confirmTimeoutMs);
    this.write(p.frame);
  }

  private onFrame(buf: Buffer): void {
    let f: Frame;
    let data: AppData | null;
    try {
      f = decodeFrame(buf);
      data = decodeAppData(f.data);
    } catch (err) {
      const code = err instanceof GbtError ? err.code : 'malformed';
      this.deps.counters.rejects.inc({ reason: code });
      const serial = serialOf(buf);
      // answer a readable frame that failed its checks with a deny, as the standard asks
      if (serial !== undefined && code !== 'start') this.reply(serial, COMMANDS.deny, null);
      return;
    }
    if (f.command === COMMANDS.confirm || f.command === COMMANDS.deny)
      this.settle(f.serial, f.command === COMMANDS.confirm);
    else if (f.command === COMMANDS.send_data) this.reply(f.serial, COMMANDS.confirm, null);
    else if (f.command === COMMANDS.control) this.control(f.serial, data);
    else if (f.command === COMMANDS.request) this.request(f.serial, data);
    // a respond we did not ask for is ignored
  }

  private reply(serial: number, command: number, data: AppData | null): void {
    this.write(this.frame(serial, command, data));
  }

  private control(serial: number, data: AppData | null): void {
    const object = data && 'objects' in data ? data.objects[0] : undefined;
    if (data?.type === TYPE.clockSync && object) {
      this.clockOffsetS = Math.round(
        (instantOf(String(object.clock), this.deps.config.utcOffsetMin) - this.now()) / 1000,
      );
      this.deps.logger.info(
        { offsetS: this.clockOffsetS },
        '监控中心校时 / clock sync from the centre (system clock not changed)',
      );
      this.reply(serial, COMMANDS.confirm, null);
      return;
    }
    if (data?.type === TYPE.dutyCheck) {
      this.deps.counters.dutyChecks.inc();
      this.deps.logger.info({ timeoutMin: object?.timeoutMin }, '监控中心查岗 / duty check from the centre');
      this.reply(serial, COMMANDS.confirm, null);
      if (this.deps.config.answerDutyCheck) {
        const time = labelOf(this.now(), this.deps.config.utcOffsetMin);
        this.extra.push({
          what: 'duty check answer',
          data: {
            type: TYPE.deviceOperation,
            name: 'device_operation',
            objects: [{ operation: nameBits(1 << 5, DEVICE_OPERATION_BITS), operator: 0, time }],
          },
        });
        this.pump();
      }
      return;
    }
    this.reply(serial, COMMANDS.deny, null);
  }

  private request(serial: number, data: AppData | null): void {
    const time = labelOf(this.now(), this.deps.config.utcOffsetMin);
    if (data?.type === TYPE.readDeviceStatus) this.reply(serial, COMMANDS.respond, this.deps.deviceStatus(this.now()));
    else if (data?.type === TYPE.readDeviceTime)
      this.reply(serial, COMMANDS.respond, { type: TYPE.deviceTime, name: 'device_time', objects: [{ time }] });
    else this.reply(serial, COMMANDS.deny, null);
  }

  private settle(serial: number, confirmed: boolean): void {
    const lane = this.inflight.findIndex((p) => p?.serial === serial);
    if (lane < 0) {
      this.deps.counters.rejects.inc({ reason: 'unexpected_confirm' });
      return;
    }
    const p = this.inflight[lane] as InFlight;
    clearTimeout(p.timer);
    this.inflight[lane] = undefined;
    const laneName = lane === FIRE_LANE ? 'fire' : 'other';
    if (confirmed) {
      this.lastConfirmAt = this.now();
      this.deps.counters.confirmed.inc({ lane: laneName });
      if (p.queued) {
        this.deps.queue.remove(p.queued.id);
        this.denials.delete(p.queued.id);
        this.deps.counters.latency.observe((this.now() - p.queued.receivedAt) / 1000);
        this.deps.onConfirmed?.(p.queued);
      }
    } else {
      this.denied++;
      this.deps.counters.denied.inc({ lane: laneName });
      const id = p.queued?.id;
      if (id !== undefined) {
        const n = (this.denials.get(id) ?? 0) + 1;
        this.denials.set(id, n);
        // a frame the centre keeps refusing would block its lane forever
        if (n > this.deps.config.retries) {
          this.deps.logger.error(
            { serial, what: p.what, eventSeq: p.queued?.eventSeq },
            '监控中心多次否认，放弃此帧 / the centre denied this frame every time: dropped',
          );
          this.deps.queue.remove(id);
          this.denials.delete(id);
          this.dropped++;
          this.deps.counters.dropped.inc({ lane: laneName });
        }
      }
    }
    this.pump();
  }
}
