import { closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { migrate, SchemaTooNewError } from './schema.ts';

/**
 * The gateway's one SQLite file: registry, replay windows, event log (with its outbox column), alarm book.
 * Its schema is versioned and migrated forward on open (schema.ts).
 * One file so a batch of frames commits its events (each one row, outbox state included), replay
 * windows and command seq in ONE transaction. WAL + synchronous=FULL: a commit survives a power cut.
 */
export type Db = Database.Database;

export const DB_FILE = 'parkwatch.sqlite';

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
    migrate(db, file);
  } catch (err) {
    if (err instanceof SchemaTooNewError) throw new DatabaseOpenError(err.message);
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
