import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../gateway/store/database.ts';

/**
 * The disk's share of alarm latency: a commit as the gateway makes it (gateway/store/database.ts:
 * WAL, synchronous=FULL, so each commit waits for an fsync), on the disk the bench's gateway uses,
 * with nothing else running. An alarm is acknowledged and forwarded only after its commit, so no
 * alarm p99 can be lower than this p99; printed beside the alarm figures so the two can be compared.
 */
export interface DiskFloor {
  commits: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export function measureDiskFloor(commits = 500): DiskFloor {
  const dir = mkdtempSync(join(tmpdir(), 'pw-bench-disk-'));
  try {
    const db = openDatabase(dir);
    db.exec('CREATE TABLE floor (body TEXT NOT NULL)');
    const insert = db.prepare('INSERT INTO floor (body) VALUES (?)');
    // one alarm-sized row per commit: what a lone alarm costs when nothing else is in its batch
    const commit = db.transaction((body: string) => insert.run(body));
    const body = 'x'.repeat(400);
    const ms: number[] = [];
    for (let i = 0; i < commits; i++) {
      const t = performance.now();
      commit(body);
      ms.push(performance.now() - t);
    }
    db.close();
    ms.sort((a, b) => a - b);
    const at = (q: number) => ms[Math.min(ms.length - 1, Math.floor(q * ms.length))] as number;
    return { commits, p50Ms: at(0.5), p99Ms: at(0.99), maxMs: ms[ms.length - 1] as number };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
