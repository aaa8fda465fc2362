/**
 * Quick chain measure: what linking costs per stored event (EventLog.commit, batches of 200,
 * SQLite on disk with synchronous=FULL, head signed every 1,000 events), with the hashing alone
 * beside it, and how fast `log verify`'s walk checks a log (verifyChain over chainRows).
 * Prints figures only.
 *
 *   npx tsx tests/bench/chain-quick.ts [--events 100000]
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { GENESIS, link, sha256Hex, verifyChain } from '../../gateway/store/chain.ts';
import { openDatabase } from '../../gateway/store/database.ts';
import { chainRows, DEFAULT_HEAD_POLICY, signedHeads } from '../../gateway/store/event-chain.ts';
import { EventLog, type StoredEventRow } from '../../gateway/store/event-log.ts';

const { values } = parseArgs({ options: { events: { type: 'string', default: '100000' } } });
const EVENTS = Number(values.events);
const BATCH = 200;
const { privateKey, publicKey } = generateKeyPairSync('ed25519');

const row = (seq: number): StoredEventRow => {
  const body = JSON.stringify({
    id: `gw-1:${seq}`,
    seq,
    kind: 'telemetry',
    node: `n${seq % 2000}`,
    data: { v: 120 + (seq % 7), b: 100, st: 'normal' },
  });
  return {
    seq,
    at: 1_764_700_000_000 + seq,
    node: `n${seq % 2000}`,
    kind: 'telemetry',
    body,
    outbox: { cls: 1, bytes: body.length, expiresAt: null },
  };
};
const rows = Array.from({ length: EVENTS }, (_, i) => row(i + 1));

let t = performance.now();
let prev = GENESIS;
for (const r of rows) prev = link(prev, { ...r, bodyHash: sha256Hex(r.body) }).hash;
const hashUs = ((performance.now() - t) * 1000) / EVENTS;

const dir = mkdtempSync(join(tmpdir(), 'pw-chain-bench-'));
try {
  const db = openDatabase(dir);
  const log = new EventLog(db, 3_600_000, { key: privateKey, ...DEFAULT_HEAD_POLICY });
  t = performance.now();
  for (let i = 0; i < EVENTS; i += BATCH)
    log.commit({ rows: rows.slice(i, i + BATCH), replay: [], commandSeq: 0, conditions: { upserts: [], removes: [] } });
  const commitS = (performance.now() - t) / 1000;
  t = performance.now();
  const v = verifyChain(chainRows(db), signedHeads(db), publicKey);
  const verifyS = (performance.now() - t) / 1000;
  db.close();
  if (v.firstBad) throw new Error(`chain broken at ${v.firstBad.seq}`);
  console.log(`events                 ${EVENTS} (batches of ${BATCH})`);
  console.log(`link, hashing alone    ${hashUs.toFixed(1)} µs/event`);
  console.log(`commit with chain      ${(EVENTS / commitS).toFixed(0)} events/s (${v.signedHeads} heads signed)`);
  console.log(`verify walk            ${(EVENTS / verifyS).toFixed(0)} events/s (${verifyS.toFixed(2)} s)`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
