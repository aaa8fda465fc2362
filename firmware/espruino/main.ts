import { bootNode } from '../node/boot.ts';
import { EspruinoBoard } from './board.ts';
import type { EspruinoE } from './globals.d.ts';

declare const E: EspruinoE;

/** Firmware version reported in hello. */
const FW_VERSION = '0.1.0';
/**
 * The script's own hash: the build replaces the zeros with the hex SHA-256 of the script as it is
 * with the zeros (firmware/fw-hash.ts). Keep the "fwh:" marker: the hash finder looks for it.
 */
const FW_HASH = 'fwh:0000000000000000000000000000000000000000000000000000000000000000';

E.on('init', () => {
  bootNode(new EspruinoBoard(), { version: FW_VERSION, hash: FW_HASH.substr(4) });
});
