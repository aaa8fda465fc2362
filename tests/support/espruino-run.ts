import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The Espruino interpreter: $ESPRUINO_BIN, or the team's build beside the repository. */
export const ESPRUINO_BIN =
  process.env.ESPRUINO_BIN ?? fileURLToPath(new URL('../../../shared/tools/espruino/espruino', import.meta.url));

/** Runs a script to its end in a fresh interpreter (clean Storage) and gives what it printed. */
export function runEspruinoScript(script: string, timeoutMs = 20_000): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'pw-espruino-'));
  const file = join(dir, 'script.js');
  writeFileSync(file, `${script}\nquit();\n`);
  return new Promise((resolve, reject) => {
    // stdin stays open: on a closed stdin the interpreter may exit before the script ends
    const child = spawn(ESPRUINO_BIN, [file], { cwd: dir, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      out += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (err) => reject(new Error(`cannot run ${ESPRUINO_BIN}: ${err.message}`)));
    child.on('exit', () => {
      clearTimeout(timer);
      resolve(out);
    });
  });
}
