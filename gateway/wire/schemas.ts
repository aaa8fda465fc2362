import { z } from 'zod';
import {
  type COMMAND_KINDS,
  isValidId,
  MAX_HUSH_S,
  type NODE_KINDS,
  PROTOCOL_VERSION,
  TROUBLE_CODES,
} from '../../protocol/index.ts';

/**
 * zod schemas for every wire message. They live on the gateway side: the firmware imports
 * protocol/ only, and zod would not fit on a node. See protocol/kinds.ts for what each field means.
 */

export const Id = z.string().refine(isValidId, { message: 'must be 1-32 of A-Z a-z 0-9 _ -' });
const Count = z.number().int().nonnegative();
const Reading = z.number().finite();
export const TroubleCode = z.enum(TROUBLE_CODES);
const Channel = z.string().max(16);

const envelope = {
  v: z.literal(PROTOCOL_VERSION),
  node: Id,
  boot: Count.min(1),
  seq: Count.min(1),
  up: Count,
  age: Count,
  ch: Channel,
  sig: z.string().regex(/^[0-9a-f]{32}$/),
};

function kind<K extends (typeof NODE_KINDS)[number], D extends z.ZodRawShape>(k: K, data: D) {
  return z.object({ ...envelope, kind: z.literal(k), d: z.object(data) });
}

export const HelloMessage = kind('hello', {
  fw: z.string().max(32),
  fwh: z.string().max(64),
  cfh: z.string().max(64),
  rst: z.enum(['power', 'watchdog', 'software', 'unknown']),
  chs: z.array(Channel).max(8),
});
export const HeartbeatMessage = kind('heartbeat', {
  bat: Count,
  rssi: z.number().int().min(-127).max(0),
  mem: Count,
  ivl: Count.min(1),
  lat: z.array(Channel).max(8).optional(),
});
export const TelemetryMessage = kind('telemetry', { v: Reading, b: Reading, st: z.string().max(16) });
export const PrealarmMessage = kind('prealarm', { v: Reading, b: Reading, th: Reading });
export const AlarmMessage = kind('alarm', {
  v: Reading,
  b: Reading,
  th: Reading,
  src: z.enum(['smoke', 'water', 'heat']),
  latch: z.boolean().optional(),
});
export const ClearMessage = kind('clear', { v: Reading });
export const TroubleMessage = kind('trouble', { code: TroubleCode, v: Reading.optional() });
export const TroubleClearMessage = kind('trouble_clear', { code: TroubleCode });
export const TestMessage = kind('test', { by: z.enum(['button', 'command']), ok: z.boolean() });
export const HushMessage = kind('hush', { by: z.enum(['button', 'command']), until: Count });
export const AckMessage = kind('ack', { cmd: Count, ok: z.boolean(), err: z.string().max(64).optional() });

export const NodeMessage = z.discriminatedUnion('kind', [
  HelloMessage,
  HeartbeatMessage,
  TelemetryMessage,
  PrealarmMessage,
  AlarmMessage,
  ClearMessage,
  TroubleMessage,
  TroubleClearMessage,
  TestMessage,
  HushMessage,
  AckMessage,
]);
export type NodeMessage = z.infer<typeof NodeMessage>;
export type NodeMessageOf<K extends NodeMessage['kind']> = Extract<NodeMessage, { kind: K }>;

const commandEnvelope = { v: z.literal(PROTOCOL_VERSION), node: Id, boot: Count.min(1), seq: Count.min(1) };

function command<K extends (typeof COMMAND_KINDS)[number], D extends z.ZodRawShape>(k: K, data: D) {
  return z.object({ ...commandEnvelope, kind: z.literal(k), d: z.object(data) });
}

export const NodeCommand = z.discriminatedUnion('kind', [
  command('event_ack', { seqs: z.array(Count.min(1)).min(1).max(32) }),
  command('hush', { ch: z.string().max(16), s: z.number().int().min(1).max(MAX_HUSH_S) }),
  command('silence', { s: z.number().int().min(1).max(3600) }),
  command('test', {}),
  command('set_config', { cfg: z.record(z.string(), z.unknown()) }),
  command('reboot', {}),
  command('reset', { ch: z.string().max(16) }),
]);
export type NodeCommand = z.infer<typeof NodeCommand>;
