import type { Db } from '../store/database.ts';
import type { DecidedEvent } from '../wire/events.ts';
import type { Incident, IncidentState, IncidentStep } from './incident.ts';

/**
 * The read side of the incident files, for the CLI, the panel and the reports (drills, monthly
 * reports): plain queries on any connection to the gateway's database (read-only is enough).
 * Times are ms since epoch; `from`/`to` select on the incident's opening time, `to` exclusive.
 */
export interface IncidentFilter {
  from?: number;
  to?: number;
  enterprise?: string;
  node?: string;
  state?: IncidentState;
  priority?: 'fire' | 'water';
  /** newest first, at most this many (default: all) */
  limit?: number;
}

/** An event of an incident with what the store knows about it. */
export interface IncidentEventRow {
  seq: number;
  step: IncidentStep;
  /** when the store thread committed it; null when filed later from the log */
  storedAt: number | null;
  /** when the cloud broker acknowledged it (PUBACK); null until then, or when no cloud */
  forwardedAt: number | null;
  /** the decided event as stored; null if the log no longer holds it (archived) */
  event: DecidedEvent | null;
  /** the stored body byte for byte (what the chain hashes) */
  body: string | null;
  prevHash: string | null;
  hash: string | null;
}

export function listIncidents(db: Db, filter: IncidentFilter = {}): Incident[] {
  const where: string[] = [];
  const args: (string | number)[] = [];
  const add = (sql: string, value: string | number | undefined) => {
    if (value === undefined) return;
    where.push(sql);
    args.push(value);
  };
  add('opened_at >= ?', filter.from);
  add('opened_at < ?', filter.to);
  add('enterprise = ?', filter.enterprise);
  add('node = ?', filter.node);
  add('state = ?', filter.state);
  add('priority = ?', filter.priority);
  const sql = `SELECT body FROM incidents ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY opened_at DESC, id DESC LIMIT ?`;
  args.push(filter.limit ?? -1);
  return (db.prepare(sql).all(...args) as { body: string }[]).map((r) => JSON.parse(r.body) as Incident);
}

export function getIncident(db: Db, id: string): Incident | undefined {
  const row = db.prepare('SELECT body FROM incidents WHERE id = ?').get(id) as { body: string } | undefined;
  return row ? (JSON.parse(row.body) as Incident) : undefined;
}

/** The incident's events in log order, with their chain fields. */
export function incidentEvents(db: Db, id: string): IncidentEventRow[] {
  const rows = db
    .prepare(
      `SELECT ie.seq, ie.step, ie.stored_at AS storedAt, ie.forwarded_at AS forwardedAt, e.body, e.prev_hash AS prevHash, e.hash
       FROM incident_events ie LEFT JOIN events e ON e.seq = ie.seq
       WHERE ie.incident = ? ORDER BY ie.seq`,
    )
    .all(id) as Omit<IncidentEventRow, 'event'>[];
  return rows.map((r) => ({ ...r, event: r.body === null ? null : (JSON.parse(r.body) as DecidedEvent) }));
}
