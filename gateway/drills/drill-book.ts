import { z } from 'zod';
import type { Db } from '../store/database.ts';
import type { DecidedEvent, Placement } from '../wire/events.ts';

/**
 * Drills (issue 14): while one runs for an enterprise (or one zone of it), every event the
 * gateway decides for that place carries `drill` (wire/events.ts), so the panel, the Node-RED
 * escalation and the cloud all see an exercise, and no report counts it as a real alarm.
 * Started and stopped from the CLI (another process) or the panel: both write the `drills`
 * table, and the gateway notices through the `drills_version` counter (schema v5), as the
 * registry does with `nodes_version`.
 */
export const DrillScenario = z.enum(['fire', 'water']);
export type DrillScenario = z.infer<typeof DrillScenario>;

export const DrillStart = z
  .object({
    enterprise: z.string().min(1).max(64),
    /** '' = the whole enterprise */
    zone: z.string().max(64).default(''),
    scenario: DrillScenario.default('fire'),
    by: z.string().min(1).max(64),
  })
  .strict();
export type DrillStart = z.input<typeof DrillStart>;

export interface Drill {
  id: number;
  enterprise: string;
  zone: string;
  scenario: DrillScenario;
  startedAt: number;
  startedBy: string;
  stoppedAt: number | null;
  stoppedBy: string | null;
}

export class DrillError extends Error {
  constructor(
    readonly code: 'already_running' | 'not_running',
    message: string,
  ) {
    super(message);
  }
}

interface Row {
  id: number;
  enterprise: string;
  zone: string;
  scenario: DrillScenario;
  started_at: number;
  started_by: string;
  stopped_at: number | null;
  stopped_by: string | null;
}

const fromRow = (r: Row): Drill => ({
  id: r.id,
  enterprise: r.enterprise,
  zone: r.zone,
  scenario: r.scenario,
  startedAt: r.started_at,
  startedBy: r.started_by,
  stoppedAt: r.stopped_at,
  stoppedBy: r.stopped_by,
});

/** How often the gateway looks at the version counter: a drill starts within this of the command. */
const CHECK_MS = 250;

export class DrillBook {
  private running: Drill[] = [];
  private seenVersion = -1;
  private checkedAt = 0;
  private versionStmt;

  constructor(
    private db: Db,
    private clock: () => number = Date.now,
  ) {
    this.versionStmt = db.prepare("SELECT value FROM meta WHERE key = 'drills_version'").pluck();
  }

  /** Starts a drill; refused while one runs for the same enterprise (nested drills would blur the report). */
  start(input: DrillStart, now = this.clock()): Drill {
    const d = DrillStart.parse(input);
    return this.db.transaction(() => {
      const open = this.db
        .prepare('SELECT * FROM drills WHERE enterprise = ? AND stopped_at IS NULL')
        .get(d.enterprise) as Row | undefined;
      if (open)
        throw new DrillError(
          'already_running',
          `企业 ${d.enterprise} 的演练 #${open.id} 正在进行 / drill #${open.id} is already running for ${d.enterprise}`,
        );
      const id = Number(
        this.db
          .prepare('INSERT INTO drills (enterprise, zone, scenario, started_at, started_by) VALUES (?, ?, ?, ?, ?)')
          .run(d.enterprise, d.zone, d.scenario, now, d.by).lastInsertRowid,
      );
      this.seenVersion = -1;
      return this.get(id) as Drill;
    })();
  }

  /** Stops the running drill of an enterprise, or every running drill when none is named. */
  stop(enterprise: string | undefined, by: string, now = this.clock()): Drill[] {
    const open = this.list({ running: true }).filter((d) => enterprise === undefined || d.enterprise === enterprise);
    if (open.length === 0)
      throw new DrillError(
        'not_running',
        `没有进行中的演练 / no drill is running${enterprise ? ` for ${enterprise}` : ''}`,
      );
    const stmt = this.db.prepare('UPDATE drills SET stopped_at = ?, stopped_by = ? WHERE id = ?');
    this.db.transaction(() => {
      for (const d of open) stmt.run(now, by, d.id);
    })();
    this.seenVersion = -1;
    return open.map((d) => this.get(d.id) as Drill);
  }

  get(id: number): Drill | undefined {
    const row = this.db.prepare('SELECT * FROM drills WHERE id = ?').get(id) as Row | undefined;
    return row && fromRow(row);
  }

  /** Newest first; `from`/`to` select drills started in that window. */
  list(filter: { running?: boolean; enterprise?: string; from?: number; to?: number } = {}): Drill[] {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (filter.running) where.push('stopped_at IS NULL');
    if (filter.enterprise) {
      where.push('enterprise = ?');
      args.push(filter.enterprise);
    }
    if (filter.from !== undefined) {
      where.push('started_at >= ?');
      args.push(filter.from);
    }
    if (filter.to !== undefined) {
      where.push('started_at < ?');
      args.push(filter.to);
    }
    const sql = `SELECT * FROM drills ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC`;
    return (this.db.prepare(sql).all(...args) as Row[]).map(fromRow);
  }

  /** The drill tag for an event at this place, if a drill covers it. Cheap enough to call per event. */
  tagFor(placement: Placement | null): DecidedEvent['drill'] {
    if (!placement) return undefined;
    this.refresh();
    const d = this.running.find(
      (r) => r.enterprise === placement.enterprise && (r.zone === '' || r.zone === placement.zone),
    );
    return d && { id: d.id, scenario: d.scenario };
  }

  private refresh(): void {
    // real time, not the event clock: a test's frozen clock must not freeze the refresh
    const now = Date.now();
    if (now - this.checkedAt < CHECK_MS && this.seenVersion >= 0) return;
    this.checkedAt = now;
    const version = this.versionStmt.get() as number;
    if (version === this.seenVersion) return;
    this.seenVersion = version;
    this.running = this.list({ running: true });
  }
}
