import iconv from 'iconv-lite';

/**
 * Component descriptions are 31-byte GB18030 strings (GB 18030-2005), zero-padded. Encoding
 * cuts on a character boundary so a 2- or 4-byte character is never split.
 */
export const DESCRIPTION_BYTES = 31;

export function encodeDescription(text: string): Buffer {
  const out = Buffer.alloc(DESCRIPTION_BYTES);
  let used = 0;
  for (const ch of text) {
    const bytes = iconv.encode(ch, 'gb18030');
    if (used + bytes.length > DESCRIPTION_BYTES) break;
    bytes.copy(out, used);
    used += bytes.length;
  }
  return out;
}

export function decodeDescription(bytes: Uint8Array): string {
  // Only trailing zeros are padding: field devices leave text after a NUL, and it round-trips as \u0000.
  let end = bytes.length;
  while (end > 0 && bytes[end - 1] === 0) end--;
  return iconv.decode(Buffer.from(bytes.subarray(0, end)), 'gb18030');
}
