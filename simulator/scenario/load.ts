import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { type Scenario, ScenarioSchema } from './schema.ts';

/** A scenario file that cannot be used: every problem, each with its path in the file. */
export class ScenarioError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`${file}:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  }
}

export function describeIssues(error: z.ZodError): string[] {
  return error.issues.map((i) => `${i.path.length > 0 ? i.path.join('.') : '(top)'}: ${i.message}`);
}

export function loadScenario(file: string): Scenario {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ScenarioError(file, [`cannot read: ${(err as Error).message} / 无法读取场景文件`]);
  }
  let raw: unknown;
  try {
    raw = file.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new ScenarioError(file, [`not valid ${file.endsWith('.json') ? 'JSON' : 'YAML'}: ${(err as Error).message}`]);
  }
  const parsed = ScenarioSchema.safeParse(raw);
  if (!parsed.success) throw new ScenarioError(file, describeIssues(parsed.error));
  return parsed.data;
}
