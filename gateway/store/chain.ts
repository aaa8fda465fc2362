import { createHash, type KeyObject, sign, verify } from 'node:crypto';

/**
 * The event log's hash chain (issue 14): pure functions, no database. Every stored event links
 * to the one before it by `hash = SHA-256(prevHash || canonical(row))`, per gateway, in seq order.
 * The canonical bytes cover the row's seq, time, node, kind and the SHA-256 of its body, so a
 * pruned telemetry event can keep its link as a tombstone (the body's digest, not the body).
 * Altering a row breaks its own hash; deleting or inserting one breaks the next row's prevHash;
 * rewriting the whole tail breaks the signed heads (Ed25519, the gateway's own key).
 */

/** prevHash of the first event of a chain: 32 zero bytes, hex. */
export const GENESIS = '0'.repeat(64);

/** The stored columns a link covers; `bodyHash` is SHA-256(body) in hex. */
export interface ChainRow {
  seq: number;
  at: number;
  node: string | null;
  kind: string;
  bodyHash: string;
}

/** A row as read back for verification: a live event has `body`; a tombstone only its stored digest. */
export interface StoredChainRow extends Omit<ChainRow, 'bodyHash'> {
  body: string | null;
  /** set for tombstones (pruned telemetry); live rows are hashed from their body */
  bodyHash: string | null;
  prevHash: string | null;
  hash: string | null;
}

export interface ChainLink {
  prevHash: string;
  hash: string;
}

/** A head (seq, hash) the gateway signed at `signedAt`. */
export interface SignedHead {
  seq: number;
  hash: string;
  signedAt: number;
  sig: string;
}

export function sha256Hex(text: string | Buffer): string {
  return createHash('sha256').update(text).digest('hex');
}

/** The row's canonical bytes: a JSON array, so a null node and '' differ and no field can run into the next. */
export function canonical(row: ChainRow): Buffer {
  return Buffer.from(JSON.stringify([row.seq, row.at, row.node, row.kind, row.bodyHash]), 'utf8');
}

export function linkHash(prevHash: string, row: ChainRow): string {
  return createHash('sha256').update(Buffer.from(prevHash, 'hex')).update(canonical(row)).digest('hex');
}

/** Links a row to the chain whose head is `prevHash`. */
export function link(prevHash: string, row: ChainRow): ChainLink {
  return { prevHash, hash: linkHash(prevHash, row) };
}

/**
 * The event as the cloud receives it: the stored body with `chain` appended as its last key, so
 * a receiver that drops `chain` and serialises the rest again (JSON.stringify keeps key order)
 * gets the stored body back, and can recompute the hash. Rows stored before the chain go as they are.
 */
export function withChain(body: string, prevHash: string | null, hash: string | null): string {
  if (prevHash === null || hash === null || !body.endsWith('}')) return body;
  return `${body.slice(0, -1)},"chain":${JSON.stringify({ prev: prevHash, hash })}}`;
}

/** The bytes a head signature covers. */
export function headMessage(seq: number, hash: string, signedAt: number): Buffer {
  return Buffer.from(`parkwatch-chain-head-v1\n${seq}\n${hash}\n${signedAt}`, 'utf8');
}

export function signHead(privateKey: KeyObject, seq: number, hash: string, signedAt: number): SignedHead {
  return { seq, hash, signedAt, sig: sign(null, headMessage(seq, hash, signedAt), privateKey).toString('base64') };
}

export function headSignatureValid(publicKey: KeyObject, head: SignedHead): boolean {
  return verify(null, headMessage(head.seq, head.hash, head.signedAt), publicKey, Buffer.from(head.sig, 'base64'));
}

export type ChainBreakReason = 'altered' | 'unlinked' | 'unchained' | 'tombstone' | 'head_mismatch' | 'head_signature';

/** Where a chain's rows begin: after `seq`, whose hash is `hash` (the genesis, or an archive's last row). */
export interface ChainStart {
  seq: number;
  hash: string;
}

export interface ChainBreak {
  seq: number;
  reason: ChainBreakReason;
  /** bilingual, for the operator */
  message: string;
}

