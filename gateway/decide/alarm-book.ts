import type { Db } from '../store/database.ts';
import type { Condition } from './conditions.ts';

/**
 * The open conditions (alarms, pre-alarms, troubles) by slot and by ref, loaded from the
 * database at start. Changes are staged during a batch and written inside the batch's
 * transaction by `persist`, then made visible by `commit`; a failed batch calls `rollback`.
 */
export class AlarmBook {
  private bySlot = new Map<string, Condition>();
  private staged = new Map<string, Condition>();

  constructor(private db: Db) {
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

  /** Writes the staged changes; call inside the batch transaction. Closed conditions leave the table. */
  persist(): void {
    if (this.staged.size === 0) return;
    const upsert = this.db.prepare(
      'INSERT INTO conditions (ref, node, ch, body) VALUES (?, ?, ?, ?) ON CONFLICT (ref) DO UPDATE SET body = excluded.body',
    );
    const remove = this.db.prepare('DELETE FROM conditions WHERE ref = ?');
    for (const [slot, c] of this.staged) {
      const previous = this.bySlot.get(slot);
      if (previous && previous.ref !== c.ref) remove.run(previous.ref);
      if (c.state === 'closed') remove.run(c.ref);
      else upsert.run(c.ref, c.node, c.ch, JSON.stringify({ ...c, slot }));
    }
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
