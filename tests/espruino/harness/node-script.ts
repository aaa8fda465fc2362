import { buildFirmware, SIZE_BUDGET } from '../../../firmware/build.ts';
import { FRAME_START } from '../../../protocol/framing.ts';

let built: Promise<string> | undefined;

/**
 * The node script exactly as `npx parkwatch firmware build` writes it to firmware/dist (the same
 * function, kept in memory here so test files running in parallel do not race on that file).
 */
export function nodeScript(): Promise<string> {
  built ??= buildFirmware({ typecheck: false }).then((r) => {
    if (r.findings.length > 0) throw new Error(`firmware check: ${r.findings.length} finding(s)`);
    if (r.bytes > SIZE_BUDGET) throw new Error(`firmware is ${r.bytes} B, over ${SIZE_BUDGET}`);
    return r.script;
  });
  return built;
}

/** A message the node printed on its console as a frame (its first readings at boot). */
export function consoleFrame(line: string): Record<string, unknown> | undefined {
  if (!line.startsWith(FRAME_START)) return undefined;
  return JSON.parse(line.slice(FRAME_START.length, line.lastIndexOf('*')));
}
