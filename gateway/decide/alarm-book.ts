import type { Db } from '../store/database.ts';
import type { Condition } from './conditions.ts';

/**
 * The open conditions (alarms, pre-alarms, troubles) by slot and by ref, loaded from the
 * database at start. Changes are staged during a batch, handed to the store with the batch
 * as plain rows (`changes`, written by `writeConditions` inside the batch's transaction), then
 * made visible by `commit`; a failed batch calls `rollback`.
 */
export interface ConditionChanges {
  upserts: { ref: string; node: string | null; ch: string; body: string }[];
  removes: string[];
}

/** Applies a batch's condition changes; call inside the batch transaction. */
export function writeConditions(db: Db, changes: ConditionChanges): void {
  if (changes.upserts.length === 0 && changes.removes.length === 0) return;
  const upsert = db.prepare(
    'INSERT INTO conditions (ref, node, ch, body) VALUES (?, ?, ?, ?) ON CONFLICT (ref) DO UPDATE SET body = excluded.body',
  );
  const remove = db.prepare('DELETE FROM conditions WHERE ref = ?');
  for (const ref of changes.removes) remove.run(ref);
  for (const u of changes.upserts) upsert.run(u.ref, u.node, u.ch, u.body);
}

export class AlarmBook {
  private bySlot = new Map<string, Condition>();
  private staged = new Map<string, Condition>();

  constructor(db: Db) {
    for (const row of db.prepare('SELECT ref, body FROM conditions').all() as { ref: string; body: string }[]) {
      const c = JSON.parse(row.body) as Condition & { slot: string };
      this.bySlot.set(c.slot, c);
    }
  }

  /** The condition in a slot as the current batch sees it. */
  get(slot: string): Condition | undefined {
    return this.staged.get(slot) ?? this.bySlot.get(slot);
  }

  findByRef(ref: string): { slot: string; condition: Condition } | undefined {
    for (const [slot, c] of this.staged) if (c.ref === ref) return { slot, condition: c };
    for (const [slot, c] of this.bySlot) if (c.ref === ref) return { slot, condition: c };
    return undefined;
  }

  stage(slot: string, condition: Condition): void {
    this.staged.set(slot, condition);
  }

  /** The staged changes as rows to write. Closed conditions leave the table. */
  changes(): ConditionChanges {
    const out: ConditionChanges = { upserts: [], removes: [] };
    for (const [slot, c] of this.staged) {
      const previous = this.bySlot.get(slot);
      if (previous && previous.ref !== c.ref) out.removes.push(previous.ref);
      if (c.state === 'closed') out.removes.push(c.ref);
      else out.upserts.push({ ref: c.ref, node: c.node, ch: c.ch, body: JSON.stringify({ ...c, slot }) });
    }
    return out;
  }

  commit(): void {
    for (const [slot, c] of this.staged) {
      if (c.state === 'closed') this.bySlot.delete(slot);
      else this.bySlot.set(slot, c);
    }
    this.staged.clear();
  }

  rollback(): void {
    this.staged.clear();
  }

  /** Conditions not yet closed. */
  open(): Condition[] {
    return [...this.bySlot.values()];
  }
}
