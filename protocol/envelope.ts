import { canonicalJson } from './canonical.ts';
import { binaryToHex, constantTimeEqual, hexToBinary, hmacSha256, type Sha256 } from './hmac.ts';
import type { NodeCommand, NodeMessage } from './message.ts';

/**
 * Signing. The wire form of a message is its canonical JSON body with one last member,
 * `"sig":"<hex>"`, spliced in before the closing brace. The signature covers exactly the
 * body bytes that were sent, so the receiver never has to re-encode (Espruino and V8 print
 * floats differently) and any changed byte, field or key order fails verification.
 */

/** Bytes of HMAC-SHA256 kept: 128 bits, the RFC 2104 guidance of at least half the hash. */
export const SIG_BYTES = 16;
const SIG_HEX = SIG_BYTES * 2;

export function signBody(sha256: Sha256, keyHex: string, body: string): string {
  const key = hexToBinary(keyHex);
  if (key === undefined) throw new Error('node key must be hex / 节点密钥必须是十六进制');
  return binaryToHex(hmacSha256(sha256, key, body).substr(0, SIG_BYTES));
}

/** Encodes and signs a message or command; returns its wire form (pure ASCII, no newline). */
export function seal(sha256: Sha256, keyHex: string, message: NodeMessage | NodeCommand): string {
  const body = canonicalJson(message);
  return body.substr(0, body.length - 1) + ',"sig":"' + signBody(sha256, keyHex, body) + '"}';
}

export interface Unsealed {
  /** The signed bytes: the wire form without its sig member. */
  body: string;
  sig: string;
}

/** Splits a wire form into signed body and signature; undefined when there is no valid sig member. */
export function unseal(wire: string): Unsealed | undefined {
  // made per call, not at top level: on Espruino a kept RegExp object costs ~15 JsVars
  const m = /,"sig":"([0-9a-f]+)"\}$/.exec(wire);
  if (!m || m[1].length !== SIG_HEX || m.index === 0) return undefined;
  return { body: wire.substr(0, m.index) + '}', sig: m[1] };
}

export function verifyBody(sha256: Sha256, keyHex: string, parts: Unsealed): boolean {
  return constantTimeEqual(signBody(sha256, keyHex, parts.body), parts.sig);
}
