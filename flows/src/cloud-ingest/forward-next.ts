/**
 * Function node "forwarder: next": sends the next journal entry to the insurer's or the
 * emergency-management bureau's endpoint (PW_FORWARD_URL), one at a time and in journal order.
 * It runs on every tick, on every newly kept event and after every answer; it does nothing
 * while a request is out or a back-off runs. Entries whose priority is not in
 * PW_FORWARD_PRIORITIES (default fire,water,trouble,info) and unreadable lines are passed over.
 * Each request carries the event id as Idempotency-Key, so the receiver can drop the one
 * duplicate a crash between its answer and our cursor write could cause.
 * With PW_FORWARD_LEDGER (instances sharing a subscription) an event is first claimed in the
 * shared ledger: one another instance has forwarded is passed over, one another instance is
 * sending waits here (and keeps the order behind it) until that answer or the claim lapses.
 */

import type * as Fs from 'node:fs';
import type * as Path from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import type { ContextStore, EnvAccess, NodeApi, NodeOutput } from '../node-red.ts';
import { type ClaimVerdict, claim, closeLedger, ledgerAt } from '../shared/forward-ledger.ts';
import {
  type Cursor,
  cursorFile,
  type JournalEntry,
  journalFiles,
  lineAt,
  writeAtomically,
} from '../shared/journal.ts';
import type { ForwardState } from './types.ts';

/** lines passed over per run, so a long stretch of telemetry does not hold up Node-RED */
const MAX_SKIP = 2000;
const REQUEST_TIMEOUT_MS = 15000;
/** how soon to look again at an event another instance is sending */
const CLAIMED_RETRY_MS = 500;

export function onStart(node: NodeApi, flow: ContextStore, env: EnvAccess): void {
  // a request that was out when Node-RED stopped is sent again
  const state = flow.get('forward') as ForwardState | undefined;
  if (state) flow.set('forward', { ...state, inFlight: null, retryAt: 0 });
  if (!env.get('PW_FORWARD_URL')) {
    node.status({ fill: 'grey', shape: 'ring', text: '未设转发地址 / PW_FORWARD_URL not set: keep only' });
  }
}

export function onStop(): void {
  closeLedger();
}

export function onMessage(
  node: NodeApi,
  flow: ContextStore,
  env: EnvAccess,
  fs: typeof Fs,
  path: typeof Path,
  Database: typeof BetterSqlite3,
): NodeOutput {
  const url = env.get('PW_FORWARD_URL');
  const dir = env.get('PW_INGEST_DIR');
  if (!url || !dir) return null;
  const now = Date.now();
  const state = (flow.get('forward') as ForwardState | undefined) ?? {
    inFlight: null,
    retryAt: 0,
    backoffMs: 0,
    forwarded: 0,
    retried: 0,
    rejected: 0,
    skipped: 0,
    elsewhere: 0,
  };
  if (state.inFlight && now - state.inFlight.since < REQUEST_TIMEOUT_MS + 5000) return null;
  if (now < state.retryAt) return null;
  const priorities = (env.get('PW_FORWARD_PRIORITIES') || 'fire,water,trouble,info').split(',').map((p) => p.trim());
  const saved = readCursor(fs, path, dir, node);
  const cursor: Cursor = saved ?? { file: journalFiles(fs, dir)[0] ?? '', offset: 0 };
  if (cursor.file !== '' && !fs.existsSync(path.join(dir, cursor.file))) {
    // its file was removed (archived by hand): go on with the next one
    cursor.file = journalFiles(fs, dir).find((name) => name > cursor.file) ?? '';
    cursor.offset = 0;
  }
  let passedOver = 0;
  let out: NodeOutput = null;
  while (cursor.file !== '' && passedOver < MAX_SKIP) {
    const line = lineAt(fs, path.join(dir, cursor.file), cursor.offset);
    if (line === null) {
      const later = journalFiles(fs, dir).find((name) => name > cursor.file);
      if (!later) break;
      cursor.file = later;
      cursor.offset = 0;
      passedOver++;
      continue;
    }
    let entry: JournalEntry | null = null;
    try {
      entry = JSON.parse(line.text) as JournalEntry;
    } catch {
      node.warn('日志中有损坏的行，已跳过 / skipped a damaged journal line: ' + cursor.file + ' @' + cursor.offset);
    }
    if (!entry || !entry.event || !priorities.includes(entry.event.priority)) {
      cursor.offset = line.next;
      passedOver++;
      state.skipped++;
      continue;
    }
    const verdict = claimInLedger(Database, env, node, state, entry.event.id, now);
    if (!verdict.send && verdict.done) {
      cursor.offset = line.next;
      passedOver++;
      state.elsewhere++;
      continue;
    }
    if (!verdict.send) {
      state.retryAt = now + CLAIMED_RETRY_MS;
      node.status({ fill: 'blue', shape: 'ring', text: entry.event.id + ' 由 / sent by ' + verdict.holder });
      break;
    }
    const headers: Record<string, string> = { 'content-type': 'application/json', 'idempotency-key': entry.event.id };
    const token = env.get('PW_FORWARD_TOKEN');
    if (token) headers.authorization = 'Bearer ' + token;
    state.inFlight = { file: cursor.file, offset: cursor.offset, next: line.next, id: entry.event.id, since: now };
    out = {
      topic: entry.event.id,
      url,
      method: 'POST',
      headers,
      payload: JSON.stringify(entry.event),
      requestTimeout: REQUEST_TIMEOUT_MS,
      pwForward: state.inFlight,
    };
    break;
  }
  // what was passed over need not be read again
  if (passedOver > 0 && cursor.file !== '') writeAtomically(fs, cursorFile(path, dir), JSON.stringify(cursor));
  flow.set('forward', state);
  return out;
}

/**
 * The ledger's word on an event; without PW_FORWARD_LEDGER, or when it cannot be used, send:
 * an alarm late or lost is worse than one the receiver drops by its Idempotency-Key.
 */
function claimInLedger(
  Database: typeof BetterSqlite3,
  env: EnvAccess,
  node: NodeApi,
  state: ForwardState,
  id: string,
  now: number,
): ClaimVerdict {
  const file = env.get('PW_FORWARD_LEDGER');
  if (!file) return { send: true };
  const me = env.get('PW_INGEST_CLIENT_ID') || node.id;
  try {
    const verdict = claim(ledgerAt(Database, file), id, me, now);
    state.ledgerError = '';
    return verdict;
  } catch (err) {
    closeLedger();
    const text = (err as Error).message;
    // once per distinct failure, not once per event
    if (state.ledgerError !== text)
      node.error('转发账本不可用，照常转发 / forward ledger unusable, forwarding anyway: ' + file + ': ' + text);
    state.ledgerError = text;
    return { send: true };
  }
}

function readCursor(fs: typeof Fs, path: typeof Path, dir: string, node: NodeApi): Cursor | null {
  const file = cursorFile(path, dir);
  if (!fs.existsSync(file)) return null;
  try {
    const cursor = JSON.parse(fs.readFileSync(file, 'utf8')) as Cursor;
    if (typeof cursor.file === 'string' && typeof cursor.offset === 'number') return cursor;
  } catch {
    // reported below
  }
  node.error('转发游标文件损坏，从头重发 / forward cursor file damaged, forwarding again from the start: ' + file);
  fs.renameSync(file, file + '.damaged-' + Date.now());
  return null;
}
