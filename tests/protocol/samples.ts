import type { NodeCommand, NodeMessage } from '../../protocol/index.ts';

export const KEY = '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f';
export const OTHER_KEY = 'ff0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f';

function msg(kind: NodeMessage['kind'], seq: number, ch: string, d: NodeMessage['d']): NodeMessage {
  return { v: 1, node: 'n-0001', boot: 3, seq, up: 120000 + seq * 1000, age: seq === 5 ? 1500 : 0, kind, ch, d };
}

/** One valid message of every node kind, with integer readings so the bytes are the same everywhere. */
export const SAMPLE_MESSAGES: NodeMessage[] = [
  msg('hello', 1, '', { fw: '1.0.0', fwh: 'ab12cd34', cfh: '9f8e7d6c', rst: 'power', chs: ['smoke', 'water'] }),
  msg('heartbeat', 2, '', { bat: 3650, rssi: -61, mem: 1830, ivl: 30 }),
  msg('telemetry', 3, 'smoke', { v: 12, b: 10, st: 'normal' }),
  msg('prealarm', 4, 'smoke', { v: 80, b: 10, th: 75 }),
  msg('alarm', 5, 'smoke', { v: 160, b: 10, th: 150, src: 'smoke' }),
  msg('clear', 6, 'smoke', { v: 11 }),
  msg('trouble', 7, 'smoke', { code: 'dirty', v: 410 }),
  msg('trouble_clear', 8, 'smoke', { code: 'dirty' }),
  msg('test', 9, '', { by: 'button', ok: true }),
  msg('hush', 10, 'smoke', { by: 'button', until: 720000 }),
  msg('ack', 11, '', { cmd: 42, ok: false, err: 'bad_config' }),
];

export const SAMPLE_COMMANDS: NodeCommand[] = [
  { v: 1, node: 'n-0001', boot: 3, seq: 100, kind: 'event_ack', d: { seqs: [5, 6] } },
  { v: 1, node: 'n-0001', boot: 3, seq: 101, kind: 'hush', d: { ch: 'smoke', s: 600 } },
  { v: 1, node: 'n-0001', boot: 3, seq: 102, kind: 'silence', d: { s: 300 } },
  { v: 1, node: 'n-0001', boot: 3, seq: 103, kind: 'test', d: {} },
  { v: 1, node: 'n-0001', boot: 3, seq: 104, kind: 'set_config', d: { cfg: { hb: 60 } } },
  { v: 1, node: 'n-0001', boot: 3, seq: 105, kind: 'reboot', d: {} },
];
