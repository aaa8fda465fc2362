import { isAbsolute, join } from 'node:path';
import { z } from 'zod';
import { GeneratorSpecSchema, generateTrace } from '../traces/generators.ts';
import { nistStationTrace } from '../traces/nist.ts';
import { channelOf, type Trace, type TraceChannel } from '../traces/trace.ts';
import { loadTraceFile } from '../traces/trace-file.ts';
import { loadWaterData } from '../traces/water.ts';

/**
 * What drives one channel of a simulated node: exactly one source (a NIST column, an
 * Open-Water-Level device, a generator, a trace file or a constant), placed at `atS` on the
 * scenario's time line, and scaled into the node's units with `perUnit` (node units per trace
 * unit: 1000 turns dB/m into the firmware's 0.001 dB/m, and metres of water into mm).
 */
export const InputSchema = z
  .object({
    nist: z.object({ test: z.string(), column: z.string() }).optional(),
    water: z.object({ device: z.string(), channel: z.enum(['level', 'distance']).default('level') }).optional(),
    generate: GeneratorSpecSchema.optional(),
    file: z.string().optional(),
    /** channel of the trace file to use (required with file) */
    channel: z.string().optional(),
    constant: z.number().optional(),
    atS: z.number().default(0),
    perUnit: z.number().positive().default(1000),
  })
  .strict()
  .superRefine((s, ctx) => {
    const given = (['nist', 'water', 'generate', 'file', 'constant'] as const).filter((k) => s[k] !== undefined);
    if (given.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        message: `give exactly one of nist, water, generate, file, constant (got ${given.join(', ') || 'none'}) / 只能指定一个信号来源`,
      });
    }
    if (s.file !== undefined && s.channel === undefined) {
      ctx.addIssue({ code: 'custom', message: 'file needs channel / 文件需要指定通道', path: ['channel'] });
    }
  });
export type InputSpec = z.input<typeof InputSchema>;

export interface ResolvedInput {
  /** the physical signal in trace units, trace time */
  value: TraceChannel;
  /** 0 ok, 1 open, 2 short (generated wiring faults) */
  wiring?: TraceChannel;
  /** 1 wet / active (contact channels) */
  contact?: TraceChannel;
  trace: Trace;
  atS: number;
  perUnit: number;
}

export interface InputContext {
  /** folder with nist-smoke-alarms/ and open-water-level/ */
  dataDir: string;
  /** trace files are relative to this (the scenario's folder) */
  baseDir: string;
}

export function resolveInput(raw: InputSpec, ctx: InputContext): ResolvedInput {
  const spec = InputSchema.parse(raw);
  const trace = sourceTrace(spec, ctx);
  const has = (name: string) => trace.channels.some((c) => c.name === name);
  const valueName = spec.nist
    ? 'smoke'
    : spec.water
      ? spec.water.channel
      : spec.file
        ? (spec.channel as string)
        : spec.generate && !has('value')
          ? 'contact'
          : 'value';
  return {
    value: channelOf(trace, valueName),
    wiring: has('wiring') ? channelOf(trace, 'wiring') : undefined,
    contact: has('contact') ? channelOf(trace, 'contact') : undefined,
    trace,
    atS: spec.atS,
    perUnit: spec.perUnit,
  };
}

function sourceTrace(spec: z.output<typeof InputSchema>, ctx: InputContext): Trace {
  if (spec.nist) return nistStationTrace(join(ctx.dataDir, 'nist-smoke-alarms'), spec.nist.test, spec.nist.column);
  if (spec.water) {
    const device = spec.water.device;
    const found = loadWaterData(join(ctx.dataDir, 'open-water-level')).sensors.find((s) => s.device === device);
    if (!found) throw new Error(`no Open-Water-Level device "${device}" / 没有该水位设备`);
    return found.trace;
  }
  if (spec.generate) return generateTrace(spec.generate);
  if (spec.file) return loadTraceFile(isAbsolute(spec.file) ? spec.file : join(ctx.baseDir, spec.file));
  const c = spec.constant as number;
  return { source: `constant ${c}`, channels: [{ name: 'value', unit: '', t: [0], v: [c] }], marks: [] };
}
