import type { Db } from './database.ts';

/**
 * The durable queue of events for the cloud. An entry is added in the same transaction that
 * stores the event and leaves only when the cloud broker acknowledged it (`remove`).
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

/** The narrow interface every outbox passes (tests/gateway/outbox-conformance.test.ts). */
export interface Outbox {
  /** Call inside the transaction that stores the events. */
  add(entries: readonly { seq: number; cls: OutboxClass; bytes: number; expiresAt: number | null }[]): void;
  /** Up to `limit` entries of a class with seq > afterSeq, in seq order. */
  peek(cls: OutboxClass, afterSeq: number, limit: number): OutboxEntry[];
  /** Removes delivered entries. Unknown seqs are ignored (a duplicate PUBACK). */
  remove(seqs: readonly number[]): void;
  stats(): OutboxStats;
  /** Drops expired telemetry, then the oldest telemetry while over `quotaBytes`. Never urgent entries. */
  prune(now: number, quotaBytes: number): PruneResult;
}

/** The outbox in the gateway's SQLite file; payloads are the event log's bodies (no second copy). */
export class SqliteOutbox implements Outbox {
  private insert;
  private peekStmt;
  private deleteStmt;

  constructor(private db: Db) {
    this.insert = db.prepare('INSERT OR IGNORE INTO outbox (seq, cls, bytes, expires_at) VALUES (?, ?, ?, ?)');
    this.peekStmt = db.prepare(
      'SELECT o.seq AS seq, o.cls AS cls, e.kind AS kind, e.body AS payload FROM outbox o JOIN events e ON e.seq = o.seq WHERE o.cls = ? AND o.seq > ? ORDER BY o.seq LIMIT ?',
    );
    this.deleteStmt = db.prepare('DELETE FROM outbox WHERE seq = ?');
  }

  add(entries: readonly { seq: number; cls: OutboxClass; bytes: number; expiresAt: number | null }[]): void {
    for (const e of entries) this.insert.run(e.seq, e.cls, e.bytes, e.expiresAt);
  }

  peek(cls: OutboxClass, afterSeq: number, limit: number): OutboxEntry[] {
    return this.peekStmt.all(cls, afterSeq, limit) as OutboxEntry[];
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
        for (const seq of seqs) this.deleteStmt.run(seq);
      })();
    } finally {
      this.db.pragma('synchronous = FULL');
    }
  }

  /** Counted in the database, not in memory, so a rolled-back batch can never skew it. */
  stats(): OutboxStats {
    const row = this.db
      .prepare(
        'SELECT COUNT(*) AS depth, COALESCE(SUM(bytes), 0) AS bytes, (SELECT e.at FROM events e WHERE e.seq = (SELECT MIN(seq) FROM outbox)) AS oldestAt FROM outbox',
      )
      .get() as OutboxStats;
    return row;
  }

  prune(now: number, quotaBytes: number): PruneResult {
    return this.db.transaction(() => {
      const expired = this.db
        .prepare('DELETE FROM outbox WHERE cls = ? AND expires_at IS NOT NULL AND expires_at <= ?')
        .run(TELEMETRY, now).changes;
      let bytes = this.stats().bytes;
      let dropped = 0;
      if (bytes > quotaBytes) {
        const oldest = this.db.prepare('SELECT seq, bytes FROM outbox WHERE cls = ? ORDER BY seq LIMIT 1000');
        const del = this.db.prepare('DELETE FROM outbox WHERE seq = ?');
        while (bytes > quotaBytes) {
          const rows = oldest.all(TELEMETRY) as { seq: number; bytes: number }[];
          if (rows.length === 0) break;
          for (const r of rows) {
            if (bytes <= quotaBytes) break;
            del.run(r.seq);
            bytes -= r.bytes;
            dropped++;
          }
        }
      }
      return { expired, droppedOverQuota: dropped };
    })();
  }
}
