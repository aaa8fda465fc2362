import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { cloudIngestFlow } from './cloud-ingest.ts';
import { escalationFlow } from './escalation.ts';
import type { FlowNode } from './nodes.ts';

/**
 * The flow files under flows/ are built from the TypeScript in flows/src (type-checked and
 * linted like the rest of the code) and the wiring in flows/build. `parkwatch flows build`
 * writes them; a test fails when a committed file differs from what the build makes.
 */

export const FLOWS_DIR = join(import.meta.dirname, '..');

export const FLOW_FILES: Record<string, () => FlowNode[]> = {
  'escalation.json': escalationFlow,
  'cloud-ingest.json': cloudIngestFlow,
};

export function flowText(nodes: FlowNode[]): string {
  return JSON.stringify(nodes, null, 2) + '\n';
}

/** The flow in a committed file, or undefined when there is none (layout is biome's business). */
export function committedFlow(name: string, dir = FLOWS_DIR): unknown {
  try {
    return JSON.parse(readFileSync(join(dir, name), 'utf8'));
  } catch {
    return undefined;
  }
}

/** Writes every flow file; returns the names of those that changed. */
export function buildFlows(dir = FLOWS_DIR): string[] {
  const changed: string[] = [];
  for (const [name, build] of Object.entries(FLOW_FILES)) {
    const nodes = build();
    if (!isDeepStrictEqual(committedFlow(name, dir), nodes)) {
      writeFileSync(join(dir, name), flowText(nodes));
      changed.push(name);
    }
  }
  if (changed.length > 0) formatLikeTheRepo(changed.map((name) => join(dir, name)));
  return changed;
}

/** biome lays JSON out its own way; format the written files so `npm run lint` stays clean. */
function formatLikeTheRepo(files: string[]): void {
  const biome = join(FLOWS_DIR, '..', 'node_modules', '.bin', 'biome');
  try {
    execFileSync(biome, ['format', '--write', ...files], { stdio: 'pipe' });
  } catch (err) {
    process.stderr.write(
      `biome 格式化失败 / biome format failed (run "npx biome format --write flows"): ${String(err)}\n`,
    );
  }
}

export async function runBuild(args: string[]): Promise<number> {
  if (args.length > 0) {
    process.stderr.write('用法 / usage: parkwatch flows build\n');
    return 2;
  }
  const changed = buildFlows();
  process.stdout.write(
    changed.length === 0
      ? '流程文件已是最新 / flow files are up to date\n'
      : `已更新 / updated: ${changed.map((n) => join('flows', n)).join(', ')}\n`,
  );
  return 0;
}
