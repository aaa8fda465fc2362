import { crc16Hex } from './crc16.ts';

/**
 * Serial line framing: `@PW` + payload + `*` + CRC-16 (4 lowercase hex) + `\n`.
 *
 *   @PW{"age":0,...,"sig":"9f0c..."}*3a7e\n
 *
 * The start marker lets the decoder resync after noise and after Espruino's console chatter
 * (prompts, echo, errors), which share the UART with the link. The payload is pure ASCII
 * (canonical JSON), so the checksum is over the same bytes on both ends.
 */
export const FRAME_START = '@PW';
/** Longest frame accepted, marker to checksum, without the newline. */
export const MAX_FRAME = 768;

export function encodeFrame(payload: string): string {
  return FRAME_START + payload + '*' + crc16Hex(payload) + '\n';
}

export type RejectReason =
  /** bytes outside any frame: console chatter, line noise */
  | 'noise'
  /** a new start marker arrived before the frame's newline (half line) */
  | 'truncated'
  /** the frame grew past MAX_FRAME without a newline */
  | 'oversize'
  /** a complete line whose checksum part is missing or not hex */
  | 'malformed'
  /** a complete line whose checksum does not match */
  | 'checksum';

export interface FrameReject {
  reason: RejectReason;
  /** the rejected bytes, cut to 80 chars for logs */
  chunk: string;
}

export interface FrameSink {
  frame: (payload: string) => void;
  reject: (reject: FrameReject) => void;
}

const MODE_IDLE = 0;
const MODE_FRAME = 1;
const MODE_DISCARD = 2;

/**
 * Streaming decoder. Feed it chunks split anywhere; it calls `sink.frame` for every valid
 * frame and `sink.reject` for everything it throws away, with a reason. It never throws.
 *
 * Made by a factory so that the firmware makes the class only on a serial node (on Espruino a
 * class inside a function costs no RAM until the function runs; an MQTT node never decodes frames).
 * Node code uses the `FrameDecoder` class below.
 */
export function frameDecoderClass() {
  class FrameDecoder {
    private mode = MODE_IDLE;
    private buf = '';
    private maxFrame: number;

    // No default parameter: the firmware imports this file and Espruino cannot run them.
    constructor(
      private sink: FrameSink,
      maxFrame?: number,
    ) {
      this.maxFrame = maxFrame === undefined ? MAX_FRAME : maxFrame;
    }

    push(chunk: string): void {
      let data = this.buf + chunk;
      this.buf = '';
      while (data.length > 0) {
        if (this.mode === MODE_FRAME) data = this.inFrame(data);
        else data = this.outsideFrame(data);
      }
    }

    /** Drops a half-received frame, for example when the port closed. */
    reset(): void {
      if (this.mode === MODE_FRAME && this.buf.length > 0) this.reject('truncated', this.buf);
      else if (this.mode === MODE_IDLE && this.buf.trim().length > 0) this.reject('noise', this.buf);
      this.buf = '';
      this.mode = MODE_IDLE;
    }

    /** Consumes bytes before a start marker; returns what is left to process. */
    private outsideFrame(data: string): string {
      const start = data.indexOf(FRAME_START);
      const nl = data.indexOf('\n');
      if (start >= 0 && (nl < 0 || start < nl)) {
        if (this.mode === MODE_IDLE && data.substr(0, start).trim().length > 0)
          this.reject('noise', data.substr(0, start));
        this.mode = MODE_FRAME;
        return data.substr(start);
      }
      if (nl >= 0) {
        if (this.mode === MODE_IDLE && data.substr(0, nl).trim().length > 0) this.reject('noise', data.substr(0, nl));
        this.mode = MODE_IDLE;
        return data.substr(nl + 1);
      }
      // No marker and no newline yet: keep a tail that could be the start of a marker.
      const keep = FRAME_START.length - 1;
      if (this.mode === MODE_IDLE && data.length > this.maxFrame) {
        this.reject('noise', data.substr(0, data.length - keep));
        data = data.substr(data.length - keep);
      }
      if (this.mode === MODE_DISCARD && data.length > keep) data = data.substr(data.length - keep);
      this.buf = data;
      return '';
    }

    /** `data` starts with a start marker. */
    private inFrame(data: string): string {
      const nl = data.indexOf('\n');
      const next = data.indexOf(FRAME_START, FRAME_START.length);
      if (next >= 0 && (nl < 0 || next < nl) && next <= this.maxFrame) {
        this.reject('truncated', data.substr(0, next));
        return data.substr(next);
      }
      if (nl < 0 || nl > this.maxFrame) {
        if (data.length > this.maxFrame) {
          this.reject('oversize', data.substr(0, this.maxFrame));
          this.mode = MODE_DISCARD;
          return data.substr(this.maxFrame);
        }
        this.buf = data;
        return '';
      }
      let line = data.substr(0, nl);
      if (line.charAt(line.length - 1) === '\r') line = line.substr(0, line.length - 1);
      this.mode = MODE_IDLE;
      this.checkLine(line);
      return data.substr(nl + 1);
    }

    private checkLine(line: string): void {
      const star = line.lastIndexOf('*');
      const crc = line.substr(star + 1);
      // four hex digits, counted apart: Espruino's regular expressions have no `{4}`
      if (star < FRAME_START.length || crc.length !== 4 || !/^[0-9a-f]+$/.test(crc)) {
        this.reject('malformed', line);
        return;
      }
      const payload = line.substr(FRAME_START.length, star - FRAME_START.length);
      if (crc16Hex(payload) !== crc) {
        this.reject('checksum', line);
        return;
      }
      this.sink.frame(payload);
    }

    private reject(reason: RejectReason, chunk: string): void {
      this.sink.reject({ reason: reason, chunk: chunk.length > 80 ? chunk.substr(0, 80) : chunk });
    }
  }
  return FrameDecoder;
}

/** The decoder class for Node code (gateway, simulator, tests); unused in the firmware bundle. */
export const FrameDecoder = /* @__PURE__ */ frameDecoderClass();
export type FrameDecoder = InstanceType<ReturnType<typeof frameDecoderClass>>;
