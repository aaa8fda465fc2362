import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, SOURCE_DIRS } from '../../bin/compile.mjs';
import { runNode } from '../support/run-process.ts';

/**
 * The CLI as an installed copy runs it: the product folders without tests/, compiled by
 * `node bin/compile.mjs` (what `npm ci` runs), then `bin/parkwatch.js`, which takes the compiled
 * modules. A product module that imports tests/ (or anything compile.mjs leaves out) fails here
 * with ERR_MODULE_NOT_FOUND, as it did for a user. In a copy, so the worktree's own compiled
 * modules are not rewritten under other tests' feet.
 */
let copy = '';

beforeAll(() => {
  copy = mkdtempSync(join(tmpdir(), 'pw-installed-'));
  // product sources only: no tests/, no compiled leftovers
  const keep = (src: string) => !src.endsWith('.mjs') || src.startsWith(join(ROOT, 'bin'));
  for (const dir of [...SOURCE_DIRS, 'bin'])
    cpSync(join(ROOT, dir), join(copy, dir), { recursive: true, filter: keep });
  cpSync(join(ROOT, 'package.json'), join(copy, 'package.json'));
  symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'));
  const compiled = spawnSync(process.execPath, ['bin/compile.mjs'], { cwd: copy, encoding: 'utf8' });
  expect(compiled.stderr).toBe('');
  expect(compiled.stdout).toMatch(/compiled \d+ TypeScript files/);
}, 120_000);

afterAll(() => {
  if (copy) rmSync(copy, { recursive: true, force: true });
});

describe('the compiled CLI, installed without tests/', () => {
  it('has no tests/ folder and runs compiled', () => {
    expect(existsSync(join(copy, 'tests'))).toBe(false);
    expect(existsSync(join(copy, 'cli', '.compiled'))).toBe(true);
    expect(existsSync(join(copy, 'simulator', 'live', 'live-stack.mjs'))).toBe(true);
  });

  it('sim park: two nodes against the real gateway and a Mosquitto cloud for 3 s', async () => {
    const r = await runNode([join(copy, 'bin', 'parkwatch.js'), 'sim', 'park', '--nodes', '2', '--duration', '3']);
    expect(r.stderr).not.toContain('ERR_MODULE_NOT_FOUND');
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/hello\s+2\s+2\s+2\s+0/);
  }, 120_000);
});
