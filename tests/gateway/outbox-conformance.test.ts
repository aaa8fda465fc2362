import { rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../gateway/store/database.ts';
import { type Outbox, type OutboxPlacement, SqliteOutbox, TELEMETRY, URGENT } from '../../gateway/store/outbox.ts';
import { StoreThread } from '../../gateway/store/store-thread.ts';
import { ThreadedOutbox } from '../../gateway/store/threaded-outbox.ts';
import { tempDir } from './support/gateway-rig.ts';

/**
 * The contract every Outbox implementation must pass. `make` returns an outbox and a way to
 * store an event waiting in it (for SqliteOutbox: an event log row with its outbox column).
 */
type Maker = () => {
  outbox: Outbox;
  store: (seq: number, kind: string, at: number, placement: OutboxPlacement) => void | Promise<void>;
  reopen: () => Outbox | Promise<Outbox>;
  close: () => void | Promise<void>;
};

function conformance(name: string, make: Maker): void {
  describe(`Outbox conformance: ${name}`, () => {
    let close: (() => void | Promise<void>) | undefined;
    afterEach(async () => {
      await close?.();
      close = undefined;
    });

    const setup = () => {
      const m = make();
      close = m.close;
      const put = async (seq: number, cls: 0 | 1, at = 1000, bytes = 100) => {
        await m.store(seq, cls === TELEMETRY ? 'telemetry' : 'alarm', at, {
          cls,
          bytes,
          expiresAt: cls === TELEMETRY ? at + 500 : null,
        });
      };
      return { ...m, put };
    };

    it('peeks by class in seq order after a cursor', async () => {
      const { outbox, put } = setup();
      for (const [seq, cls] of [
        [1, 1],
        [2, 0],
        [3, 1],
        [4, 0],
        [5, 0],
      ] as const)
        await put(seq, cls);
      expect(outbox.peek(URGENT, 0, 10).map((e) => e.seq)).toEqual([2, 4, 5]);
      expect(outbox.peek(URGENT, 2, 1).map((e) => e.seq)).toEqual([4]);
      expect(outbox.peek(TELEMETRY, 0, 10).map((e) => [e.seq, e.kind])).toEqual([
        [1, 'telemetry'],
        [3, 'telemetry'],
      ]);
      expect(outbox.stats()).toMatchObject({ depth: 5, bytes: 500, oldestAt: 1000 });
    });

    it('removes delivered entries; a duplicate remove is harmless', async () => {
      const { outbox, put } = setup();
      await put(1, 0);
      await put(2, 0);
      await outbox.remove([1]);
      await outbox.remove([1, 99]);
      expect(outbox.peek(URGENT, 0, 10).map((e) => e.seq)).toEqual([2]);
      expect(outbox.stats()).toMatchObject({ depth: 1, bytes: 100 });
    });

    it('keeps entries across a reopen (durable)', async () => {
      const m = setup();
      await m.put(7, 0);
      const again = await m.reopen();
      expect(again.peek(URGENT, 0, 10).map((e) => e.seq)).toEqual([7]);
      expect(again.stats().depth).toBe(1);
    });

    it('expires telemetry and drops the oldest over quota, never urgent entries', async () => {
      const { outbox, put } = setup();
      await put(1, 1, 0); // expires at 500
      for (let s = 2; s <= 6; s++) await put(s, s % 2 === 0 ? 0 : 1, 1000);
      expect(await outbox.prune(600, 1_000_000)).toEqual({ expired: 1, droppedOverQuota: 0 });
      // left: 2(u) 3(t) 4(u) 5(t) 6(u) = 500 bytes; quota 350 drops telemetry 3 and 5 only
      expect(await outbox.prune(600, 350)).toEqual({ expired: 0, droppedOverQuota: 2 });
      expect(outbox.peek(URGENT, 0, 10).map((e) => e.seq)).toEqual([2, 4, 6]);
      expect(outbox.peek(TELEMETRY, 0, 10)).toEqual([]);
      expect(await outbox.prune(600, 10)).toEqual({ expired: 0, droppedOverQuota: 0 });
      expect(outbox.stats().depth).toBe(3);
    });
  });
}

conformance('SqliteOutbox', () => {
  const dir = tempDir('pw-outbox-');
  let db = openDatabase(dir);
  const store = (seq: number, kind: string, at: number, o: OutboxPlacement) => {
    db.prepare(
      'INSERT INTO events (seq, at, node, kind, body, outbox, bytes, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    ).run(seq, at, 'n1', kind, JSON.stringify({ seq, kind }), o.cls, o.bytes, o.expiresAt);
  };
  return {
    outbox: new SqliteOutbox(db),
    store,
    reopen: () => {
      db.close();
      db = openDatabase(dir);
      return new SqliteOutbox(db);
    },
    close: () => {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

conformance('ThreadedOutbox (the gateway: read on the main thread, changed by the store thread)', () => {
  const dir = tempDir('pw-outbox-');
  const data = { dataDir: dir, telemetryTtlMs: 500 };
  let db = openDatabase(dir);
  let thread = new StoreThread(data);
  const store = (seq: number, kind: string, at: number, outbox: OutboxPlacement) =>
    thread.request({
      op: 'commit',
      batch: {
        rows: [{ seq, at, node: 'n1', kind, body: JSON.stringify({ seq, kind }), outbox }],
        replay: [],
        commandSeq: 0,
        conditions: { upserts: [], removes: [] },
      },
    });
  return {
    outbox: new ThreadedOutbox(db, thread),
    store,
    reopen: async () => {
      await thread.close();
      db.close();
      db = openDatabase(dir);
      thread = new StoreThread(data);
      return new ThreadedOutbox(db, thread);
    },
    close: async () => {
      await thread.close();
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
