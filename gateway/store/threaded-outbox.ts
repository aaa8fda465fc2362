import type { Db } from './database.ts';
import {
  type Outbox,
  type OutboxClass,
  type OutboxEntry,
  type OutboxStats,
  type PruneResult,
  SqliteOutbox,
} from './outbox.ts';
import type { StoreThread } from './store-thread.ts';

/**
 * The gateway's outbox: read on the main thread's connection (WAL readers never wait for the
 * writer), changed by the store thread, in order with the batches it commits.
 */
export class ThreadedOutbox implements Outbox {
  private reader: SqliteOutbox;

  constructor(
    db: Db,
    private thread: StoreThread,
  ) {
    this.reader = new SqliteOutbox(db);
  }

  peek(cls: OutboxClass, afterSeq: number, limit: number): OutboxEntry[] {
    return this.reader.peek(cls, afterSeq, limit);
  }

  stats(): OutboxStats {
    return this.reader.stats();
  }

  remove(seqs: readonly number[]): Promise<void> {
    return this.thread.request({ op: 'delivered', seqs: [...seqs] });
  }

  prune(now: number, quotaBytes: number): Promise<PruneResult> {
    return this.thread.request({ op: 'prune', now, quotaBytes });
  }
}
