/**
 * Quick forward-ledger measure: what the cloud-ingest forwarder adds per event with
 * PW_FORWARD_LEDGER, done as the flow does it (flows/src/shared/forward-ledger.ts): claim
 * before the request, mark done after the answer, on one connection kept open; and, beside it,
 * the same with a connection opened and closed per step (what the flow did first: each close
 * of the last connection checkpoints the WAL). On disk in a temp folder. Prints figures only.
 *
 *   npx tsx tests/bench/ledger-quick.ts [--events 5000]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { claim, closeLedger, ledgerAt, markDone, openLedger } from '../../flows/src/shared/forward-ledger.ts';

const { values } = parseArgs({ options: { events: { type: 'string', default: '5000' } } });
const EVENTS = Number(values.events);
const dir = mkdtempSync(join(tmpdir(), 'pw-ledger-bench-'));

type Connect = (file: string) => { db: Database.Database; done: () => void };
const kept: Connect = (file) => ({ db: ledgerAt(Database, file), done: () => {} });
const perStep: Connect = (file) => {
  const db = openLedger(Database, file);
  return { db, done: () => db.close() };
};

function measure(label: string, connect: Connect, events: number): void {
  const file = join(dir, `${label}.sqlite`);
  connect(file).done(); // the file and its table, outside the measure
  const perEvent: number[] = [];
  const started = process.hrtime.bigint();
  for (let i = 0; i < events; i++) {
    const t0 = process.hrtime.bigint();
    const id = `gw1:${i}`;
    const before = connect(file);
    claim(before.db, id, 'pw-ingest-a', Date.now());
    before.done();
    const after = connect(file);
    markDone(after.db, id, 'pw-ingest-a', 202, Date.now());
    after.done();
    perEvent.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  const totalMs = Number(process.hrtime.bigint() - started) / 1e6;
  perEvent.sort((a, b) => a - b);
  const at = (q: number) => perEvent[Math.min(perEvent.length - 1, Math.floor(q * perEvent.length))].toFixed(0);
  console.log(
    `forward ledger, ${label}, ${events} events (claim + mark): median ${at(0.5)} µs, p90 ${at(0.9)} µs, ` +
      `p99 ${at(0.99)} µs per event; ${((events * 1000) / totalMs).toFixed(0)} events/s`,
  );
}

measure('one connection kept open', kept, EVENTS);
closeLedger();
// opened per step is slow (a checkpoint and its fsync at each close): a tenth of the events
measure('a connection per step', perStep, Math.max(10, Math.round(EVENTS / 10)));
rmSync(dir, { recursive: true, force: true });
