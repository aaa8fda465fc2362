import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { GatewayConfig } from './schema.ts';

/** A config that cannot be used. `message` lists every problem, each with key path, reason and fix. */
export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`配置文件无效 / invalid config file: ${file}\n` + problems.map((p) => `  - ${p}`).join('\n'));
    this.name = 'ConfigError';
  }
}

function keyPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(top level / 顶层)';
  return path
    .map((p) => (typeof p === 'number' ? `[${p}]` : String(p)))
    .join('.')
    .replace(/\.\[/g, '[');
}

/** One line per zod issue: where, what is wrong, what to write instead. */
function describe(issue: z.core.$ZodIssue): string {
  const at = keyPath(issue.path);
  switch (issue.code) {
    case 'unrecognized_keys':
      return `${at}: 未知的键 / unknown key ${issue.keys.map((k) => `"${k}"`).join(', ')} — 删除或检查拼写 / remove it or fix the spelling`;
    case 'invalid_type':
      return `${at}: ${issue.message} — 请写 ${issue.expected} / write a ${issue.expected}`;
    case 'too_small':
      return `${at}: ${issue.message} — 最小值 / at least ${String(issue.minimum)}`;
    case 'too_big':
      return `${at}: ${issue.message} — 最大值 / at most ${String(issue.maximum)}`;
    case 'invalid_value':
      return `${at}: ${issue.message} — 可选值 / one of: ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'invalid_union':
      if ('options' in issue && Array.isArray(issue.options))
        return `${at}: ${issue.message} — 可选值 / one of: ${issue.options.map((v) => JSON.stringify(v)).join(', ')}`;
      return `${at}: ${issue.message}`;
    default:
      return `${at}: ${issue.message}`;
  }
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** Validates a parsed config object; throws ConfigError. The result is frozen. */
export function validateConfig(raw: unknown, source: string): GatewayConfig {
  const result = GatewayConfig.safeParse(raw ?? {});
  if (!result.success) throw new ConfigError(source, result.error.issues.map(describe));
  return deepFreeze(result.data);
}

/** Reads a YAML (.yaml/.yml) or JSON file and validates it. */
export function loadConfig(file: string): GatewayConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(file, [
      `无法读取文件 / cannot read the file: ${(err as Error).message} — 检查路径和权限 / check the path and permissions`,
    ]);
  }
  let raw: unknown;
  try {
    raw = /\.json$/i.test(file) ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    const what = /\.json$/i.test(file) ? 'JSON' : 'YAML';
    throw new ConfigError(file, [
      `${what} 语法错误 / ${what} syntax error: ${(err as Error).message.split('\n')[0]} — 修正该行 / fix that line`,
    ]);
  }
  if (raw !== null && raw !== undefined && (typeof raw !== 'object' || Array.isArray(raw)))
    throw new ConfigError(file, ['(top level / 顶层): 必须是键值映射 / must be a mapping of keys to values']);
  return validateConfig(raw, file);
}
