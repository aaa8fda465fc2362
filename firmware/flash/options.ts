import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { UsageError } from '../../errors/usage-error.ts';

/** The script `parkwatch firmware build` emits, wherever `flash` is run from. */
export const DEFAULT_SCRIPT = fileURLToPath(new URL('../dist/parkwatch-node.js', import.meta.url));
/** Espruino's console speed on ESP32 (EspruinoTools defaults to 9600, which an ESP32 does not use). */
export const DEFAULT_BAUD = 115200;
/** Seconds to wait for the hello and the first readings after the restart. */
export const DEFAULT_TIMEOUT_S = 30;

export const FlashOptionsSchema = z
  .object({
    port: z.string().min(1).optional(),
    node: z.string().min(1),
    script: z.string().min(1).default(DEFAULT_SCRIPT),
    timeoutS: z.number().positive().max(600).default(DEFAULT_TIMEOUT_S),
    baud: z.number().int().min(1200).max(921600).default(DEFAULT_BAUD),
    dryRun: z.boolean().default(false),
    out: z.string().min(1).optional(),
    /** skip EspruinoTools' 19-byte / 50 ms pacing on serial: only for adapters known not to drop bytes */
    fast: z.boolean().default(false),
    verbose: z.boolean().default(false),
  })
  .superRefine((o, ctx) => {
    if (o.dryRun && !o.out)
      ctx.addIssue({ code: 'custom', message: '--dry-run 需要 --out FILE / --dry-run needs --out FILE' });
    if (!o.dryRun && o.out)
      ctx.addIssue({ code: 'custom', message: '--out 只用于 --dry-run / --out is for --dry-run only' });
    if (!o.dryRun && !o.port) ctx.addIssue({ code: 'custom', message: '缺少 --port / --port is missing' });
  });
export type FlashOptions = z.output<typeof FlashOptionsSchema>;

const VALUE_FLAGS: Record<string, string> = {
  '--port': 'port',
  '-p': 'port',
  '--node': 'node',
  '--script': 'script',
  '--timeout': 'timeoutS',
  '--baud': 'baud',
  '--out': 'out',
};
const NUMERIC = new Set(['timeoutS', 'baud']);
const BOOLEAN_FLAGS: Record<string, string> = { '--dry-run': 'dryRun', '--fast': 'fast', '--verbose': 'verbose' };

/** Parses `parkwatch flash` arguments; a mistake is a UsageError naming the flag. */
export function parseFlashArgs(args: string[]): FlashOptions {
  const raw: Record<string, unknown> = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const key = VALUE_FLAGS[arg];
    if (key) {
      const value = args[++i];
      if (value === undefined || value.startsWith('--')) throw new UsageError(`${arg} 缺少值 / ${arg} needs a value`);
      if (NUMERIC.has(key)) {
        const n = Number(value);
        if (!Number.isFinite(n)) throw new UsageError(`${arg} 必须是数字 / ${arg} must be a number: ${value}`);
        raw[key] = n;
      } else raw[key] = value;
    } else if (BOOLEAN_FLAGS[arg]) raw[BOOLEAN_FLAGS[arg]] = true;
    else throw new UsageError(`未知参数 / unknown argument: ${arg}`);
  }
  if (raw.node === undefined) throw new UsageError('缺少 --node node.json / --node node.json is missing');
  const parsed = FlashOptionsSchema.safeParse(raw);
  if (!parsed.success) {
    const flagOf = (path: PropertyKey[]) => {
      const name = String(path[0] ?? '');
      const flag = Object.keys(VALUE_FLAGS).find((f) => f.startsWith('--') && VALUE_FLAGS[f] === name);
      return flag ? `${flag}: ` : '';
    };
    throw new UsageError(parsed.error.issues.map((i) => flagOf(i.path) + i.message).join('\n'));
  }
  return parsed.data;
}
