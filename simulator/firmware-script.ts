import { existsSync, readFileSync, statSync } from 'node:fs';
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
    const { runBuild } = await import('../firmware/build.ts');
    const status = await runBuild(['--no-typecheck']);
    if (status !== 0 || !existsSync(file)) {
      throw new Error(
        `firmware build failed, ${file} not written: run \`npx parkwatch firmware build\` and fix what it reports / 固件构建失败`,
      );
    }
    built = true;
  }
  const mtimeMs = statSync(file).mtimeMs;
  if (cached && cached.fw.file === file && cached.mtimeMs === mtimeMs) return cached.fw;
  const source = readFileSync(file, 'latin1');
  const fw = { file, built, script: VirtualBoard.compile(source, file), bytes: source.length };
  cached = { mtimeMs, fw };
  return fw;
}