export interface ChainVerdict {
  /** chained events checked (live and tombstones) */
  events: number;
  tombstones: number;
  /** rows stored before the chain existed (schema v4), at the start of the log */
  legacy: number;
  head: string;
  signedHeads: number;
  /** events after the newest signed head */
  unsignedTail: number;
  firstBad: ChainBreak | null;
}

const REASONS: Record<ChainBreakReason, string> = {
  altered: '内容被改动（哈希不符）/ altered: its hash does not match its contents',
  unlinked:
    '前一哈希不符：之前有事件被删除或插入 / prevHash does not match: an event before it was deleted or inserted',
  unchained: '没有链字段：在链建立后被插入 / carries no chain fields: inserted after the chain began',
  tombstone: '墓碑只允许用于过期遥测 / a tombstone that is not pruned telemetry',
  head_mismatch:
    '已签名的链头与该事件的哈希不符：链被重写 / a signed head does not match this event: the chain was rewritten',
  head_signature: '链头签名无效 / a head signature does not verify with the gateway key',
};

function broken(seq: number, reason: ChainBreakReason): ChainBreak {
  return { seq, reason, message: REASONS[reason] };
}

/**
 * Walks rows in seq order (events and tombstones merged) and checks every link, then every
 * signed head against the chain and the public key. Rows before the first chained row are
 * legacy (made before the chain existed); a row without chain fields after it is an insertion.
 * Stops at the first bad event: everything after it is unproven.
 */
export function verifyChain(
  rows: Iterable<StoredChainRow>,
  heads: readonly SignedHead[],
  publicKey: KeyObject,
  from: ChainStart = { seq: 0, hash: GENESIS },
): ChainVerdict {
  const verdict: ChainVerdict = {
    events: 0,
    tombstones: 0,
    legacy: 0,
    head: from.hash,
    signedHeads: 0,
    unsignedTail: 0,
    firstBad: null,
  };
  // the link the rows continue from is known (an archive's last): a signed head may name it
  const hashAt = new Map<number, string>(from.seq > 0 ? [[from.seq, from.hash]] : []);
  const wanted = new Set(heads.map((h) => h.seq));
  const newestHead = heads.reduce((m, h) => Math.max(m, h.seq), 0);
  let lastSeq = from.seq;
  for (const r of rows) {
    if (from.seq > 0 && r.seq <= from.seq) {
      verdict.firstBad = broken(r.seq, 'unlinked');
      return verdict;
    }
    if (r.hash === null || r.prevHash === null) {
      if (verdict.events === 0 && from.seq === 0) {
        verdict.legacy++;
        continue;
      }
      verdict.firstBad = broken(r.seq, 'unchained');
      return verdict;
    }
    if (r.body === null && r.kind !== 'telemetry') {
      verdict.firstBad = broken(r.seq, 'tombstone');
      return verdict;
    }
    if (r.prevHash !== verdict.head) {
      verdict.firstBad = broken(r.seq, 'unlinked');
      return verdict;
    }
    const bodyHash = r.body === null ? (r.bodyHash ?? '') : sha256Hex(r.body);
    if (linkHash(r.prevHash, { ...r, bodyHash }) !== r.hash) {
      verdict.firstBad = broken(r.seq, 'altered');
      return verdict;
    }
    verdict.head = r.hash;
    verdict.events++;
    if (r.body === null) verdict.tombstones++;
    if (wanted.has(r.seq)) hashAt.set(r.seq, r.hash);
    if (r.seq > newestHead) verdict.unsignedTail++;
    lastSeq = r.seq;
  }
  for (const h of heads) {
    if (!headSignatureValid(publicKey, h)) {
      verdict.firstBad = broken(h.seq, 'head_signature');
      return verdict;
    }
    // a head past the last row means the tail it signed was deleted
    if (hashAt.get(h.seq) !== h.hash) {
      verdict.firstBad = broken(h.seq, h.seq > lastSeq ? 'unlinked' : 'head_mismatch');
      return verdict;
    }
    verdict.signedHeads++;
  }
  return verdict;
}
