import type { ReplayState } from '../../protocol/replay.ts';
import { type ConditionChanges, writeConditions } from '../decide/alarm-book.ts';
import type { DecidedEvent } from '../wire/events.ts';
import { type Db, readMeta } from './database.ts';
import { EventChain, type HeadPolicy } from './event-chain.ts';
import { type OutboxPlacement, TELEMETRY, URGENT } from './outbox.ts';

/**
 * The append-only log of decided events and the one transaction that stores a batch:
 * events (each one row that also waits in the outbox), the nodes' replay windows, the
 * command counter and the alarm book's changes. Nothing is acknowledged to a node before
 * that transaction committed. The batch travels to the store thread as plain rows
 * (`StoredBatch`): each event is serialised once, on the main thread, where it was decided.
 */
export interface StoredEventRow {
  seq: number;
  at: number;
  node: string | null;
  kind: string;
  body: string;
  outbox: OutboxPlacement;
}

export interface StoredBatch {
  rows: StoredEventRow[];
  replay: [node: string, state: ReplayState][];
  /** highest command seq used by this batch's acknowledgements, 0 when none */
  commandSeq: number;
  conditions: ConditionChanges;
}

export interface HistoryFilter {
  node?: string;
  kinds?: readonly string[];
  from?: number;
  to?: number;
  before?: number;
  enterprise?: string;
  zone?: string;
  limit: number;
}

export class EventLog {
  private insertEvent;
  private upsertReplay;
  private setMeta;
  private chain;
  /** events up to this seq have been looked at by pruneTelemetry */
  private pruneCursor = 0;

  /** `heads`: the store thread's key and signing rhythm; without it the chain is linked but not signed. */
  constructor(
    private db: Db,
    private telemetryTtlMs: number,
    heads?: HeadPolicy,
  ) {
    this.chain = new EventChain(db, heads);
    this.insertEvent = db.prepare(
      'INSERT INTO events (seq, at, node, kind, body, outbox, bytes, expires_at, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    this.upsertReplay = db.prepare(
      'INSERT INTO replay (node, boot, high, mask) VALUES (?, ?, ?, ?) ON CONFLICT (node) DO UPDATE SET boot = excluded.boot, high = excluded.high, mask = excluded.mask',
    );
    this.setMeta = db.prepare(
      'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = MAX(value, excluded.value)',
    );
  }

  /**
   * Highest gateway seq ever stored, 0 for a fresh database. Kept in meta too, because pruned
   * telemetry may have been the newest row: a seq must never be handed out twice (ids are
   * how consumers drop duplicates).
   */
  lastSeq(): number {
    const inLog = (this.db.prepare('SELECT COALESCE(MAX(seq), 0) AS s FROM events').get() as { s: number }).s;
    return Math.max(inLog, readMeta(this.db, 'event_seq'));
  }

  loadReplay(): Map<string, ReplayState> {
    const rows = this.db.prepare('SELECT node, boot, high, mask FROM replay').all() as (ReplayState & {
      node: string;
    })[];
    return new Map(rows.map((r) => [r.node, { boot: r.boot, high: r.high, mask: r.mask }]));
  }

  /** The rows of a batch's events: each serialised once, with its outbox placement. */
  rowsOf(events: readonly DecidedEvent[]): StoredEventRow[] {
    return events.map((e) => {
      const body = JSON.stringify(e);
      return { seq: e.seq, at: e.at, node: e.node, kind: e.kind, body, outbox: this.placement(e, body) };
    });
  }

  /**
   * Stores a batch in ONE transaction (one fsync), each row linked to the chain (and its head
   * signed when due). Throws when the disk refuses; then nothing is stored and the chain's head stays.
   * `inside` writes what must commit with the events (the incident files), in the same transaction.
   */
  commit(batch: StoredBatch, now = Date.now(), inside?: (rows: readonly StoredEventRow[]) => void): void {
    const links = this.chain.links(batch.rows);
    const signed = this.db.transaction(() => {
      batch.rows.forEach((r, i) => {
        const l = links[i];
        this.insertEvent.run(
          r.seq,
          r.at,
          r.node,
          r.kind,
          r.body,
          r.outbox.cls,
          r.outbox.bytes,
          r.outbox.expiresAt,
          l.prevHash,
          l.hash,
        );
      });
      for (const [node, r] of batch.replay) this.upsertReplay.run(node, r.boot, r.high, r.mask);
      if (batch.commandSeq > 0) this.setMeta.run('command_seq', batch.commandSeq);
      if (batch.rows.length > 0) this.setMeta.run('event_seq', batch.rows[batch.rows.length - 1].seq);
      writeConditions(this.db, batch.conditions);
      inside?.(batch.rows);
      return this.chain.signIfDue(batch.rows, links, now);
    })();
    this.chain.advance(batch.rows, links, signed);
  }

  /** Signs the chain's head if it is not yet (at shutdown). */
  signHead(now = Date.now()): void {
    this.chain.signNow(now);
  }

