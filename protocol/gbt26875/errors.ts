/**
 * Why a GB/T 26875.3 frame was refused. Codes are stable (tests, metrics labels, the CLI);
 * the CLI and the centre peer turn them into text. `deny` tells whether the standard's answer
 * to such a frame is a deny (command 6): only when the frame itself could be read far enough
 * to know its serial number and the checksum held.
 */
export type GbtErrorCode =
  | 'short' // fewer bytes than the fixed 30 of a frame
  | 'start' // first two bytes are not 40 40 ('@@')
  | 'end' // last two bytes are not 23 23 ('##')
  | 'length' // the length field does not match the bytes between header and checksum
  | 'oversize' // application data longer than 1024 bytes
  | 'checksum' // sum of bytes 3..27+L mod 256 differs from the checksum byte
  | 'command' // command byte outside 1..6
  | 'time' // a time label that is no calendar time
  | 'data' // application data that does not parse for its type (object count, sizes)
  | 'field'; // a value out of range when encoding

export class GbtError extends Error {
  constructor(
    readonly code: GbtErrorCode,
    message: string,
  ) {
    super(`${code}: ${message}`);
    this.name = 'GbtError';
  }
}
