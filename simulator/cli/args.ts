import { UsageError } from '../../errors/usage-error.ts';

/** `--name value` options and positional arguments; unknown options are a usage error. */
export function parseArgs(
  args: string[],
  options: string[],
  flags: string[] = [],
): { values: Map<string, string>; flags: Set<string>; positional: string[] } {
  const values = new Map<string, string>();
  const set = new Set<string>();
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (!a.startsWith('--')) {
      positional.push(a);
      continue;
    }
    const name = a.slice(2);
    if (flags.includes(name)) set.add(name);
    else if (options.includes(name)) {
      const v = args[++i];
      if (v === undefined) throw new UsageError(`--${name} needs a value / 缺少参数值`);
      values.set(name, v);
    } else throw new UsageError(`unknown option ${a} / 未知选项`);
  }
  return { values, flags: set, positional };
}

export function numberOption(values: Map<string, string>, name: string, fallback: number): number {
  const v = values.get(name);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--${name} must be a positive number / 必须是正数`);
  return n;
}
