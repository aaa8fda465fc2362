import { closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { AppData } from '../../protocol/gbt26875/objects.ts';
import type { Db } from '../store/database.ts';

/**
 * The centre's own durable queue, in its own SQLite file beside the gateway database (so it
 * does not depend on how the main store is run). A frame leaves only when the centre
 * confirmed it. `cursor` is the highest event seq already turned into frames: after a crash
 * the stage re-reads the event log from there, so an event committed but not yet queued is
 * queued on the next start (at-least-once; the centre drops resends by serial number).
 *
 * Lane 0 carries fire alarms and their clears, lane 1 everything else; each lane is read in
 * order and has at most one frame in flight.
 */
export const GBT_DB_FILE = 'gbt26875.sqlite';
export const FIRE_LANE = 0;
export const OTHER_LANE = 1;
export type Lane = typeof FIRE_LANE | typeof OTHER_LANE;

export interface QueuedFrame {
  id: number;
  lane: Lane;
  eventSeq: number | null;
  /** assigned at the first send and kept, so every resend (even after a restart) repeats it */
  serial: number | null;
  /** command 2 application data */
  data: AppData;
  /** when the gateway received the event, ms since epoch (for the latency figure) */
  receivedAt: number;
}

export interface NewFrame {
  lane: Lane;
  eventSeq: number | null;
  data: AppData;
  receivedAt: number;
}

/** The narrow interface the link uses. */
export interface GbtQueue {
  /** highest event seq turned into frames; undefined on a fresh queue */
  cursor(): number | undefined;
  /** stores frames and moves the cursor in one transaction */
  enqueue(frames: readonly NewFrame[], cursor: number): void;
  head(lane: Lane): QueuedFrame | undefined;
  /** gives the frame its serial number once; later calls return the same one */
  serialFor(id: number): number;
  /** next serial number for a frame that is not queued (heartbeat, device status) */
  nextSerial(): number;
  remove(id: number): void;
  depth(lane?: Lane): number;
  /** when the gateway received the event of the oldest frame still waiting for a confirm */
  oldestAt(): number | undefined;
}

export function openGbtDatabase(dataDir: string): Db {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = join(dataDir, GBT_DB_FILE);
  if (!existsSync(file)) closeSync(openSync(file, 'a', 0o600));
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('busy_timeout = 5000');
  return db;
}

export class SqliteGbtQueue implements GbtQueue {
  private insert;
  private headStmt;
  private setMeta;

  constructor(private db: Db) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS queue (
        id INTEGER PRIMARY KEY AUTOINCREMENT, lane INTEGER NOT NULL, event_seq INTEGER,
        serial INTEGER, data TEXT NOT NULL, received_at INTEGER NOT NULL);
      CREATE INDEX IF NOT EXISTS queue_lane ON queue (lane, id);
      CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
    `);
    this.insert = db.prepare('INSERT INTO queue (lane, event_seq, data, received_at) VALUES (?, ?, ?, ?)');
    this.headStmt = db.prepare('SELECT * FROM queue WHERE lane = ? ORDER BY id LIMIT 1');
    this.setMeta = db.prepare(
      'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    );
  }

  private meta(key: string): number | undefined {
    return (this.db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: number } | undefined)?.value;
  }

  cursor(): number | undefined {
    return this.meta('cursor');
  }

  enqueue(frames: readonly NewFrame[], cursor: number): void {
    this.db.transaction(() => {
      for (const f of frames) this.insert.run(f.lane, f.eventSeq, JSON.stringify(f.data), f.receivedAt);
      this.setMeta.run('cursor', cursor);
    })();
  }

  head(lane: Lane): QueuedFrame | undefined {
    const r = this.headStmt.get(lane) as
      | { id: number; lane: Lane; event_seq: number | null; serial: number | null; data: string; received_at: number }
      | undefined;
    if (!r) return undefined;
    return {
      id: r.id,
      lane: r.lane,
      eventSeq: r.event_seq,
      serial: r.serial,
      data: JSON.parse(r.data) as AppData,
      receivedAt: r.received_at,
    };
  }

  nextSerial(): number {
    const next = ((this.meta('serial') ?? -1) + 1) & 0xffff;
    this.setMeta.run('serial', next);
    return next;
  }

  serialFor(id: number): number {
    return this.db.transaction(() => {
      const row = this.db.prepare('SELECT serial FROM queue WHERE id = ?').get(id) as
        | { serial: number | null }
        | undefined;
      if (row?.serial !== null && row?.serial !== undefined) return row.serial;
      const serial = this.nextSerial();
      this.db.prepare('UPDATE queue SET serial = ? WHERE id = ?').run(serial, id);
      return serial;
    })();
  }

  remove(id: number): void {
    this.db.prepare('DELETE FROM queue WHERE id = ?').run(id);
  }

  depth(lane?: Lane): number {
    const row =
      lane === undefined
        ? this.db.prepare('SELECT COUNT(*) AS n FROM queue').get()
        : this.db.prepare('SELECT COUNT(*) AS n FROM queue WHERE lane = ?').get(lane);
    return (row as { n: number }).n;
  }

  oldestAt(): number | undefined {
    const row = this.db.prepare('SELECT MIN(received_at) AS at FROM queue').get() as { at: number | null };
    return row.at ?? undefined;
  }
}
