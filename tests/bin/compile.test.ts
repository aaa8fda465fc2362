import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compiledIsCurrent, RELATIVE_TS, STAMP, sources } from '../../bin/compile.mjs';

const rewrite = (code: string) => code.replace(RELATIVE_TS, '$1$2$3.mjs$2');

describe('bin/compile.mjs', () => {
  it('points relative .ts imports at the compiled .mjs, and leaves packages alone', () => {
    expect(rewrite(`import { a } from './a.ts';`)).toBe(`import { a } from './a.mjs';`);
    expect(rewrite(`export * from "../b/c.ts";`)).toBe(`export * from "../b/c.mjs";`);
    expect(rewrite(`const m = await import('../x/y.ts');`)).toBe(`const m = await import('../x/y.mjs');`);
    expect(rewrite(`import z from 'zod';\nimport d from './data.json';`)).toBe(
      `import z from 'zod';\nimport d from './data.json';`,
    );
  });

  it('says the compiled modules are stale when a source is newer than the stamp, or when there is none', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pw-stamp-'));
    const stamp = join(dir, '.compiled');
    expect(compiledIsCurrent(stamp)).toBe(false);
    writeFileSync(stamp, 'x');
    utimesSync(stamp, new Date(0), new Date(0));
    expect(compiledIsCurrent(stamp)).toBe(false);
    const future = new Date(Date.now() + 3_600_000);
    utimesSync(stamp, future, future);
    expect(compiledIsCurrent(stamp)).toBe(true);
    expect(sources().length).toBeGreaterThan(100);
  });

  it('the compiled CLI loads and answers like the TypeScript one', () => {
    // `npm ci` compiles; an edited checkout may hold none or stale ones: compile as prepare does
    if (!compiledIsCurrent()) {
      const made = spawnSync(process.execPath, ['bin/compile.mjs'], { encoding: 'utf8' });
      expect(made.status, made.stderr).toBe(0);
    }
    expect(existsSync(STAMP)).toBe(true);
    const compiled = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        "const { main } = await import('./cli/main.mjs'); process.exitCode = await main(['--help']);",
      ],
      { encoding: 'utf8' },
    );
    expect(compiled.status).toBe(0);
    const viaBin = spawnSync(process.execPath, ['bin/parkwatch.js', '--help'], { encoding: 'utf8' });
    expect(viaBin.status).toBe(0);
    expect(compiled.stdout).toBe(viaBin.stdout);
    expect(compiled.stdout).toContain('parkwatch gateway --config FILE');
  });
});
