import { parentPort, workerData } from 'node:worker_threads';
import { IncidentStore } from '../incidents/incident-store.ts';
import { openDatabase } from './database.ts';
import { DEFAULT_HEAD_POLICY } from './event-chain.ts';
import { EventLog } from './event-log.ts';
import { loadOrCreateGatewayKey } from './gateway-key.ts';
import { SqliteOutbox } from './outbox.ts';
import type { StoreReply, StoreRequest, StoreThreadData } from './store-requests.ts';

/**
 * The store thread: the only connection that writes events, outbox state, replay windows,
 * counters and conditions. Requests run one at a time in arrival order, each a transaction,
 * so its fsync (synchronous=FULL) never blocks the gateway's event loop.
 */
const { dataDir, telemetryTtlMs } = workerData as StoreThreadData;
const db = openDatabase(dataDir);
const log = new EventLog(db, telemetryTtlMs, { key: loadOrCreateGatewayKey(dataDir), ...DEFAULT_HEAD_POLICY });
const outbox = new SqliteOutbox(db);
const incidents = new IncidentStore(db);
incidents.catchUp();

function handle(req: StoreRequest): unknown {
  switch (req.op) {
    case 'commit': {
      const now = Date.now();
      return log.commit(req.batch, now, (rows) => incidents.file(rows, now));
    }
    case 'delivered':
      outbox.remove(req.seqs);
      return incidents.forwarded(req.seqs, Date.now());
    case 'prune':
      return outbox.prune(req.now, req.quotaBytes);
    case 'pruneTelemetry':
      return log.pruneTelemetry(req.now);
    case 'signHead':
      return log.signHead();
    case 'close':
      log.signHead();
      try {
        db.pragma('wal_checkpoint(TRUNCATE)');
      } catch {
        // a checkpoint is an optimisation; the WAL is replayed on the next open anyway
      }
      db.close();
      return undefined;
  }
}

parentPort?.on('message', (msg: { id: number; req: StoreRequest }) => {
  let reply: StoreReply;
  try {
    reply = { id: msg.id, ok: true, value: handle(msg.req) };
  } catch (err) {
    reply = { id: msg.id, ok: false, error: (err as Error).message };
  }
  parentPort?.postMessage(reply);
  if (msg.req.op === 'close') parentPort?.close();
});
