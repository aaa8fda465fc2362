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

/** The top folder of every product file a product file imports, as `from -> to` pairs. */
function folderEdges(): Map<string, string[]> {
  const edges = new Map<string, string[]>();
  for (const file of sources()) {
    const from = relative(ROOT, file).split('/')[0] as string;
    for (const m of readFileSync(file, 'utf8').matchAll(RELATIVE_PATH)) {
      const to = relative(ROOT, resolve(dirname(file), m[1] as string)).split('/')[0] as string;
      if (to === from) continue;
      const key = `${from} -> ${to}`;
      edges.set(key, [...(edges.get(key) ?? []), relative(ROOT, file)]);
    }
  }
  return edges;
}

describe('product code and tests/', () => {
  it('imports point down: only cli/ imports the CLI, protocol/ and errors/ import no other folder', () => {
    const edges = folderEdges();
    expect([...edges.keys()].length).toBeGreaterThan(5);
    const upward = [...edges].filter(
      ([edge]) => / -> cli$/.test(edge) || /^(protocol|errors) -> /.test(edge) || / -> tests$/.test(edge),
    );
    expect(upward).toEqual([]);
  });

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
