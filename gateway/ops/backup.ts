import { closeSync, existsSync, fsyncSync, openSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { USERS_FILE } from '../panel/users.ts';
import { DB_FILE } from '../store/database.ts';
import { SqliteOutbox } from '../store/outbox.ts';
import { OpsError } from './ops-errors.ts';

/**
 * `parkwatch backup`: one self-contained SQLite file made with SQLite's online backup API on a
 * connection of its own, so the gateway keeps running. The copy is one snapshot: everything
 * committed (hence everything acknowledged to a node) before the snapshot began is in it.
 * The panel's users and kiosk tokens ride along as two extra tables; `backup_info` says whose
 * gateway it is. Restoring into a data folder is in restore.ts.
 */
export interface BackupSummary {
  file: string;
  gatewayId: string;
  events: number;
  outbox: number;
  nodes: number;
  panelUsers: number;
  bytes: number;
}

/** Tables every parkwatch gateway database has (gateway/store/database.ts). */
export const GATEWAY_TABLES = ['nodes', 'replay', 'events', 'conditions', 'meta'];
export const INFO_TABLE = 'backup_info';
export const PANEL_TABLES = { users: 'backup_panel_users', kiosk_tokens: 'backup_panel_kiosk_tokens' } as const;

/** All pages in one step: one read snapshot, which WAL lets the gateway write beside. */
const ALL_PAGES = 0x7fffffff;

export async function backupDataDir(dataDir: string, out: string, ids: { gatewayId: string; parkId: string }) {
  const source = join(dataDir, DB_FILE);
  if (!existsSync(source))
    throw new OpsError(
      'no_database',
      `没有数据库 ${source} / no database at ${source}`,
      '检查 --config 的 dataDir / check dataDir in --config',
    );
  const tmp = `${out}.partial`;
  rmSync(tmp, { force: true });
  const src = new Database(source, { fileMustExist: true });
  try {
    src.pragma('busy_timeout = 5000');
    const owner = gatewayOfEvents(src);
    if (owner !== undefined && owner !== ids.gatewayId)
      throw new OpsError(
        'other_gateway',
        `数据库属于网关 ${owner}，配置写的是 ${ids.gatewayId} / the database belongs to gateway ${owner}, the config says ${ids.gatewayId}`,
        '用该网关自己的配置文件 / use that gateway’s own config file',
      );
    await src.backup(tmp, { progress: () => ALL_PAGES });
  } finally {
    src.close();
  }
  const copy = new Database(tmp);
  let summary: BackupSummary;
  try {
    copy.pragma('journal_mode = DELETE'); // one file, no -wal beside it
    copy.exec(
      `CREATE TABLE ${INFO_TABLE} (gateway_id TEXT NOT NULL, park_id TEXT NOT NULL, created_at INTEGER NOT NULL)`,
    );
    copy.prepare(`INSERT INTO ${INFO_TABLE} VALUES (?, ?, ?)`).run(ids.gatewayId, ids.parkId, Date.now());
    const users = join(dataDir, USERS_FILE);
    if (existsSync(users)) {
      copy.prepare('ATTACH DATABASE ? AS panel').run(users);
      copy.transaction(() => {
        for (const [from, to] of Object.entries(PANEL_TABLES))
          copy.exec(`CREATE TABLE ${to} AS SELECT * FROM panel.${from}`);
      })();
      copy.exec('DETACH DATABASE panel');
    }
    const check = copy.pragma('quick_check', { simple: true });
    if (check !== 'ok')
      throw new OpsError('damaged', `备份自检失败 / the backup fails its check: ${check}`, '再试一次 / try again');
    summary = {
      file: out,
      gatewayId: ids.gatewayId,
      events: count(copy, 'events'),
      outbox: new SqliteOutbox(copy).stats().depth,
      nodes: count(copy, 'nodes'),
      panelUsers: hasTable(copy, PANEL_TABLES.users) ? count(copy, PANEL_TABLES.users) : 0,
      bytes: 0,
    };
  } catch (err) {
    copy.close();
    rmSync(tmp, { force: true });
    throw err;
  }
  copy.close();
  syncFile(tmp);
  renameSync(tmp, out);
  summary.bytes = statSync(out).size;
  return summary;
}

/** The gateway id in the newest event's id (`gw:seq`), undefined for a database with no events. */
export function gatewayOfEvents(db: Database.Database): string | undefined {
  const row = db.prepare("SELECT json_extract(body, '$.id') AS id FROM events ORDER BY seq DESC LIMIT 1").get() as
    | { id: string | null }
    | undefined;
  return row?.id ? row.id.slice(0, row.id.lastIndexOf(':')) : undefined;
}

export function count(db: Database.Database, table: string): number {
  return (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
}

export function hasTable(db: Database.Database, name: string, schema = 'main'): boolean {
  return db.prepare(`SELECT 1 FROM ${schema}.sqlite_master WHERE type = 'table' AND name = ?`).get(name) !== undefined;
}

/** fsync the file so a rename after it cannot leave an empty file behind a power cut. */
export function syncFile(file: string): void {
  const fd = openSync(file, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
