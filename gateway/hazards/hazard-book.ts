import { z } from 'zod';
import type { Db } from '../store/database.ts';
import { HAZARD_RULES, type HazardCause, type HazardSeverity } from './hazard-rules.ts';

/**
 * Hazards to closure (issue 14): open -> rectifying -> closed with a note. The gateway opens
 * them from troubles (hazard-watch.ts), people move them on with `parkwatch hazards update`.
 * Every change bumps the row's version; the gateway stores each version as a `hazard` event,
 * so the tamper-evident log holds the whole history even though this table is mutable.
 */
export const HazardState = z.enum(['open', 'rectifying', 'closed']);
export type HazardState = z.infer<typeof HazardState>;

export interface Hazard {
  id: number;
  enterprise: string;
  node: string | null;
  cause: HazardCause;
  severity: HazardSeverity;
  state: HazardState;
  openedAt: number;
  deadline: number;
  sourceSeq: number | null;
  updatedAt: number;
  updatedBy: string;
  note: string;
  closedAt: number | null;
  overdueAt: number | null;
  version: number;
}

export const HazardUpdate = z
  .object({
    state: HazardState,
    note: z.string().max(500).default(''),
    by: z.string().min(1).max(64),
  })
  .strict()
  .refine((u) => u.state !== 'closed' || u.note.trim() !== '', {
    message: '关闭隐患须写明整改情况 / closing a hazard needs a note saying what was done',
    path: ['note'],
  });

export class HazardError extends Error {
  constructor(
    readonly code: 'unknown_hazard' | 'closed',
    message: string,
  ) {
    super(message);
  }
}

interface Row {
  id: number;
  enterprise: string;
  node: string | null;
  cause: HazardCause;
  severity: HazardSeverity;
  state: HazardState;
  opened_at: number;
  deadline: number;
  source_seq: number | null;
  updated_at: number;
  updated_by: string;
  note: string;
  closed_at: number | null;
  overdue_at: number | null;
  version: number;
}

const fromRow = (r: Row): Hazard => ({
  id: r.id,
  enterprise: r.enterprise,
  node: r.node,
  cause: r.cause,
  severity: r.severity,
  state: r.state,
  openedAt: r.opened_at,
  deadline: r.deadline,
  sourceSeq: r.source_seq,
  updatedAt: r.updated_at,
  updatedBy: r.updated_by,
  note: r.note,
  closedAt: r.closed_at,
  overdueAt: r.overdue_at,
  version: r.version,
});

export class HazardBook {
  constructor(private db: Db) {}

  /** Opens a hazard unless one is already open for this node and cause; returns it when new. */
  open(input: {
    enterprise: string;
    node: string | null;
    cause: HazardCause;
    at: number;
    sourceSeq?: number;
  }): Hazard | undefined {
    const rule = HAZARD_RULES[input.cause];
    const result = this.db
      .prepare(
        `INSERT OR IGNORE INTO hazards (enterprise, node, cause, severity, state, opened_at, deadline, source_seq, updated_at, updated_by)
         VALUES (?, ?, ?, ?, 'open', ?, ?, ?, ?, 'gateway')`,
      )
      .run(
        input.enterprise,
        input.node,
        input.cause,
        rule.severity,
        input.at,
        input.at + rule.deadlineMs,
        input.sourceSeq ?? null,
        input.at,
      );
    return result.changes > 0 ? this.get(Number(result.lastInsertRowid)) : undefined;
  }

  update(id: number, input: z.input<typeof HazardUpdate>, now: number): Hazard {
    const u = HazardUpdate.parse(input);
    const current = this.get(id);
    if (!current) throw new HazardError('unknown_hazard', `没有隐患 #${id} / no hazard #${id}`);
    if (current.state === 'closed') throw new HazardError('closed', `隐患 #${id} 已关闭 / hazard #${id} is closed`);
    this.db
      .prepare(
        `UPDATE hazards SET state = ?, note = ?, updated_at = ?, updated_by = ?, closed_at = ?, version = version + 1 WHERE id = ?`,
      )
      .run(u.state, u.note || current.note, now, u.by, u.state === 'closed' ? now : null, id);
    return this.get(id) as Hazard;
  }

  /** Marks open hazards past their deadline overdue (once each); returns them. */
  markOverdue(now: number): Hazard[] {
    const due = (
      this.db
        .prepare("SELECT * FROM hazards WHERE state != 'closed' AND deadline < ? AND overdue_at IS NULL")
        .all(now) as Row[]
    ).map(fromRow);
    const stmt = this.db.prepare('UPDATE hazards SET overdue_at = ?, version = version + 1 WHERE id = ?');
    this.db.transaction(() => {
      for (const h of due) stmt.run(now, h.id);
    })();
    return due.map((h) => this.get(h.id) as Hazard);
  }

  /** Versions not yet stored as events. */
  unlogged(limit = 100): Hazard[] {
    return (
      this.db.prepare('SELECT * FROM hazards WHERE logged < version ORDER BY id LIMIT ?').all(limit) as Row[]
    ).map(fromRow);
  }

  markLogged(id: number, version: number): void {
    this.db.prepare('UPDATE hazards SET logged = MAX(logged, ?) WHERE id = ?').run(version, id);
  }

  get(id: number): Hazard | undefined {
    const row = this.db.prepare('SELECT * FROM hazards WHERE id = ?').get(id) as Row | undefined;
    return row && fromRow(row);
  }

  list(filter: { enterprise?: string; state?: HazardState; overdue?: boolean } = {}): Hazard[] {
    const where: string[] = [];
    const args: string[] = [];
    if (filter.enterprise) {
      where.push('enterprise = ?');
      args.push(filter.enterprise);
    }
    if (filter.state) {
      where.push('state = ?');
      args.push(filter.state);
    }
    if (filter.overdue) where.push("overdue_at IS NOT NULL AND state != 'closed'");
    const sql = `SELECT * FROM hazards ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id`;
    return (this.db.prepare(sql).all(...args) as Row[]).map(fromRow);
  }
}
