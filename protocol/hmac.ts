/**
 * HMAC-SHA256 (RFC 2104) over "binary strings" (one char per byte, 0..255), with the
 * SHA-256 function passed in: on Espruino it wraps require("crypto").SHA256, on Node it
 * wraps node:crypto. Espruino has SHA256 but no HMAC, so the firmware needs this.
 */
export type Sha256 = (binary: string) => string;

const BLOCK = 64;

export function hmacSha256(sha256: Sha256, keyBinary: string, messageBinary: string): string {
  let key = keyBinary.length > BLOCK ? sha256(keyBinary) : keyBinary;
  while (key.length < BLOCK) key += '\u0000';
  let inner = '';
  let outer = '';
  for (let i = 0; i < BLOCK; i++) {
    const k = key.charCodeAt(i);
    inner += String.fromCharCode(k ^ 0x36);
    outer += String.fromCharCode(k ^ 0x5c);
  }
  return sha256(outer + sha256(inner + messageBinary));
}

const HEX = '0123456789abcdef';

export function binaryToHex(binary: string): string {
  let out = '';
  for (let i = 0; i < binary.length; i++) {
    const c = binary.charCodeAt(i);
    out += HEX.charAt((c >> 4) & 15) + HEX.charAt(c & 15);
  }
  return out;
}

/** Returns undefined when `hex` is not an even-length hex string. */
export function hexToBinary(hex: string): string | undefined {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) return undefined;
  let out = '';
  for (let i = 0; i < hex.length; i += 2) out += String.fromCharCode(parseInt(hex.substr(i, 2), 16));
  return out;
}

/** Comparison whose time does not depend on where the strings differ. */
export function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}
