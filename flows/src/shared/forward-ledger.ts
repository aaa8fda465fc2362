/**
 * The forward ledger: one SQLite file (PW_FORWARD_LEDGER) that every cloud-ingest instance on
 * the host shares, saying which event ids have been forwarded, so an event the broker handed to
 * two instances (a gateway's replay, a re-delivery) is forwarded by one. Before a request an
 * instance claims the id; only the endpoint's answer (2xx, or a refusal for good) marks it done;
 * a failed try gives the claim back. A claim lapses after CLAIM_MS, so a killed instance's
 * claims pass to the others. What remains: an instance killed after the endpoint's 2xx and
 * before its mark leaves a claim that lapses, and the event is sent once more with the same
 * Idempotency-Key (docs/flows.md). Each function node keeps one connection open in its own
 * sandbox (`globalThis` there is the node's vm context; Node-RED's context stores cannot hold a
 * handle) and closes it in On Stop: a connection opened per event costs a WAL checkpoint with
 * its fsync at every close (tests/bench/ledger-quick.ts measured 60 ms an event that way).
 */
import type BetterSqlite3 from 'better-sqlite3';

type Ledger = BetterSqlite3.Database;
type SqliteModule = typeof BetterSqlite3;

/** a claim older than this has lapsed: longer than a request may take (15 s) and its re-send wait */
const CLAIM_MS = 30000;
/** done rows are kept this long, far beyond any replay the gateway's outbox can make */
const KEEP_DONE_MS = 30 * 24 * 3600 * 1000;

export type ClaimVerdict = { send: true } | { send: false; done: boolean; holder: string };

/** where the open connection is kept: the node's sandbox global */
interface LedgerHolder {
  pwForwardLedger?: { file: string; db: Ledger };
}

/** The node's open connection to `file`, opened on first use. */
export function ledgerAt(Database: SqliteModule, file: string): Ledger {
  const holder = globalThis as LedgerHolder;
  const kept = holder.pwForwardLedger;
  if (kept && kept.file === file && kept.db.open) return kept.db;
  closeLedger();
  const db = openLedger(Database, file);
  holder.pwForwardLedger = { file, db };
  return db;
}

/** On Stop, and after a failure (the next use opens it afresh). */
export function closeLedger(): void {
  const holder = globalThis as LedgerHolder;
  holder.pwForwardLedger?.db.close();
  holder.pwForwardLedger = undefined;
}

export function openLedger(Database: SqliteModule, file: string): Ledger {
  const db = new Database(file);
  try {
    db.pragma('busy_timeout = 5000');
    db.pragma('journal_mode = WAL');
    // NORMAL in WAL: a commit survives a killed process; a power cut may forget the last marks (re-sent with the same key)
    db.pragma('synchronous = NORMAL');
    db.exec(
      'CREATE TABLE IF NOT EXISTS forwarded (id TEXT PRIMARY KEY, by TEXT NOT NULL, claimed_at INTEGER NOT NULL,' +
        ' done_at INTEGER, status INTEGER) WITHOUT ROWID',
    );
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}

/** Claims `id` for instance `me` unless it is done, or claimed by another instance within CLAIM_MS. */
export function claim(db: Ledger, id: string, me: string, now: number): ClaimVerdict {
  return db
    .transaction((): ClaimVerdict => {
      const row = db.prepare('SELECT by, claimed_at, done_at FROM forwarded WHERE id = ?').get(id) as
        | { by: string; claimed_at: number; done_at: number | null }
        | undefined;
      if (row && row.done_at !== null) return { send: false, done: true, holder: row.by };
      if (row && row.by !== me && now - row.claimed_at < CLAIM_MS) return { send: false, done: false, holder: row.by };
      db.prepare('INSERT OR REPLACE INTO forwarded (id, by, claimed_at) VALUES (?, ?, ?)').run(id, me, now);
      return { send: true };
    })
    .immediate();
}

/** The endpoint answered for good (2xx, or a 4xx refusal): nobody sends `id` again. */
export function markDone(db: Ledger, id: string, me: string, status: number, now: number): void {
  db.prepare(
    'INSERT INTO forwarded (id, by, claimed_at, done_at, status) VALUES (?, ?, ?, ?, ?)' +
      ' ON CONFLICT (id) DO UPDATE SET by = excluded.by, done_at = excluded.done_at, status = excluded.status',
  ).run(id, me, now, now, status);
}

/** A failed try: another instance holding the same event may send it meanwhile. */
export function release(db: Ledger, id: string, me: string): void {
  db.prepare('DELETE FROM forwarded WHERE id = ? AND by = ? AND done_at IS NULL').run(id, me);
}

export function pruneDone(db: Ledger, now: number): void {
  db.prepare('DELETE FROM forwarded WHERE done_at < ?').run(now - KEEP_DONE_MS);
}
