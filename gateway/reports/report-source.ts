import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { DB_FILE, type Db } from '../store/database.ts';
import { SCHEMA_VERSION } from '../store/schema.ts';
import type { DecidedEvent, Placement } from '../wire/events.ts';

/**
 * What the reports read from the gateway's database, opened read-only so a report runs while
 * the gateway writes. Nodes come with their placement only: keys never enter a report.
 */
export interface NodePlace extends Placement {
  id: string;
  installedAt: number;
}

export class ReportSourceError extends Error {
  readonly code = 'REPORT_SOURCE';
}

export function openReportDb(dataDir: string): Db {
  const file = join(dataDir, DB_FILE);
  if (!existsSync(file))
    throw new ReportSourceError(
      `没有数据库 / no database: ${file} (--config FILE 或 --data DIR / give --config or --data)`,
    );
  const db = new Database(file, { readonly: true, fileMustExist: true });
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version < SCHEMA_VERSION) {
    db.close();
    throw new ReportSourceError(
      `数据库结构版本 ${version} 较旧：先用本版本启动一次网关 / schema version ${version} is older than ${SCHEMA_VERSION}: start this gateway once first`,
    );
  }
  return db;
}

/** Events (telemetry left out) with `from <= at < to`, oldest first. */
export function eventsBetween(db: Db, from: number, to: number): DecidedEvent[] {
  return (
    db
      .prepare("SELECT body FROM events WHERE at >= ? AND at < ? AND kind != 'telemetry' ORDER BY seq")
      .all(from, to) as { body: string }[]
  ).map((r) => JSON.parse(r.body) as DecidedEvent);
}

export function nodePlaces(db: Db): NodePlace[] {
  return (
    db
      .prepare('SELECT id, enterprise, site, zone, location, installed_at AS installedAt FROM nodes ORDER BY id')
      .all() as NodePlace[]
  ).map((n) => ({ ...n }));
}

/** The gateway and park the log belongs to, from its newest event ('' for an empty log). */
export function gatewayIdentity(db: Db): { gw: string; park: string } {
  const row = db.prepare('SELECT body FROM events ORDER BY seq DESC LIMIT 1').get() as { body: string } | undefined;
  const e = row ? (JSON.parse(row.body) as DecidedEvent) : undefined;
  return { gw: e?.gw ?? '', park: e?.park ?? '' };
}
