import type { Db } from '../store/database.ts';
import type { Cause } from './incident.ts';

/**
 * `parkwatch incidents close` runs in its own process, but only the gateway may append to the
 * chained log. So the command leaves a request in `incident_requests`; the running gateway takes
 * it (every second), records the close as a chained `note` event through the operator desk, and
 * writes the event id (or the refusal) back; the command waits for that answer.
 */
export interface CloseRequest {
  id: number;
  incident: string;
  cause: Cause;
  note: string | null;
  by: string;
}

export type CloseAnswer = { state: 'waiting' } | { state: 'done'; event: string } | { state: 'refused'; error: string };

export function askToClose(db: Db, r: Omit<CloseRequest, 'id'>, now: number): number {
  return Number(
    db
      .prepare('INSERT INTO incident_requests (incident, cause, note, by, asked_at) VALUES (?, ?, ?, ?, ?)')
      .run(r.incident, r.cause, r.note, r.by, now).lastInsertRowid,
  );
}

export function answerOf(db: Db, id: number): CloseAnswer {
  const row = db.prepare('SELECT event, error FROM incident_requests WHERE id = ?').get(id) as
    | { event: string | null; error: string | null }
    | undefined;
  if (row?.event) return { state: 'done', event: row.event };
  if (row?.error) return { state: 'refused', error: row.error };
  return { state: 'waiting' };
}

/** Withdraws a request nobody answered, so a gateway started later does not act on a stale ask. */
export function withdraw(db: Db, id: number): void {
  db.prepare("UPDATE incident_requests SET error = 'withdrawn' WHERE id = ? AND event IS NULL AND error IS NULL").run(
    id,
  );
}

/** The gateway's side: takes the open requests, one at a time, and answers each. */
export async function serveCloseRequests(db: Db, close: (r: CloseRequest) => Promise<{ id: string }>): Promise<number> {
  const open = db
    .prepare(
      'SELECT id, incident, cause, note, by FROM incident_requests WHERE event IS NULL AND error IS NULL ORDER BY id',
    )
    .all() as CloseRequest[];
  const answer = db.prepare('UPDATE incident_requests SET event = ?, error = ? WHERE id = ?');
  for (const r of open) {
    try {
      answer.run((await close(r)).id, null, r.id);
    } catch (err) {
      answer.run(null, (err as Error).message, r.id);
    }
  }
  return open.length;
}
