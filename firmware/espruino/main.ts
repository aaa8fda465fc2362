import { bootNode } from '../node/boot.ts';
import { EspruinoBoard } from './board.ts';
import type { EspruinoE } from './globals.d.ts';

declare const E: EspruinoE;

E.on('init', () => {
  // Inside the handler: these strings exist only while booting, not as top-level constants.
  /** Firmware version reported in hello. */
  const version = '0.1.0';
  /**
   * The script's own hash: the build replaces the zeros with the hex SHA-256 of the script as it is
   * with the zeros (firmware/fw-hash.ts). Keep the "fwh:" marker: the hash finder looks for it.
   */
  const hash = 'fwh:0000000000000000000000000000000000000000000000000000000000000000';
  bootNode(new EspruinoBoard(), { version: version, hash: hash.substr(4) });
});
