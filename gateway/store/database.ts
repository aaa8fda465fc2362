import { closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';

/**
 * The gateway's one SQLite file: registry, replay windows, event log, outbox, alarm book.
 * One file so a batch of frames commits its events, outbox rows, replay windows and command
 * seq in ONE transaction. WAL + synchronous=FULL: a commit survives a power cut.
 */
export type Db = Database.Database;

export const DB_FILE = 'parkwatch.sqlite';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS nodes (
  id TEXT PRIMARY KEY,
  key_hex TEXT NOT NULL,
  enterprise TEXT NOT NULL DEFAULT '',
  site TEXT NOT NULL DEFAULT '',
  zone TEXT NOT NULL DEFAULT '',
  location TEXT NOT NULL DEFAULT '',
  channels TEXT NOT NULL DEFAULT '[]',
  installed_at INTEGER NOT NULL,
  installed_by TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS replay (
  node TEXT PRIMARY KEY,
  boot INTEGER NOT NULL,
  high INTEGER NOT NULL,
  mask INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS events (
  seq INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  node TEXT,
  kind TEXT NOT NULL,
  body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_node ON events (node, seq);
-- finds a node message already stored (a late re-send) without scanning the log; telemetry is never re-sent
CREATE INDEX IF NOT EXISTS events_origin ON events (node, json_extract(body, '$.origin.seq'), json_extract(body, '$.origin.boot'))
  WHERE kind != 'telemetry';
CREATE TABLE IF NOT EXISTS outbox (
  seq INTEGER PRIMARY KEY,
  cls INTEGER NOT NULL,
  bytes INTEGER NOT NULL,
  expires_at INTEGER
);
CREATE INDEX IF NOT EXISTS outbox_cls ON outbox (cls, seq);
CREATE TABLE IF NOT EXISTS conditions (
  ref TEXT PRIMARY KEY,
  node TEXT,
  ch TEXT NOT NULL,
  body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (
  key TEXT PRIMARY KEY,
  value INTEGER NOT NULL
);
`;

export class DatabaseOpenError extends Error {}

/** Opens (creating if needed, mode 0600) the gateway database in `dataDir`. */
export function openDatabase(dataDir: string): Db {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = join(dataDir, DB_FILE);
  // Create the file ourselves so it is 0600 from the first byte; SQLite gives -wal/-shm the same mode.
  if (!existsSync(file)) closeSync(openSync(file, 'a', 0o600));
  let db: Db;
  try {
    db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('busy_timeout = 5000');
    db.exec(SCHEMA);
  } catch (err) {
    throw new DatabaseOpenError(
      `无法打开数据库 / cannot open the database ${file}: ${(err as Error).message} — ` +
        '若文件损坏，请停止网关、备份并移走该文件后重启 / if it is corrupt, stop the gateway, back the file up, move it away and restart',
    );
  }
  return db;
}

export function readMeta(db: Db, key: string): number {
  const row = db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: number } | undefined;
  return row ? row.value : 0;
}
