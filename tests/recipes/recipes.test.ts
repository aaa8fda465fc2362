import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { checkMosquittoPasswd } from './ingest-recipes.ts';
import { checkBackup, checkDoctor, checkRestore, checkServiceDryRun } from './operations-recipes.ts';
import { allBlocks, type Block, shimBin } from './support/recipes.ts';

/**
 * Every recipe marked in README.md and docs/ (```sh recipe=NAME) runs verbatim in a temp folder
 * against real parts, and its check looks for the outcome the text promises. A marked recipe
 * with no check, or a check whose recipe is gone, fails.
 */
type Check = (recipe: Block, files: Block[], bin: string, cleanup: (f: () => unknown) => void) => Promise<void>;

const CHECKS: Record<string, Check> = {
  'mosquitto-passwd': checkMosquittoPasswd,
  'service-dry-run': checkServiceDryRun,
  doctor: checkDoctor,
  backup: checkBackup,
  restore: checkRestore,
};

const blocks = allBlocks();
const recipes = blocks.filter((b) => b.kind === 'recipe');
const files = blocks.filter((b) => b.kind === 'recipe-file');
const bin = shimBin();
const cleanups: (() => unknown)[] = [];

afterAll(async () => {
  for (const f of cleanups.reverse()) await f();
  rmSync(bin, { recursive: true, force: true });
});

describe('documented recipes', () => {
  it('every marked recipe has a check, every check a recipe, names are unique', () => {
    const names = recipes.map((r) => r.name);
    expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
    expect(names.filter((n) => !CHECKS[n])).toEqual([]);
    expect(Object.keys(CHECKS).filter((n) => !names.includes(n))).toEqual([]);
  });

  for (const recipe of recipes) {
    it(`${recipe.name} (${recipe.where})`, async () => {
      await CHECKS[recipe.name](recipe, files, bin, (f) => cleanups.push(f));
    }, 120_000);
  }
});
