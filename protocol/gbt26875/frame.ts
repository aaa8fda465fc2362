import { GbtError } from './errors.ts';
import { readTimeLabel, type TimeLabel, writeTimeLabel } from './time-label.ts';

/**
 * The GB/T 26875.3-2011 frame (clause 7):
 *
 *   40 40 | serial 2 | version 2 (major 1, user) | time label 6 | source 6 | destination 6 |
 *   length L 2 | command 1 | application data L | checksum 1 | 23 23
 *
 * Integers are little-endian. The checksum is the sum of every byte from the serial number
 * through the last data byte, mod 256. L is at most 1024. A frame is 30 + L bytes.
 */
export const HEADER_BYTES = 27; // start, serial .. command
export const FRAME_OVERHEAD = 30;
export const MAX_DATA = 1024;
export const START = 0x40;
export const END = 0x23;

export const COMMANDS = {
  control: 1,
  send_data: 2,
  confirm: 3,
  request: 4,
  respond: 5,
  deny: 6,
} as const;
export type CommandName = keyof typeof COMMANDS;
export const COMMAND_NAMES = Object.fromEntries(Object.entries(COMMANDS).map(([k, v]) => [v, k])) as Record<
  number,
  CommandName
>;

export interface Frame {
  serial: number;
  version: { major: number; user: number };
  time: TimeLabel;
  /** 6 address bytes in wire order, as 12 lowercase hex digits */
  source: string;
  destination: string;
  command: number;
  data: Buffer;
}

export function checksum(buf: Uint8Array, from: number, to: number): number {
  let sum = 0;
  for (let i = from; i < to; i++) sum = (sum + buf[i]) & 0xff;
  return sum;
}

const ADDRESS = /^[0-9a-f]{12}$/;

function field(ok: boolean, what: string): void {
  if (!ok) throw new GbtError('field', what);
}

export function encodeFrame(f: Frame): Buffer {
  field(Number.isInteger(f.serial) && f.serial >= 0 && f.serial <= 0xffff, `serial ${f.serial} not in 0..65535`);
  field(
    f.version.major >= 0 && f.version.major <= 255 && f.version.user >= 0 && f.version.user <= 255,
    'version bytes',
  );
  field(ADDRESS.test(f.source), `source "${f.source}" is not 12 hex digits`);
  field(ADDRESS.test(f.destination), `destination "${f.destination}" is not 12 hex digits`);
  field(f.command >= 1 && f.command <= 255, `command ${f.command} not in 1..255`);
  if (f.data.length > MAX_DATA) throw new GbtError('oversize', `${f.data.length} bytes of data, at most ${MAX_DATA}`);
  const out = Buffer.alloc(FRAME_OVERHEAD + f.data.length);
  out[0] = START;
  out[1] = START;
  out.writeUInt16LE(f.serial, 2);
  out[4] = f.version.major;
  out[5] = f.version.user;
  writeTimeLabel(f.time, out, 6);
  Buffer.from(f.source, 'hex').copy(out, 12);
  Buffer.from(f.destination, 'hex').copy(out, 18);
  out.writeUInt16LE(f.data.length, 24);
  out[26] = f.command;
  f.data.copy(out, HEADER_BYTES);
  const end = HEADER_BYTES + f.data.length;
  out[end] = checksum(out, 2, end);
  out[end + 1] = END;
  out[end + 2] = END;
  return out;
}

/**
 * Reads exactly one frame, checking in this order: size, start bytes, length field (and the
 * 1024 limit), end bytes, checksum, command, time label. The first failure is thrown as a
 * GbtError; nothing is guessed. Version is not checked: field devices send major 0x10.
 */
export function decodeFrame(buf: Uint8Array): Frame {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (b.length < FRAME_OVERHEAD)
    throw new GbtError('short', `${b.length} bytes, a frame has at least ${FRAME_OVERHEAD}`);
  if (b[0] !== START || b[1] !== START)
    throw new GbtError('start', `starts with ${b.subarray(0, 2).toString('hex')}, not 4040`);
  const length = b.readUInt16LE(24);
  if (length > MAX_DATA) throw new GbtError('oversize', `length field ${length}, at most ${MAX_DATA}`);
  if (b.length !== FRAME_OVERHEAD + length)
    throw new GbtError('length', `length field ${length} needs ${FRAME_OVERHEAD + length} bytes, got ${b.length}`);
  const end = HEADER_BYTES + length;
  if (b[end + 1] !== END || b[end + 2] !== END)
    throw new GbtError('end', `ends with ${b.subarray(end + 1).toString('hex')}, not 2323`);
  const sum = checksum(b, 2, end);
  if (sum !== b[end]) throw new GbtError('checksum', `checksum byte ${b[end]}, bytes sum to ${sum}`);
  const command = b[26];
  if (command < 1 || command > 6) throw new GbtError('command', `command byte ${command} not in 1..6`);
  return {
    serial: b.readUInt16LE(2),
    version: { major: b[4], user: b[5] },
    time: readTimeLabel(b, 6),
    source: b.subarray(12, 18).toString('hex'),
    destination: b.subarray(18, 24).toString('hex'),
    command,
    data: Buffer.from(b.subarray(HEADER_BYTES, end)),
  };
}

/** Serial number of a frame whose header can be read, for a deny; undefined when it cannot. */
export function serialOf(buf: Uint8Array): number | undefined {
  if (buf.length < 4 || buf[0] !== START || buf[1] !== START) return undefined;
  return buf[2] | (buf[3] << 8);
}
