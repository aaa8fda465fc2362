import { createHmac } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { nodeSha256 } from '../../gateway/wire/node-sha256.ts';
import { NodeCommand, NodeMessage } from '../../gateway/wire/schemas.ts';
import {
  binaryToHex,
  canonicalJson,
  crc16Hex,
  encodeFrame,
  hexToBinary,
  hmacSha256,
  isValidId,
  seal,
  signBody,
  unseal,
  verifyBody,
} from '../../protocol/index.ts';
import { KEY, OTHER_KEY, SAMPLE_COMMANDS, SAMPLE_MESSAGES } from './samples.ts';

const VECTORS = new URL('../fixtures/protocol-vectors.json', import.meta.url);

describe('canonical encoding and signatures', () => {
  it('canonical JSON sorts keys, drops undefined, escapes non-ASCII', () => {
    expect(canonicalJson({ b: 1, a: [true, null, 'x'], c: undefined })).toBe('{"a":[true,null,"x"],"b":1}');
    expect(canonicalJson({ s: '烟"\\\n' })).toBe('{"s":"\\u70df\\"\\\\\\n"}');
    expect(JSON.parse(canonicalJson({ s: '烟 alarm' })).s).toBe('烟 alarm');
  });

  it('HMAC-SHA256 with an injected SHA-256 equals node:crypto (RFC 4231 case 2 and a long key)', () => {
    const rfc = hmacSha256(nodeSha256, 'Jefe', 'what do ya want for nothing?');
    expect(binaryToHex(rfc)).toBe('5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
    const longKey = 'k'.repeat(100);
    expect(binaryToHex(hmacSha256(nodeSha256, longKey, 'm'))).toBe(
      createHmac('sha256', Buffer.from(longKey, 'latin1')).update('m').digest('hex'),
    );
  });

  it('CRC-16/CCITT-FALSE check value', () => {
    expect(crc16Hex('123456789')).toBe('29b1');
  });

  it.each(SAMPLE_MESSAGES.map((m) => [m.kind, m] as const))(
    'round-trips a %s message through seal, schema and verify',
    (_k, m) => {
      const wire = seal(nodeSha256, KEY, m);
      const parts = unseal(wire);
      expect(parts).toBeDefined();
      expect(verifyBody(nodeSha256, KEY, parts!)).toBe(true);
      const parsed = NodeMessage.parse(JSON.parse(wire));
      expect({ ...parsed, sig: undefined }).toEqual({ ...m, sig: undefined });
      expect(/^[\x20-\x7e]+$/.test(wire)).toBe(true);
    },
  );

  it.each(SAMPLE_COMMANDS.map((c) => [c.kind, c] as const))('round-trips a %s command', (_k, c) => {
    const wire = seal(nodeSha256, KEY, c);
    expect(verifyBody(nodeSha256, KEY, unseal(wire)!)).toBe(true);
    expect(NodeCommand.parse(JSON.parse(wire)).kind).toBe(c.kind);
  });

  it('refuses a wrong key, a tampered field, a re-ordered body and a missing or short signature', () => {
    const wire = seal(nodeSha256, KEY, SAMPLE_MESSAGES[4]);
    expect(verifyBody(nodeSha256, OTHER_KEY, unseal(wire)!)).toBe(false);
    const tampered = wire.replace('"v":160', '"v":161');
    expect(tampered).not.toBe(wire);
    expect(verifyBody(nodeSha256, KEY, unseal(tampered)!)).toBe(false);
    const reordered = wire.replace('"age":1500,"boot":3', '"boot":3,"age":1500');
    expect(verifyBody(nodeSha256, KEY, unseal(reordered)!)).toBe(false);
    expect(unseal(wire.replace(/,"sig":"[0-9a-f]+"/, ''))).toBeUndefined();
    expect(unseal(wire.replace(/"sig":"([0-9a-f]{4})[0-9a-f]+"/, '"sig":"$1"'))).toBeUndefined();
  });

  it('matches the golden vectors (an accidental change of the wire format fails here)', () => {
    const current = {
      key: KEY,
      messages: SAMPLE_MESSAGES.map((m) => {
        const wire = seal(nodeSha256, KEY, m);
        return { kind: m.kind, wire, frame: encodeFrame(wire), sig: unseal(wire)!.sig };
      }),
      commands: SAMPLE_COMMANDS.map((c) => ({ kind: c.kind, wire: seal(nodeSha256, KEY, c) })),
    };
    if (process.env.UPDATE_VECTORS) writeFileSync(VECTORS, `${JSON.stringify(current, null, 2)}\n`);
    const golden = JSON.parse(readFileSync(VECTORS, 'utf8'));
    expect(current).toEqual(golden);
    // The stored bytes verify on their own, independent of the sample objects.
    for (const v of golden.messages) {
      const parts = unseal(v.wire)!;
      const node = createHmac('sha256', hexToBinary(KEY)!).update(parts.body, 'latin1').digest('hex').slice(0, 32);
      expect(parts.sig).toBe(node);
      expect(signBody(nodeSha256, KEY, parts.body)).toBe(v.sig);
    }
  });

  it('ids are topic- and file-safe', () => {
    expect(isValidId('n-0001_A')).toBe(true);
    for (const bad of ['', 'a/b', 'a+b', '#', 'x'.repeat(33), '节点']) expect(isValidId(bad)).toBe(false);
  });
});
