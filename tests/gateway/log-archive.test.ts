import { execFile } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { retentionCutoff } from '../../gateway/store/chain-archive.ts';
import { DB_FILE, openDatabase } from '../../gateway/store/database.ts';
import { DEFAULT_HEAD_POLICY } from '../../gateway/store/event-chain.ts';
import { EventLog, type StoredEventRow } from '../../gateway/store/event-log.ts';
import { loadOrCreateGatewayKey } from '../../gateway/store/gateway-key.ts';
import { SqliteOutbox } from '../../gateway/store/outbox.ts';
import { tempDir } from './support/gateway-rig.ts';

/**
 * `parkwatch log archive` on SQLite on disk: a log whose oldest part is past the 5-year retention,
 * stored with the store thread's own code (links, signed heads, a pruned telemetry tombstone).
 * The archive file verifies alone, the live chain verifies from the archived head on, nothing
 * younger than 5 years moves without the test flag, nothing undelivered moves, and tampering
 * with either side is caught.
 */
const ROOT = join(import.meta.dirname, '..', '..');
const dir = tempDir('pw-archive-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function parkwatch(...args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(ROOT, 'bin', 'parkwatch.js'), ...args], { cwd: ROOT }, (err, stdout, stderr) =>
      resolve({ code: err ? Number(err.code ?? 1) : 0, out: stdout + stderr }),
    );
  });
}

const DAY = 86_400_000;
const NOW = Date.now();
const row = (seq: number, at: number, kind = 'alarm'): StoredEventRow => ({
  seq,
  at,
  node: 'n1',
  kind,
  body: JSON.stringify({ id: `gw1:${seq}`, seq, kind, at, data: { v: seq } }),
  outbox: { cls: kind === 'telemetry' ? 1 : 0, bytes: 40, expiresAt: null },
});

describe('log archive', () => {
  it('moves the segment past retention into a file that verifies alone; the live chain verifies on', async () => {
    const db = openDatabase(dir);
    const log = new EventLog(db, DAY, { key: loadOrCreateGatewayKey(dir), ...DEFAULT_HEAD_POLICY, everyEvents: 10 });
    const sixYearsAgo = NOW - 6 * 365 * DAY;
    // 60 events six years ago (one in ten telemetry, pruned to tombstones), 40 from last month
    for (let b = 0; b < 6; b++)
      log.commit(
        {
          rows: Array.from({ length: 10 }, (_, i) =>
            row(b * 10 + i + 1, sixYearsAgo + (b * 10 + i) * 1000, i === 3 ? 'telemetry' : 'alarm'),
          ),
          replay: [],
          commandSeq: 0,
          conditions: { upserts: [], removes: [] },
        },
        sixYearsAgo + b * 10_000,
      );
    for (let b = 6; b < 10; b++)
      log.commit(
        {
          rows: Array.from({ length: 10 }, (_, i) => row(b * 10 + i + 1, NOW - 30 * DAY + i)),
          replay: [],
          commandSeq: 0,
          conditions: { upserts: [], removes: [] },
        },
        NOW - 30 * DAY,
      );
    log.pruneTelemetry(sixYearsAgo + 2 * DAY);
    // everything delivered but seq 100 (still waiting for the cloud)
    new SqliteOutbox(db).remove(Array.from({ length: 99 }, (_, i) => i + 1));
    db.close();

    const cutoff = new Date(retentionCutoff(NOW)).toISOString().slice(0, 10);
    const recent = new Date(NOW - 10 * DAY).toISOString().slice(0, 10);
    const first = join(dir, 'archive-1.sqlite');
    const refused = await parkwatch('log', 'archive', '--before', recent, '--out', first, '--data', dir);
    expect(refused.out).toContain('retention');
    expect(refused.code).toBe(1);
    expect(existsSync(first)).toBe(false);

    const moved = await parkwatch('log', 'archive', '--before', cutoff, '--out', first, '--data', dir);
    expect(moved.out).toContain('archived 60 行 / rows, seq 1..60');
    expect(moved.code).toBe(0);
    const [alone, live] = await Promise.all([
      parkwatch('log', 'verify', '--archive', first),
      parkwatch('log', 'verify', '--data', dir),
    ]);
    expect(alone.out).toMatch(/verified 60 events, chain intact/);
    expect(alone.out).toContain('6 个已清理遥测的墓碑');
    expect(alone.code).toBe(0);
    expect(live.out).toMatch(/verified 40 events, chain intact/);
    expect(live.code).toBe(0);

    // the test flag moves younger events too, but never what the cloud has not acknowledged
    const second = join(dir, 'archive-2.sqlite');
    const forced = await parkwatch(
      'log',
      'archive',
      '--before',
      recent,
      '--out',
      second,
      '--ignore-retention',
      '--data',
      dir,
    );
    expect(forced.out).toContain('seq 61..90'); // the head at 100 is past the undelivered seq 100
    expect(forced.code).toBe(0);

    const archived = new Database(second);
    archived.exec('UPDATE events SET body = replace(body, \'"v":70\', \'"v":7\') WHERE seq = 70');
    archived.close();
    const live2 = new Database(join(dir, DB_FILE));
    live2.exec('DELETE FROM events WHERE seq = 91');
    live2.close();
    const [badArchive, badLive, chained] = await Promise.all([
      parkwatch('log', 'verify', '--archive', second),
      parkwatch('log', 'verify', '--data', dir),
      parkwatch('log', 'verify', '--archive', first),
    ]);
    expect(badArchive.out).toContain('first bad event seq 70');
    expect(badArchive.code).toBe(1);
    expect(badLive.out).toContain('first bad event seq 92');
    expect(badLive.code).toBe(1);
    expect(chained.code).toBe(0);
  }, 240_000);
});