  /** Every event waits in the outbox: alarms and all but telemetry urgent, telemetry until its TTL. */
  private placement(e: DecidedEvent, body: string): OutboxPlacement {
    const telemetry = e.priority === 'telemetry';
    return {
      cls: telemetry ? TELEMETRY : URGENT,
      bytes: body.length,
      expiresAt: telemetry ? e.at + this.telemetryTtlMs : null,
    };
  }

  /** Events with seq > afterSeq, oldest first. */
  after(afterSeq: number, limit: number): DecidedEvent[] {
    return (
      this.db.prepare('SELECT body FROM events WHERE seq > ? ORDER BY seq LIMIT ?').all(afterSeq, limit) as {
        body: string;
      }[]
    ).map((r) => JSON.parse(r.body) as DecidedEvent);
  }

  /** True when an event (not telemetry) from this node boot and sequence is in the log. */
  hasOrigin(node: string, boot: number, seq: number): boolean {
    return (
      this.db
        .prepare(
          "SELECT 1 FROM events INDEXED BY events_origin WHERE node = ? AND kind != 'telemetry' AND json_extract(body, '$.origin.seq') = ? AND json_extract(body, '$.origin.boot') = ? LIMIT 1",
        )
        .get(node, seq, boot) !== undefined
    );
  }

  byId(seq: number): DecidedEvent | undefined {
    const row = this.db.prepare('SELECT body FROM events WHERE seq = ?').get(seq) as { body: string } | undefined;
    return row ? (JSON.parse(row.body) as DecidedEvent) : undefined;
  }

  /** The newest event of a condition (by its ref), for the panel's active list. */
  lastOfCondition(node: string | null, ref: string): DecidedEvent | undefined {
    const row = this.db
      .prepare(
        "SELECT body FROM events WHERE node IS ? AND json_extract(body, '$.alarm.ref') = ? ORDER BY seq DESC LIMIT 1",
      )
      .get(node, ref) as { body: string } | undefined;
    return row ? (JSON.parse(row.body) as DecidedEvent) : undefined;
  }

  /** A node's events that carry readings (telemetry, prealarm, alarm, clear) since `since`, oldest first. */
  withReadings(node: string, since: number, limit: number): DecidedEvent[] {
    return (
      this.db
        .prepare(
          "SELECT body FROM events WHERE node = ? AND at >= ? AND kind IN ('telemetry', 'prealarm', 'alarm', 'clear') ORDER BY seq LIMIT ?",
        )
        .all(node, since, limit) as { body: string }[]
    ).map((r) => JSON.parse(r.body) as DecidedEvent);
  }

  /** Newest first. Placement filters read the stored body (the log carries placement in every event). */
  history(filter: HistoryFilter): DecidedEvent[] {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (filter.node) {
      where.push('node = ?');
      args.push(filter.node);
    }
    if (filter.kinds && filter.kinds.length > 0) {
      where.push(`kind IN (${filter.kinds.map(() => '?').join(',')})`);
      args.push(...filter.kinds);
    }
    if (filter.from !== undefined) {
      where.push('at >= ?');
      args.push(filter.from);
    }
    if (filter.to !== undefined) {
      where.push('at < ?');
      args.push(filter.to);
    }
    if (filter.before !== undefined) {
      where.push('seq < ?');
      args.push(filter.before);
    }
    if (filter.enterprise) {
      where.push("json_extract(body, '$.placement.enterprise') = ?");
      args.push(filter.enterprise);
    }
    if (filter.zone) {
      where.push("json_extract(body, '$.placement.zone') = ?");
      args.push(filter.zone);
    }
    const sql = `SELECT body FROM events ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT ?`;
    args.push(filter.limit);
    return (this.db.prepare(sql).all(...args) as { body: string }[]).map((r) => JSON.parse(r.body) as DecidedEvent);
  }

  /**
   * Drops telemetry older than the TTL from the log, so it does not grow forever (alarms and
   * every other kind stay). Walks the log by seq from a cursor in bounded chunks, so a big log
   * never blocks the event loop for long; expired telemetry has already left the outbox
   * (same TTL, pruned first). Stops at the first event not yet expired. Each pruned row leaves
   * a tombstone (its link and body digest) so the chain still verifies (docs/gateway.md).
   */
  pruneTelemetry(now: number, maxRows = 20_000): number {
    const cutoff = now - this.telemetryTtlMs;
    const chunk = this.db.prepare('SELECT seq, at, kind, body FROM events WHERE seq > ? ORDER BY seq LIMIT 2000');
    const del = this.db.prepare('DELETE FROM events WHERE seq = ?');
    let deleted = 0;
    for (let scanned = 0; scanned < maxRows; ) {
      const rows = chunk.all(this.pruneCursor) as { seq: number; at: number; kind: string; body: string }[];
      if (rows.length === 0) break;
      const stop = rows.findIndex((r) => r.at >= cutoff);
      const expired = stop < 0 ? rows : rows.slice(0, stop);
      this.db.transaction(() => {
        for (const r of expired) {
          if (r.kind !== 'telemetry') continue;
          this.chain.tombstone(r.seq, r.body);
          deleted += del.run(r.seq).changes;
        }
      })();
      if (expired.length > 0) this.pruneCursor = expired[expired.length - 1].seq;
      scanned += rows.length;
      if (stop >= 0) break;
    }
    return deleted;
  }
}
