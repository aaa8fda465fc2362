import type { KeyObject } from 'node:crypto';
import { type ChainLink, GENESIS, link, type SignedHead, type StoredChainRow, sha256Hex, signHead } from './chain.ts';
import type { Db } from './database.ts';
import type { StoredEventRow } from './event-log.ts';

/**
 * The event chain in the database (schema v4): the link of each row as it is inserted, in the
 * batch's own transaction, the signed heads, and the tombstones pruned telemetry leaves. The
 * head is read back from the last stored row, so the chain continues across restarts and
 * SIGKILL (a batch that never committed never moved it).
 */
export interface HeadPolicy {
  key: KeyObject;
  /** sign when this many events were chained since the last signed head */
  everyEvents: number;
  /** or when this long passed since it, ms */
  everyMs: number;
}

export const DEFAULT_HEAD_POLICY = { everyEvents: 1000, everyMs: 60_000 };

export class EventChain {
  private head: { seq: number; hash: string } | undefined;
  private lastSigned = { seq: 0, at: 0 };
  private insertHead;
  private insertTombstone;

  constructor(
    private db: Db,
    private policy?: HeadPolicy,
  ) {
    this.insertHead = db.prepare('INSERT OR REPLACE INTO chain_heads (seq, hash, signed_at, sig) VALUES (?, ?, ?, ?)');
    this.insertTombstone = db.prepare(
      'INSERT OR IGNORE INTO event_tombstones (seq, at, node, kind, body_hash, prev_hash, hash) SELECT seq, at, node, kind, ?, prev_hash, hash FROM events WHERE seq = ? AND hash IS NOT NULL',
    );
  }

  /** The links of a batch's rows after the current head; nothing changes until `advance`. */
  links(rows: readonly StoredEventRow[]): ChainLink[] {
    let prev = this.current().hash;
    return rows.map((r) => {
      const l = link(prev, { seq: r.seq, at: r.at, node: r.node, kind: r.kind, bodyHash: sha256Hex(r.body) });
      prev = l.hash;
      return l;
    });
  }

  /**
   * Inside the batch's transaction: signs the new head when due. Returns what `advance` takes
   * once the transaction committed.
   */
  signIfDue(rows: readonly StoredEventRow[], links: readonly ChainLink[], now: number): SignedHead | null {
    if (!this.policy || rows.length === 0) return null;
    const seq = rows[rows.length - 1].seq;
    const due = seq - this.lastSigned.seq >= this.policy.everyEvents || now - this.lastSigned.at >= this.policy.everyMs;
    return due ? this.store(seq, links[links.length - 1].hash, now) : null;
  }

  /** Signs the current head if it is not signed yet (at shutdown). */
  signNow(now: number): SignedHead | null {
    const h = this.current();
    if (!this.policy || h.seq === 0 || h.seq === this.lastSigned.seq) return null;
    const head = this.store(h.seq, h.hash, now);
    this.lastSigned = { seq: head.seq, at: now };
    return head;
  }

  /** After the transaction committed: the chain's head moves. */
  advance(rows: readonly StoredEventRow[], links: readonly ChainLink[], signed: SignedHead | null): void {
    if (rows.length > 0) this.head = { seq: rows[rows.length - 1].seq, hash: links[links.length - 1].hash };
    if (signed) this.lastSigned = { seq: signed.seq, at: signed.signedAt };
  }

  /** Inside the prune transaction, before the row goes: keeps its link and its body's digest. */
  tombstone(seq: number, body: string): void {
    this.insertTombstone.run(sha256Hex(body), seq);
  }

  private store(seq: number, hash: string, now: number): SignedHead {
    if (!this.policy) throw new Error('no key');
    const head = signHead(this.policy.key, seq, hash, now);
    this.insertHead.run(head.seq, head.hash, head.signedAt, head.sig);
    return head;
  }

  private current(): { seq: number; hash: string } {
    if (!this.head) {
      this.head = readHead(this.db);
      const signed = this.db.prepare('SELECT seq, signed_at AS at FROM chain_heads ORDER BY seq DESC LIMIT 1').get() as
        | { seq: number; at: number }
        | undefined;
      if (signed) this.lastSigned = signed;
    }
    return this.head;
  }
}

/** The newest chained row (live or tombstone), or the genesis. */
function readHead(db: Db): { seq: number; hash: string } {
  const row = db
    .prepare(
      `SELECT seq, hash FROM (
         SELECT seq, hash FROM events WHERE hash IS NOT NULL
         UNION ALL SELECT seq, hash FROM event_tombstones)
       ORDER BY seq DESC LIMIT 1`,
    )
    .get() as { seq: number; hash: string } | undefined;
  return row ?? { seq: 0, hash: GENESIS };
}

/** Every row in seq order, events and tombstones merged, streamed (a 5-year log does not fit in memory). */
export function chainRows(db: Db): IterableIterator<StoredChainRow> {
  return db
    .prepare(
      `SELECT seq, at, node, kind, body, NULL AS bodyHash, prev_hash AS prevHash, hash FROM events
       UNION ALL
       SELECT seq, at, node, kind, NULL, body_hash, prev_hash, hash FROM event_tombstones
       ORDER BY seq`,
    )
    .iterate() as IterableIterator<StoredChainRow>;
}

export function signedHeads(db: Db): SignedHead[] {
  return db.prepare('SELECT seq, hash, signed_at AS signedAt, sig FROM chain_heads ORDER BY seq').all() as SignedHead[];
}
