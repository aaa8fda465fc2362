import { chmodSync, copyFileSync, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { USERS_FILE, UserStore } from '../panel/users.ts';
import { DB_FILE } from '../store/database.ts';
import { SqliteOutbox } from '../store/outbox.ts';
import { migrate, SCHEMA_VERSION } from '../store/schema.ts';
import { GATEWAY_TABLES, hasTable, INFO_TABLE, PANEL_TABLES, syncFile } from './backup.ts';
import { OpsError } from './ops-errors.ts';

/**
 * `parkwatch restore FILE`: checks the backup (SQLite integrity, parkwatch tables, made by
 * `parkwatch backup`, the same gateway id, a schema this release knows) before touching the
 * data folder, refuses while a gateway holds the database open, migrates a backup made by an
 * older release to this one's schema, keeps the database it replaces beside it, and then puts
 * the backup in place. The gateway started on it replays its outbox to the cloud.
 */
export interface RestoreResult {
  /** where the replaced database went, if there was one */
  keptAs: string | undefined;
  gatewayId: string;
  createdAt: number;
  outbox: number;
  /** the backup's schema version and the one it was migrated to (equal when it was current) */
  schema: { from: number; to: number };
}

interface BackupInfo {
  gateway_id: string;
  park_id: string;
  created_at: number;
}

/** Opens and checks a backup file; the reason it is refused is an OpsError. */
export function checkBackup(file: string, gatewayId: string): BackupInfo {
  if (!existsSync(file))
    throw new OpsError('no_database', `没有文件 ${file} / no file ${file}`, '检查路径 / check the path');
  let db: Database.Database;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
  } catch (err) {
    throw damaged(file, (err as Error).message);
  }
  try {
    let check: unknown;
    try {
      check = db.pragma('integrity_check', { simple: true });
    } catch (err) {
      throw damaged(file, (err as Error).message);
    }
    if (check !== 'ok') throw damaged(file, String(check));
    const schema = db.pragma('user_version', { simple: true }) as number;
    // Like the gateway's own downgrade refusal (gateway/store/schema.ts): an older release cannot read newer tables.
    if (schema > SCHEMA_VERSION)
      throw new OpsError(
        'schema_too_new',
        `备份 ${file} 的结构版本 ${schema} 比本网关支持的 ${SCHEMA_VERSION} 新：不支持降级 / ` +
          `the backup ${file} has schema version ${schema}, newer than this gateway's ${SCHEMA_VERSION}: downgrades are refused`,
        '先安装做这份备份的版本（或更新的），再恢复；或恢复用本版本做的备份 / ' +
          'install the release that made the backup (or a newer one) first, or restore a backup made with this release',
      );
    const absent = [...GATEWAY_TABLES, INFO_TABLE].filter((t) => !hasTable(db, t));
    if (absent.length > 0)
      throw new OpsError(
        'foreign',
        `${file} 不是 parkwatch 备份（缺少表 ${absent.join(', ')}）/ ${file} is not a parkwatch backup (missing tables ${absent.join(', ')})`,
        '用 parkwatch backup 生成的文件 / use a file made by parkwatch backup',
      );
    const info = db.prepare(`SELECT gateway_id, park_id, created_at FROM ${INFO_TABLE}`).get() as
      | BackupInfo
      | undefined;
    if (!info)
      throw new OpsError(
        'foreign',
        `${file} 没有备份信息 / ${file} has no backup info`,
        '用 parkwatch backup 生成的文件 / use a file made by parkwatch backup',
      );
    if (info.gateway_id !== gatewayId)
      throw new OpsError(
        'other_gateway',
        `备份属于网关 ${info.gateway_id}，本机配置是 ${gatewayId} / the backup is of gateway ${info.gateway_id}, this config is ${gatewayId}`,
        '用那台网关的配置（gatewayId）恢复，事件编号才不会重复 / restore with that gateway’s config (gatewayId) so event ids stay unique',
      );
    return info;
  } finally {
    db.close();
  }
}

