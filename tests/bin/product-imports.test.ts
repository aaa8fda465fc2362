import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, sources } from '../../bin/compile.mjs';

/**
 * Product code never reaches into tests/: `bin/compile.mjs` compiles only the product folders,
 * so a product import of tests/ breaks the installed CLI (ERR_MODULE_NOT_FOUND) while the tests,
 * which run the .ts sources, still pass. Any relative path in a product file (import, export,
 * import(), new URL) that lands in tests/ fails here.
 */
const RELATIVE_PATH = /['"`](\.{1,2}\/[^'"`\s]*)['"`]/g;

function productFiles(): string[] {
  const bin = readdirSync(join(ROOT, 'bin'))
    .filter((f) => /\.(m?js|ts)$/.test(f))
    .map((f) => join(ROOT, 'bin', f));
  return [...sources(), ...bin];
}

describe('product code and tests/', () => {
  it('no file outside tests/ refers to a path inside tests/', () => {
    const files = productFiles();
    expect(files.length).toBeGreaterThan(100);
    const tests = join(ROOT, 'tests') + '/';
    const found: string[] = [];
    for (const file of files) {
      for (const m of readFileSync(file, 'utf8').matchAll(RELATIVE_PATH)) {
        const target = resolve(dirname(file), m[1] as string);
        if (target.startsWith(tests)) found.push(`${relative(ROOT, file)} -> ${m[1]}`);
      }
    }
    expect(found).toEqual([]);
  });
});
