import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Script } from 'node:vm';
import { VirtualBoard } from './board/virtual-board.ts';

/**
 * The firmware's compiled script, the same file that is flashed to a board
 * (firmware/dist/parkwatch-node.js). Built with `parkwatch firmware build` when it is missing.
 */
export const FIRMWARE_SCRIPT = new URL('../firmware/dist/parkwatch-node.js', import.meta.url).pathname;

export interface FirmwareScript {
  file: string;
  /** true when this call had to build it */
  built: boolean;
  script: Script;
  bytes: number;
}

let cached: { mtimeMs: number; fw: FirmwareScript } | undefined;

export async function loadFirmwareScript(file = FIRMWARE_SCRIPT): Promise<FirmwareScript> {
  let built = false;
  if (!existsSync(file)) {
    if (file !== FIRMWARE_SCRIPT) throw new Error(`${file}: no such firmware script / 找不到固件脚本`);
    await buildInto(file);
    built = true;
  }
  const mtimeMs = statSync(file).mtimeMs;
  if (cached && cached.fw.file === file && cached.mtimeMs === mtimeMs) return cached.fw;
  const source = readFileSync(file, 'latin1');
  const fw = { file, built, script: VirtualBoard.compile(source, file), bytes: source.length };
  cached = { mtimeMs, fw };
  return fw;
}

/**
 * Builds the script as `parkwatch firmware build --no-typecheck` does and writes it atomically
 * (temp file + rename): test files in parallel workers may all find it missing at once, and none
 * may read a half-written script.
 */
async function buildInto(file: string): Promise<void> {
  const { buildFirmware } = await import('../firmware/build.ts');
  const r = await buildFirmware({ typecheck: false });
  if (r.findings.length > 0) {
    const first = r.findings[0];
    throw new Error(
      `firmware build has ${r.findings.length} Espruino-subset finding(s) (first: ${first?.rule}: ${first?.message}): run \`npx parkwatch firmware build\` / 固件构建失败`,
    );
  }
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, r.script, 'latin1');
  renameSync(tmp, file);
}
