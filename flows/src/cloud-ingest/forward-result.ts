/**
 * Function node "forwarder: result": reads the endpoint's answer to the request out.
 * 2xx: delivered, the cursor moves past it (written to disk before the next request).
 * 4xx other than 408/429: the endpoint refuses this event for good; it is written to
 * rejected.jsonl beside the journal, reported, and passed over so the rest can flow.
 * Anything else (5xx, 408, 429, no answer): try again after a back-off that doubles from
 * PW_FORWARD_RETRY_S (default 1 s) up to PW_FORWARD_MAX_BACKOFF_S (default 300 s).
 * With PW_FORWARD_LEDGER the answer is written there too: 2xx and refusals mark the event done
 * for every instance, a failed try gives the claim back.
 * Output: a trigger for "forwarder: next", to send the next one at once.
 */

import type * as Fs from 'node:fs';
import type * as Path from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import type { ContextStore, EnvAccess, NodeApi, NodeMessage, NodeOutput } from '../node-red.ts';
import { closeLedger, ledgerAt, markDone, pruneDone, release } from '../shared/forward-ledger.ts';
import { cursorFile, writeAtomically } from '../shared/journal.ts';
import type { ForwardState, InFlight } from './types.ts';

export function onStop(): void {
  closeLedger();
}

export function onMessage(
  msg: NodeMessage,
  node: NodeApi,
  flow: ContextStore,
  env: EnvAccess,
  fs: typeof Fs,
  path: typeof Path,
  Database: typeof BetterSqlite3,
): NodeOutput {
  const dir = env.get('PW_INGEST_DIR') ?? '';
  const sent = msg.pwForward as InFlight;
  const state = flow.get('forward') as ForwardState | undefined;
  const current = state?.inFlight;
  // an answer to a request from before a restart or a time-out: its entry is already being retried
  if (!state || !current || current.file !== sent.file || current.offset !== sent.offset) return null;
  const status = typeof msg.statusCode === 'number' ? msg.statusCode : 0;
  state.inFlight = null;
  let out: NodeOutput = { topic: 'next' };
  const final =
    (status >= 200 && status <= 299) || (status >= 400 && status <= 499 && status !== 408 && status !== 429);
  recordInLedger(Database, env, node, state, sent.id, final ? status : 0);
  if (status >= 200 && status <= 299) {
    writeAtomically(fs, cursorFile(path, dir), JSON.stringify({ file: sent.file, offset: sent.next }));
    state.forwarded++;
    state.backoffMs = 0;
  } else if (final) {
    const record = { at: Date.now(), status, answer: String(msg.payload).slice(0, 2000), id: sent.id, file: sent.file };
    fs.appendFileSync(path.join(dir, 'rejected.jsonl'), JSON.stringify(record) + '\n');
    writeAtomically(fs, cursorFile(path, dir), JSON.stringify({ file: sent.file, offset: sent.next }));
    state.rejected++;
    node.error(
      '接收方拒收事件 / the endpoint refused event ' +
        sent.id +
        ' with HTTP ' +
        status +
        '; kept in rejected.jsonl (检查接口格式与令牌 / check the endpoint format and token)',
      msg,
    );
  } else {
    const first = seconds(env, 'PW_FORWARD_RETRY_S', 1) * 1000;
    const most = seconds(env, 'PW_FORWARD_MAX_BACKOFF_S', 300) * 1000;
    state.backoffMs = Math.min(most, state.backoffMs > 0 ? state.backoffMs * 2 : first);
    state.retryAt = Date.now() + state.backoffMs;
    state.retried++;
    out = null;
    node.warn(
      '转发失败，稍后重试 / forwarding failed, retrying in ' +
        Math.round(state.backoffMs / 1000) +
        ' s: event ' +
        sent.id +
        ': ' +
        (status ? 'HTTP ' + status : String(msg.payload)),
    );
  }
  flow.set('forward', state);
  node.status({
    fill: state.backoffMs > 0 ? 'yellow' : 'green',
    shape: 'dot',
    text:
      state.forwarded +
      ' 已转发 / forwarded, ' +
      state.rejected +
      ' 拒收 / refused, ' +
      state.elsewhere +
      ' 他处已转发 / forwarded elsewhere, ' +
      state.retried +
      ' 重试 / retries',
  });
  return out;
}

/** status 0: the try failed, give the claim back. A failure here is reported and the cursor still moves. */
function recordInLedger(
  Database: typeof BetterSqlite3,
  env: EnvAccess,
  node: NodeApi,
  state: ForwardState,
  id: string,
  status: number,
): void {
  const file = env.get('PW_FORWARD_LEDGER');
  if (!file) return;
  const me = env.get('PW_INGEST_CLIENT_ID') || node.id;
  const now = Date.now();
  try {
    const db = ledgerAt(Database, file);
    if (status === 0) release(db, id, me);
    else markDone(db, id, me, status, now);
    if (status !== 0 && state.forwarded % 1000 === 0) pruneDone(db, now);
  } catch (err) {
    closeLedger();
    node.error(
      '转发账本写入失败 / cannot write the forward ledger: ' + file + ': ' + (err as Error).message + '; event ' + id,
    );
  }
}

function seconds(env: EnvAccess, name: string, fallback: number): number {
  const value = Number(env.get(name) || fallback);
  return Number.isFinite(value) && value >= 0 ? value : fallback;
}
