import { GbtError } from './errors.ts';

/**
 * The 6-byte time label: second, minute, hour, day, month, year - 2000, in the sender's local
 * time (the standard has no zone; Chinese centres run on UTC+8). In JSON it is the text
 * "YYYY-MM-DD HH:MM:SS" so nothing pretends to know the zone.
 */
export type TimeLabel = string;

const pad = (n: number): string => String(n).padStart(2, '0');

export function readTimeLabel(buf: Uint8Array, at: number): TimeLabel {
  const [s, mi, h, d, mo, y] = buf.subarray(at, at + 6);
  if (s > 59 || mi > 59 || h > 23 || d < 1 || d > 31 || mo < 1 || mo > 12 || y > 99)
    throw new GbtError('time', `no calendar time: ${Buffer.from(buf.subarray(at, at + 6)).toString('hex')}`);
  return `${2000 + y}-${pad(mo)}-${pad(d)} ${pad(h)}:${pad(mi)}:${pad(s)}`;
}

const LABEL = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;

export function writeTimeLabel(label: TimeLabel, buf: Uint8Array, at: number): void {
  const m = LABEL.exec(label);
  if (!m) throw new GbtError('field', `time must be "YYYY-MM-DD HH:MM:SS", got "${label}"`);
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number);
  if (y < 2000 || y > 2099 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59)
    throw new GbtError('field', `time out of range: "${label}"`);
  buf.set([s, mi, h, d, mo, y - 2000], at);
}

/** The label of an instant in a zone `offsetMin` minutes east of UTC. */
export function labelOf(ms: number, offsetMin: number): TimeLabel {
  const t = new Date(ms + offsetMin * 60_000);
  return `${t.getUTCFullYear()}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())} ${pad(t.getUTCHours())}:${pad(t.getUTCMinutes())}:${pad(t.getUTCSeconds())}`;
}

/** The instant of a label read in a zone `offsetMin` minutes east of UTC. */
export function instantOf(label: TimeLabel, offsetMin: number): number {
  const m = LABEL.exec(label);
  if (!m) throw new GbtError('field', `time must be "YYYY-MM-DD HH:MM:SS", got "${label}"`);
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number);
  return Date.UTC(y, mo - 1, d, h, mi, s) - offsetMin * 60_000;
}