function damaged(file: string, detail: string): OpsError {
  return new OpsError(
    'damaged',
    `备份 ${file} 已损坏（${detail}）/ the backup ${file} is damaged (${detail})`,
    '换一份较早的备份 / use an earlier backup',
  );
}

/** Throws gateway_running when another connection (a running gateway) holds the database open. */
export function assertNotInUse(file: string): void {
  if (!existsSync(file)) return;
  const db = new Database(file, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 0');
    // In WAL mode every open connection holds a shared lock: an exclusive one fails while the gateway runs.
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE');
    db.exec('ROLLBACK');
  } catch (err) {
    if ((err as { code?: string }).code !== 'SQLITE_BUSY') throw err;
    throw new OpsError(
      'gateway_running',
      `网关正在使用 ${file} / a gateway is using ${file}`,
      '先停止网关（systemctl stop parkwatch）/ stop the gateway first (systemctl stop parkwatch)',
    );
  } finally {
    db.close();
  }
}

export function restoreInto(dataDir: string, backup: string, gatewayId: string, now = Date.now()): RestoreResult {
  const info = checkBackup(backup, gatewayId);
  const target = join(dataDir, DB_FILE);
  assertNotInUse(target);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const tmp = `${target}.restoring`;
  rmSync(tmp, { force: true });
  copyFileSync(backup, tmp);
  chmodSync(tmp, 0o600);
  const db = new Database(tmp);
  let outbox: number;
  let schema: { from: number; to: number };
  let users: { name: string; role: string; hash: string; created_at: number }[] = [];
  let kiosk: { digest: string; label: string; created_at: number }[] = [];
  try {
    if (hasTable(db, PANEL_TABLES.users)) {
      users = db.prepare(`SELECT name, role, hash, created_at FROM ${PANEL_TABLES.users}`).all() as typeof users;
      kiosk = db.prepare(`SELECT digest, label, created_at FROM ${PANEL_TABLES.kiosk_tokens}`).all() as typeof kiosk;
    }
    for (const t of [INFO_TABLE, ...Object.values(PANEL_TABLES)]) db.exec(`DROP TABLE IF EXISTS ${t}`);
    schema = migrate(db, tmp);
    db.pragma('journal_mode = WAL');
    outbox = new SqliteOutbox(db).stats().depth;
  } finally {
    db.close();
  }
  syncFile(tmp);
  let keptAs: string | undefined;
  if (existsSync(target)) {
    keptAs = `${target}.before-restore-${now}`;
    renameSync(target, keptAs);
  }
  for (const side of ['-wal', '-shm']) rmSync(`${target}${side}`, { force: true });
  renameSync(tmp, target);
  if (users.length > 0) restorePanel(dataDir, users, kiosk, now);
  return { keptAs, gatewayId: info.gateway_id, createdAt: info.created_at, outbox, schema };
}

/** Replaces the panel's users and kiosk tokens; sessions are not kept (everyone logs in again). */
function restorePanel(
  dataDir: string,
  users: { name: string; role: string; hash: string; created_at: number }[],
  kiosk: { digest: string; label: string; created_at: number }[],
  now: number,
): void {
  const file = join(dataDir, USERS_FILE);
  if (existsSync(file)) renameSync(file, `${file}.before-restore-${now}`);
  for (const side of ['-wal', '-shm']) rmSync(`${file}${side}`, { force: true });
  const store = UserStore.openInDir(dataDir);
  try {
    store.db.transaction(() => {
      const u = store.db.prepare('INSERT INTO users (name, role, hash, created_at) VALUES (?, ?, ?, ?)');
      for (const r of users) u.run(r.name, r.role, r.hash, r.created_at);
      const k = store.db.prepare('INSERT INTO kiosk_tokens (digest, label, created_at) VALUES (?, ?, ?)');
      for (const r of kiosk) k.run(r.digest, r.label, r.created_at);
    })();
  } finally {
    store.db.close();
  }
}
