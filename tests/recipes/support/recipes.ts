import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The shell recipes of README.md and docs/*.md, found by their fence's info string:
 * "```sh recipe=NAME" is a script run as written; "```conf recipe-file=NAME" is a file a
 * recipe's check puts in place. Indented fences (inside list items) count too.
 */
export const ROOT = join(import.meta.dirname, '..', '..', '..');

export interface Block {
  kind: 'recipe' | 'recipe-file';
  name: string;
  /** file it came from, relative to the repo, and its first line */
  where: string;
  text: string;
}

export function documentedFiles(): string[] {
  return [
    'README.md',
    ...readdirSync(join(ROOT, 'docs'))
      .filter((f) => f.endsWith('.md'))
      .map((f) => `docs/${f}`),
  ];
}

export function blocksIn(file: string): Block[] {
  const lines = readFileSync(join(ROOT, file), 'utf8').split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)```\w+ (recipe|recipe-file)=([\w.-]+)\s*$/.exec(lines[i]);
    if (!open) continue;
    const [, indent, kind, name] = open;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length && lines[j].trim() !== '```'; j++) body.push(lines[j].slice(indent.length));
    if (j === lines.length) throw new Error(`${file}:${i + 1}: recipe ${name} has no closing fence`);
    blocks.push({ kind: kind as Block['kind'], name, where: `${file}:${i + 1}`, text: `${body.join('\n')}\n` });
    i = j;
  }
  return blocks;
}

export function allBlocks(): Block[] {
  return documentedFiles().flatMap(blocksIn);
}

/** A folder with `parkwatch` on it: the command as the docs write it, running this checkout. */
export function shimBin(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pw-recipe-bin-'));
  const file = join(dir, 'parkwatch');
  writeFileSync(file, `#!/bin/sh\nexec "${process.execPath}" "${join(ROOT, 'bin', 'parkwatch.js')}" "$@"\n`);
  chmodSync(file, 0o755);
  return dir;
}

export interface ScriptResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a recipe with bash -euo pipefail in `cwd`, `parkwatch` first on PATH. */
export function runRecipe(text: string, cwd: string, bin: string, env: NodeJS.ProcessEnv = {}): Promise<ScriptResult> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-euo', 'pipefail', '-c', text], {
      cwd,
      env: { ...process.env, ...env, PATH: `${bin}:${process.env.PATH}` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}
