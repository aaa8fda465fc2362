import { withChain } from './chain.ts';
import type { Db } from './database.ts';

interface ChainedBody {
  body: string;
  prevHash: string | null;
  hash: string | null;
}

/**
 * The durable queue of events for the cloud. An entry is the event's own row in the event log
 * (its `outbox` column set when stored, in the same transaction) and leaves only when the
 * cloud broker acknowledged it (`remove`, which clears the column): one row per event.
 *
 * Two classes, each read in sequence order: 0 = alarms, troubles and everything that is not
 * telemetry (never dropped, sent first), 1 = telemetry (expires after its TTL, dropped
 * oldest-first over the byte quota). Per node, events of one class keep their order.
 */
export const URGENT = 0;
export const TELEMETRY = 1;
export type OutboxClass = typeof URGENT | typeof TELEMETRY;

export interface OutboxEntry {
  seq: number;
  cls: OutboxClass;
  /** the event's kind, for the topic */
  kind: string;
  /** the JSON payload sent to the cloud */
  payload: string;
}

export interface OutboxStats {
  depth: number;
  bytes: number;
  /** event time of the oldest entry, ms since epoch; null when empty */
  oldestAt: number | null;
}

export interface PruneResult {
  expired: number;
  droppedOverQuota: number;
}

/** What the event log stores with an event so that it waits in the outbox. */
export interface OutboxPlacement {
  cls: OutboxClass;
  bytes: number;
  /** telemetry only: when it may be dropped unsent */
  expiresAt: number | null;
}

/** The narrow interface every outbox passes (tests/gateway/outbox-conformance.test.ts). */
export interface Outbox {
  /** Up to `limit` entries of a class with seq > afterSeq, in seq order. */
  peek(cls: OutboxClass, afterSeq: number, limit: number): OutboxEntry[];
  /** Removes delivered entries. Unknown seqs are ignored (a duplicate PUBACK). */
  remove(seqs: readonly number[]): void | Promise<void>;
  stats(): OutboxStats;
  /** Drops expired telemetry, then the oldest telemetry while over `quotaBytes`. Never urgent entries. */
  prune(now: number, quotaBytes: number): PruneResult | Promise<PruneResult>;
}

/** The outbox as a partial index over the event log's rows (schema version 2). */
export class SqliteOutbox implements Outbox {
  private peekStmt;
  private deliveredStmt;
  private statsStmt;
  private expireStmt;
  private oldestStmt;

  constructor(private db: Db) {
    this.peekStmt = db.prepare(
      'SELECT seq, outbox AS cls, kind, body, prev_hash AS prevHash, hash FROM events WHERE outbox = ? AND seq > ? ORDER BY seq LIMIT ?',
    );
    this.deliveredStmt = db.prepare('UPDATE events SET outbox = NULL WHERE seq = ? AND outbox IS NOT NULL');
    this.statsStmt = db.prepare(
      'SELECT COUNT(*) AS depth, COALESCE(SUM(bytes), 0) AS bytes, MIN(seq) AS oldest FROM events WHERE outbox IS NOT NULL',
    );
    this.expireStmt = db.prepare(
      'UPDATE events SET outbox = NULL WHERE outbox = ? AND expires_at IS NOT NULL AND expires_at <= ?',
    );
    this.oldestStmt = db.prepare('SELECT seq, bytes FROM events WHERE outbox = ? ORDER BY seq LIMIT 1000');
  }

  /** The cloud gets each event with its chain link (wire/events.ts `chain`). */
  peek(cls: OutboxClass, afterSeq: number, limit: number): OutboxEntry[] {
    const rows = this.peekStmt.all(cls, afterSeq, limit) as (Omit<OutboxEntry, 'payload'> & ChainedBody)[];
    return rows.map(({ body, prevHash, hash, ...entry }) => ({ ...entry, payload: withChain(body, prevHash, hash) }));
  }

  /**
   * Removal needs no fsync of its own: if a power cut loses it, the entry is sent again and
   * downstream drops the duplicate by id. So it commits with synchronous=NORMAL and becomes
   * durable with the next FULL commit (WAL frames are synced in order).
   */
  remove(seqs: readonly number[]): void {
    if (seqs.length === 0) return;
    this.db.pragma('synchronous = NORMAL');
    try {
      this.db.transaction(() => {
        for (const seq of seqs) this.deliveredStmt.run(seq);
      })();
    } finally {
      this.db.pragma('synchronous = FULL');
    }
  }

  /** Counted in the database, not in memory, so a rolled-back batch can never skew it. */
  stats(): OutboxStats {
    const row = this.statsStmt.get() as { depth: number; bytes: number; oldest: number | null };
    const oldestAt =
      row.oldest === null
        ? null
        : (this.db.prepare('SELECT at FROM events WHERE seq = ?').get(row.oldest) as { at: number }).at;
    return { depth: row.depth, bytes: row.bytes, oldestAt };
  }

  prune(now: number, quotaBytes: number): PruneResult {
    return this.db.transaction(() => {
      const expired = this.expireStmt.run(TELEMETRY, now).changes;
      let bytes = this.stats().bytes;
      let dropped = 0;
      while (bytes > quotaBytes) {
        const rows = this.oldestStmt.all(TELEMETRY) as { seq: number; bytes: number }[];
        if (rows.length === 0) break;
        for (const r of rows) {
          if (bytes <= quotaBytes) break;
          this.deliveredStmt.run(r.seq);
          bytes -= r.bytes;
          dropped++;
        }
      }
      return { expired, droppedOverQuota: dropped };
    })();
  }
}
