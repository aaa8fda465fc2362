import { type Db, readMeta } from '../store/database.ts';
import type { DecidedEvent } from '../wire/events.ts';
import { applyEvent, type Incident } from './incident.ts';

/**
 * The incident files in the database (schema v5), written by the store thread: each batch's
 * events are filed inside the batch's own transaction (so an incident never names an event that
 * did not commit), and each PUBACK marks the event forwarded. `meta.incidents_seq` says how far
 * the log has been filed, so a database from before v5 is filed from its log at the first start.
 */
export interface FiledRow {
  seq: number;
  kind: string;
  body: string;
}

export class IncidentStore {
  private readIncident;
  private upsert;
  private insertEvent;
  private markForwarded;
  private setCursor;

  constructor(private db: Db) {
    this.readIncident = db.prepare('SELECT body FROM incidents WHERE id = ?');
    this.upsert = db.prepare(
      `INSERT INTO incidents (id, node, ch, priority, enterprise, state, opened_at, cause, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET state = excluded.state, cause = excluded.cause, body = excluded.body`,
    );
    this.insertEvent = db.prepare(
      'INSERT OR IGNORE INTO incident_events (incident, seq, step, stored_at) VALUES (?, ?, ?, ?)',
    );
    this.markForwarded = db.prepare(
      'UPDATE incident_events SET forwarded_at = ? WHERE seq = ? AND forwarded_at IS NULL',
    );
    this.setCursor = db.prepare(
      "INSERT INTO meta (key, value) VALUES ('incidents_seq', ?) ON CONFLICT (key) DO UPDATE SET value = MAX(value, excluded.value)",
    );
  }

  /** Inside the batch's transaction: files its events. `storedAt` null when filed later from the log. */
  file(rows: readonly FiledRow[], storedAt: number | null): void {
    if (rows.length === 0) return;
    for (const r of rows) {
      // telemetry never belongs to an incident; parse nothing else that cannot
      if (r.kind === 'telemetry' || r.kind === 'heartbeat' || r.kind === 'hello') continue;
      const event = JSON.parse(r.body) as DecidedEvent;
      const ref = event.kind === 'note' ? event.data.alarmRef : event.alarm?.ref;
      if (typeof ref !== 'string') continue;
      const kept = this.readIncident.get(ref) as { body: string } | undefined;
      const applied = applyEvent(kept ? (JSON.parse(kept.body) as Incident) : undefined, event);
      if (!applied) continue;
      const i = applied.incident;
      this.upsert.run(
        i.id,
        i.node,
        i.ch,
        i.priority,
        i.placement?.enterprise ?? '',
        i.state,
        i.openedAt,
        i.cause,
        JSON.stringify(i),
      );
      this.insertEvent.run(i.id, r.seq, applied.step, storedAt);
    }
    this.setCursor.run(rows[rows.length - 1].seq);
  }

  /** The cloud broker acknowledged these events (PUBACK). */
  forwarded(seqs: readonly number[], at: number): void {
    this.db.transaction(() => {
      for (const s of seqs) this.markForwarded.run(at, s);
    })();
  }

  /** Files what the log holds past the cursor (a database from before incident files), in chunks. */
  catchUp(): number {
    const chunk = this.db.prepare(
      "SELECT seq, kind, body FROM events WHERE seq > ? AND kind != 'telemetry' ORDER BY seq LIMIT 2000",
    );
    let filed = 0;
    for (;;) {
      const rows = chunk.all(readMeta(this.db, 'incidents_seq')) as FiledRow[];
      if (rows.length === 0) return filed;
      this.db.transaction(() => this.file(rows, null))();
      filed += rows.length;
    }
  }
}
