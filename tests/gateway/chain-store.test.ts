import { generateKeyPairSync } from 'node:crypto';
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { verifyChain } from '../../gateway/store/chain.ts';
import { openDatabase } from '../../gateway/store/database.ts';
import { chainRows, signedHeads } from '../../gateway/store/event-chain.ts';
import { EventLog, type StoredEventRow } from '../../gateway/store/event-log.ts';
import { tempDir } from './support/gateway-rig.ts';

/** The chain as the store thread writes it, on SQLite on disk: restarts, a failed batch, pruning. */
const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const dir = tempDir('pw-chain-store-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const TTL = 1000;
const row = (seq: number, kind: string): StoredEventRow => ({
  seq,
  at: seq * 10,
  node: 'n1',
  kind,
  body: JSON.stringify({ id: `gw:${seq}`, seq, kind }),
  outbox: { cls: 0, bytes: 10, expiresAt: null },
});
const batch = (rows: StoredEventRow[]) => ({
  rows,
  replay: [],
  commandSeq: 0,
  conditions: { upserts: [], removes: [] },
});

describe('event chain in the store', () => {
  it('continues across a reopen, ignores a failed batch, and keeps pruned telemetry as tombstones', () => {
    const policy = { key: privateKey, everyEvents: 4, everyMs: 1e12 };
    let db = openDatabase(dir);
    let log = new EventLog(db, TTL, policy);
    log.commit(batch([1, 2, 3].map((s) => row(s, s === 2 ? 'telemetry' : 'alarm'))), 0);
    db.close(); // a restart: the next EventLog reads the head back
    db = openDatabase(dir);
    log = new EventLog(db, TTL, policy);
    log.commit(batch([4, 5].map((s) => row(s, 'telemetry'))), 0);
    // seq 5 again: the batch fails as a whole and the chain's head must not move
    expect(() => log.commit(batch([row(6, 'alarm'), row(5, 'alarm')]), 0)).toThrow();
    log.commit(batch([row(6, 'clear')]), 0);
    expect(log.pruneTelemetry(10_000)).toBe(3);
    log.signHead(1);
    const v = verifyChain(chainRows(db), signedHeads(db), publicKey);
    expect(v.firstBad).toBeNull();
    expect(v).toMatchObject({ events: 6, tombstones: 3, signedHeads: 2, unsignedTail: 0 });
    // a tombstone's digest is covered too
    db.prepare("UPDATE event_tombstones SET body_hash = 'aa' WHERE seq = 4").run();
    expect(verifyChain(chainRows(db), signedHeads(db), publicKey).firstBad).toMatchObject({
      seq: 4,
      reason: 'altered',
    });
    db.close();
  });
});
