import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'vitest';

/**
 * Where the real Espruino interpreter is: ESPRUINO_BIN, else the team's build beside the repo
 * (../shared/tools/espruino/espruino, see its README). Without it the suite fails with how to
 * get it, unless PARKWATCH_SKIP_ESPRUINO=1, which skips it and says so.
 */
export const ESPRUINO_COMMIT = 'c5ff787b1';
const ROOT = join(import.meta.dirname, '..', '..', '..');

export function espruinoBin(): string {
  return process.env.ESPRUINO_BIN || join(ROOT, '..', 'shared', 'tools', 'espruino', 'espruino');
}

export function missingMessage(bin: string): string {
  return [
    `找不到 Espruino 解释器 ${bin}。`,
    `  构建：git clone https://github.com/espruino/Espruino && cd Espruino && git checkout ${ESPRUINO_COMMIT} && make RELEASE=1`,
    '  然后设置 ESPRUINO_BIN=<该目录>/espruino；或设置 PARKWATCH_SKIP_ESPRUINO=1 跳过这些测试。',
    `The Espruino interpreter is missing: ${bin}.`,
    `  Build it: git clone https://github.com/espruino/Espruino && cd Espruino && git checkout ${ESPRUINO_COMMIT} && make RELEASE=1`,
    '  (Python 3 and gcc, about two minutes), then set ESPRUINO_BIN=<that folder>/espruino;',
    '  or set PARKWATCH_SKIP_ESPRUINO=1 to skip these tests.',
  ].join('\n');
}

/**
 * `describe` for a suite that runs the real interpreter: with no interpreter it fails with
 * missingMessage (or, with PARKWATCH_SKIP_ESPRUINO=1, skips loudly).
 */
export function describeOnEspruino(name: string, body: () => void): void {
  const bin = espruinoBin();
  if (existsSync(bin)) {
    // Typing into the interpreter's console can lose characters when the machine is loaded (its
    // input buffer is small): a test whose typed line was garbled runs once more. A real failure
    // fails every try.
    describe(name, { retry: 1 }, body);
    return;
  }
  if (process.env.PARKWATCH_SKIP_ESPRUINO === '1') {
    console.warn(`\n!!! 跳过 / SKIPPED "${name}" (PARKWATCH_SKIP_ESPRUINO=1)\n${missingMessage(bin)}\n`);
    describe.skip(name, body);
    return;
  }
  describe(name, () => {
    it('needs the Espruino interpreter', () => {
      throw new Error(missingMessage(bin));
    });
  });
}
