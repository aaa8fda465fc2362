import { z } from 'zod';
import { GbtError } from './errors.ts';
import { COMMAND_NAMES, COMMANDS, decodeFrame, encodeFrame, type Frame } from './frame.ts';
import { type AppData, decodeAppData, encodeAppData } from './objects.ts';

/**
 * A frame as JSON, the shape `parkwatch gbt26875 decode` prints and `encode` reads back:
 * the header fields, the command by name, and the decoded application data.
 */
export interface FrameJson {
  serial: number;
  version: { major: number; user: number };
  time: string;
  source: string;
  destination: string;
  command: string;
  data: AppData | null;
}

export function frameToJson(frame: Frame): FrameJson {
  return {
    serial: frame.serial,
    version: frame.version,
    time: frame.time,
    source: frame.source,
    destination: frame.destination,
    command: COMMAND_NAMES[frame.command] ?? String(frame.command),
    data: decodeAppData(frame.data),
  };
}

export function decodeToJson(bytes: Uint8Array): FrameJson {
  return frameToJson(decodeFrame(bytes));
}

const Byte = z.number().int().min(0).max(255);

const FrameInput = z.object({
  serial: z.number().int().min(0).max(0xffff),
  version: z.object({ major: Byte, user: Byte }).default({ major: 1, user: 0 }),
  time: z.string(),
  source: z.string().regex(/^[0-9a-fA-F]{12}$/),
  destination: z.string().regex(/^[0-9a-fA-F]{12}$/),
  command: z.union([z.enum(Object.keys(COMMANDS) as [keyof typeof COMMANDS]), Byte]),
  data: z
    .object({
      type: Byte,
      objects: z.array(z.record(z.string(), z.unknown())).optional(),
      raw: z.string().optional(),
    })
    .nullable()
    .default(null),
});

export function jsonToFrame(input: unknown): Buffer {
  const parsed = FrameInput.safeParse(input);
  if (!parsed.success)
    throw new GbtError(
      'field',
      parsed.error.issues.map((i) => `${i.path.join('.') || '(frame)'}: ${i.message}`).join('; '),
    );
  const f = parsed.data;
  return encodeFrame({
    serial: f.serial,
    version: f.version,
    time: f.time,
    source: f.source.toLowerCase(),
    destination: f.destination.toLowerCase(),
    command: typeof f.command === 'number' ? f.command : COMMANDS[f.command],
    data: encodeAppData(f.data),
  });
}
