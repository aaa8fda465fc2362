import type { StoredBatch } from './event-log.ts';
import type { PruneResult } from './outbox.ts';

/** What the main thread asks of the store thread, and what each request answers. */
export type StoreRequest =
  | { op: 'commit'; batch: StoredBatch }
  | { op: 'delivered'; seqs: number[] }
  | { op: 'prune'; now: number; quotaBytes: number }
  | { op: 'pruneTelemetry'; now: number }
  /** sign the chain's head now if it is not signed yet (an export wants its events covered) */
  | { op: 'signHead' }
  | { op: 'close' };

export interface StoreAnswers {
  commit: undefined;
  delivered: undefined;
  prune: PruneResult;
  pruneTelemetry: number;
  signHead: undefined;
  close: undefined;
}

export interface StoreThreadData {
  dataDir: string;
  telemetryTtlMs: number;
}

export type StoreReply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: string };
