import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  GENESIS,
  headSignatureValid,
  link,
  linkHash,
  type SignedHead,
  type StoredChainRow,
  sha256Hex,
  signHead,
  verifyChain,
  withChain,
} from '../../gateway/store/chain.ts';

const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const other = generateKeyPairSync('ed25519');

/** A chain of n live rows, every 4th telemetry. */
function chainOf(n: number): StoredChainRow[] {
  const rows: StoredChainRow[] = [];
  let prev = GENESIS;
  for (let seq = 1; seq <= n; seq++) {
    const kind = seq % 4 === 0 ? 'telemetry' : 'alarm';
    const body = JSON.stringify({ id: `gw:${seq}`, seq, kind });
    const l = link(prev, { seq, at: 1000 + seq, node: seq % 3 === 0 ? null : 'n1', kind, bodyHash: sha256Hex(body) });
    rows.push({ seq, at: 1000 + seq, node: seq % 3 === 0 ? null : 'n1', kind, body, bodyHash: null, ...l });
    prev = l.hash;
  }
  return rows;
}

const headOf = (rows: StoredChainRow[], i: number): SignedHead =>
  signHead(privateKey, rows[i].seq, rows[i].hash ?? '', 5000 + i);

describe('event chain', () => {
  it('verifies an intact chain with its signed heads', () => {
    const rows = chainOf(20);
    const v = verifyChain(rows, [headOf(rows, 9), headOf(rows, 15)], publicKey);
    expect(v.firstBad).toBeNull();
    expect(v).toMatchObject({ events: 20, signedHeads: 2, unsignedTail: 4, head: rows[19].hash });
  });

  it('links depend on every covered field and on the previous hash', () => {
    const row = { seq: 1, at: 1, node: 'n', kind: 'alarm', bodyHash: sha256Hex('{}') };
    const base = linkHash(GENESIS, row);
    expect(linkHash(GENESIS, { ...row, seq: 2 })).not.toBe(base);
    expect(linkHash(GENESIS, { ...row, at: 2 })).not.toBe(base);
    expect(linkHash(GENESIS, { ...row, node: null })).not.toBe(base);
    expect(linkHash(GENESIS, { ...row, node: '' })).not.toBe(linkHash(GENESIS, { ...row, node: null }));
    expect(linkHash(GENESIS, { ...row, kind: 'clear' })).not.toBe(base);
    expect(linkHash(sha256Hex('x'), row)).not.toBe(base);
  });

  it('names an altered body, an altered column and an altered hash', () => {
    const body = chainOf(10);
    body[4] = { ...body[4], body: body[4].body?.replace('alarm', 'clear') ?? null };
    expect(verifyChain(body, [], publicKey).firstBad).toMatchObject({ seq: 5, reason: 'altered' });
    const col = chainOf(10);
    col[6] = { ...col[6], at: col[6].at + 1 };
    expect(verifyChain(col, [], publicKey).firstBad).toMatchObject({ seq: 7, reason: 'altered' });
    const hash = chainOf(10);
    hash[2] = { ...hash[2], hash: sha256Hex('forged') };
    expect(verifyChain(hash, [], publicKey).firstBad).toMatchObject({ seq: 3, reason: 'altered' });
  });

  it('names the row after a deletion and an inserted row', () => {
    const deleted = chainOf(10);
    deleted.splice(3, 1);
    expect(verifyChain(deleted, [], publicKey).firstBad).toMatchObject({ seq: 5, reason: 'unlinked' });
    const inserted = chainOf(10);
    inserted.splice(5, 0, { ...inserted[5], seq: 6, prevHash: null, hash: null });
    expect(verifyChain(inserted, [], publicKey).firstBad).toMatchObject({ seq: 6, reason: 'unchained' });
  });

  it('catches a rewritten tail through the signed head', () => {
    const rows = chainOf(10);
    const heads = [headOf(rows, 7)];
    // re-link from row 5 on with an altered body: every link checks, the signed head does not
    let prev = rows[3].hash ?? '';
    for (let i = 4; i < rows.length; i++) {
      const body = i === 4 ? '{"forged":true}' : (rows[i].body ?? '');
      const l = link(prev, { ...rows[i], bodyHash: sha256Hex(body) });
      rows[i] = { ...rows[i], body, ...l };
      prev = l.hash;
    }
    expect(verifyChain(rows, heads, publicKey).firstBad).toMatchObject({ seq: 8, reason: 'head_mismatch' });
  });

  it('catches a deleted signed tail and a head signed by another key', () => {
    const rows = chainOf(10);
    const heads = [headOf(rows, 9)];
    expect(verifyChain(rows.slice(0, 8), heads, publicKey).firstBad).toMatchObject({ seq: 10, reason: 'unlinked' });
    const forged = signHead(other.privateKey, 10, rows[9].hash ?? '', 1);
    expect(headSignatureValid(publicKey, forged)).toBe(false);
    expect(verifyChain(rows, [forged], publicKey).firstBad).toMatchObject({ seq: 10, reason: 'head_signature' });
  });

  it('accepts telemetry tombstones and refuses a tombstone of any other kind', () => {
    const rows = chainOf(8);
    const pruned = rows.map((r) =>
      r.kind === 'telemetry' ? { ...r, body: null, bodyHash: sha256Hex(r.body ?? '') } : r,
    );
    const v = verifyChain(pruned, [], publicKey);
    expect(v.firstBad).toBeNull();
    expect(v.tombstones).toBe(2);
    const lying = rows.map((r, i) => (i === 2 ? { ...r, body: null, bodyHash: sha256Hex(r.body ?? '') } : r));
    expect(verifyChain(lying, [], publicKey).firstBad).toMatchObject({ seq: 3, reason: 'tombstone' });
  });

  it('counts rows before the chain as legacy, not as breaks', () => {
    const rows = chainOf(5);
    const legacy: StoredChainRow = { ...rows[0], seq: 0, prevHash: null, hash: null };
    const v = verifyChain([legacy, ...rows], [], publicKey);
    expect(v.firstBad).toBeNull();
    expect(v.legacy).toBe(1);
  });

  it('appends the link to the cloud payload so the body can be recovered', () => {
    const body = JSON.stringify({ id: 'gw:1', seq: 1, data: { a: 'é"' } });
    const l = link(GENESIS, { seq: 1, at: 1, node: null, kind: 'alarm', bodyHash: sha256Hex(body) });
    const sent = JSON.parse(withChain(body, l.prevHash, l.hash));
    expect(sent.chain).toEqual({ prev: GENESIS, hash: l.hash });
    const { chain: _, ...rest } = sent;
    expect(JSON.stringify(rest)).toBe(body);
    expect(withChain(body, null, null)).toBe(body);
  });
});
