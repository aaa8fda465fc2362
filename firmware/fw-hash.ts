import { createHash } from 'node:crypto';

/**
 * The firmware hash reported in hello (`fwh`): hex SHA-256 of the built script with its own
 * hash slot ("fwh:" + 64 hex, see firmware/espruino/main.ts) set to zeros. A script cannot
 * contain its own hash, so this is the next best thing that anyone can recompute from the file.
 */
const SLOT = /fwh:[0-9a-f]{64}/;
const ZEROS = '0'.repeat(64);

export function firmwareHash(script: string): string {
  if (!SLOT.test(script)) throw new Error('no firmware hash slot in the script / 脚本中没有固件哈希位置');
  return createHash('sha256')
    .update(script.replace(SLOT, 'fwh:' + ZEROS), 'latin1')
    .digest('hex');
}

/** The hash the script reports about itself. */
export function embeddedHash(script: string): string | undefined {
  const m = SLOT.exec(script);
  return m ? m[0].substr(4) : undefined;
}

/** Writes the script's hash into its slot. */
export function stampHash(script: string): string {
  return script.replace(SLOT, 'fwh:' + firmwareHash(script));
}
