import { createPublicKey, type KeyObject } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { basename } from 'node:path';
import Database from 'better-sqlite3';
import { type ChainStart, type ChainVerdict, GENESIS, verifyChain } from './chain.ts';
import type { Db } from './database.ts';
import { chainRows, signedHeads } from './event-chain.ts';

/**
 * `parkwatch log archive`: moves the oldest segment of the event chain into a file of its own
 * (a small SQLite database with the same tables) that verifies alone, and records in the live
 * database where the chain goes on from. The segment ends at a signed head, which stays in the
 * live database too, so the live chain verifies from that signed link on. Nothing younger than
 * the retention (5 years, AQ 9010-2019) moves unless the caller forces it (tests), and nothing
 * the cloud has not acknowledged yet moves at all.
 */
export const RETENTION_YEARS = 5;

export class ArchiveError extends Error {
  constructor(
    readonly code: 'too_recent' | 'nothing' | 'exists' | 'unverified',
    message: string,
  ) {
    super(message);
  }
}

export interface ArchiveResult {
  firstSeq: number;
  lastSeq: number;
  lastHash: string;
  rows: number;
}

/** The newest moment a segment may reach back to: now minus the retention. */
export function retentionCutoff(now: number): number {
  const d = new Date(now);
  d.setUTCFullYear(d.getUTCFullYear() - RETENTION_YEARS);
  return d.getTime();
}

/** Where the live chain begins: after the newest archived segment, or the genesis. */
export function liveChainStart(db: Db): ChainStart {
  const row = db
    .prepare('SELECT last_seq AS seq, last_hash AS hash FROM chain_archives ORDER BY last_seq DESC LIMIT 1')
    .get() as ChainStart | undefined;
  return row ?? { seq: 0, hash: GENESIS };
}

export function archiveBefore(
  db: Db,
  options: { before: number; out: string; publicKeyPem: string; now: number; ignoreRetention?: boolean },
): ArchiveResult {
  const { before, out, now } = options;
  if (!options.ignoreRetention && before > retentionCutoff(now))
    throw new ArchiveError(
      'too_recent',
      `保留期 ${RETENTION_YEARS} 年内的事件不能归档（最晚 ${new Date(retentionCutoff(now)).toISOString()}）/ ` +
        `events younger than the ${RETENTION_YEARS}-year retention cannot be archived (latest ${new Date(retentionCutoff(now)).toISOString()})`,
    );
  if (existsSync(out)) throw new ArchiveError('exists', `文件已存在 / file exists: ${out}`);
  const from = liveChainStart(db);
  const undelivered = (
    db.prepare('SELECT MIN(seq) AS s FROM events WHERE outbox IS NOT NULL').get() as { s: number | null }
  ).s;
  // the newest signed head older than `before`, after the last archive, before anything still in the outbox
  const end = db
    .prepare(
      `SELECT h.seq, h.hash FROM chain_heads h
       JOIN (SELECT seq, at FROM events UNION ALL SELECT seq, at FROM event_tombstones) r ON r.seq = h.seq
       WHERE r.at < ? AND h.seq > ? AND h.seq < ? ORDER BY h.seq DESC LIMIT 1`,
    )
    .get(before, from.seq, undelivered ?? Number.MAX_SAFE_INTEGER) as { seq: number; hash: string } | undefined;
  if (!end)
    throw new ArchiveError(
      'nothing',
      `没有早于该日期、已送达且已签名的段可归档 / no signed, delivered segment older than ${new Date(before).toISOString()} to archive`,
    );
  writeArchive(db, out, from, end, options.publicKeyPem, now, before);
  const verdict = verifyArchive(out, createPublicKey(options.publicKeyPem));
  if (verdict.firstBad || verdict.head !== end.hash) {
    rmSync(out, { force: true });
    throw new ArchiveError(
      'unverified',
      `归档文件校验失败，未删除任何事件 / the archive did not verify, nothing was removed: ${verdict.firstBad?.message ?? 'head'}`,
    );
  }
  const first = db
    .prepare(
      'SELECT MIN(seq) AS s FROM (SELECT seq FROM events WHERE seq > ? UNION ALL SELECT seq FROM event_tombstones WHERE seq > ?)',
    )
    .get(from.seq, from.seq) as { s: number };
  const rows = db.transaction(() => {
    const moved =
      db.prepare('DELETE FROM events WHERE seq <= ?').run(end.seq).changes +
      db.prepare('DELETE FROM event_tombstones WHERE seq <= ?').run(end.seq).changes;
    // the segment's last head stays: the live chain's first link is checked against it
    db.prepare('DELETE FROM chain_heads WHERE seq < ?').run(end.seq);
    db.prepare(
      'INSERT INTO chain_archives (last_seq, last_hash, first_seq, rows, file, archived_at) VALUES (?, ?, ?, ?, ?, ?)',
    ).run(end.seq, end.hash, first.s, moved, basename(out), now);
    return moved;
  })();
  return { firstSeq: first.s, lastSeq: end.seq, lastHash: end.hash, rows };
}

function writeArchive(
  db: Db,
  out: string,
  from: ChainStart,
  end: { seq: number; hash: string },
  publicKeyPem: string,
  now: number,
  before: number,
): void {
  const file = new Database(out);
  file.exec(`
CREATE TABLE events (seq INTEGER PRIMARY KEY, at INTEGER NOT NULL, node TEXT, kind TEXT NOT NULL, body TEXT NOT NULL, prev_hash TEXT, hash TEXT);
CREATE TABLE event_tombstones (seq INTEGER PRIMARY KEY, at INTEGER NOT NULL, node TEXT, kind TEXT NOT NULL, body_hash TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL);
CREATE TABLE chain_heads (seq INTEGER PRIMARY KEY, hash TEXT NOT NULL, signed_at INTEGER NOT NULL, sig TEXT NOT NULL);
CREATE TABLE archive_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);`);
  file.close();
  db.prepare('ATTACH DATABASE ? AS archive').run(out);
  try {
    db.transaction(() => {
      db.prepare(
        'INSERT INTO archive.events SELECT seq, at, node, kind, body, prev_hash, hash FROM main.events WHERE seq > ? AND seq <= ?',
      ).run(from.seq, end.seq);
      db.prepare(
        'INSERT INTO archive.event_tombstones SELECT * FROM main.event_tombstones WHERE seq > ? AND seq <= ?',
      ).run(from.seq, end.seq);
      db.prepare('INSERT INTO archive.chain_heads SELECT * FROM main.chain_heads WHERE seq >= ? AND seq <= ?').run(
        from.seq,
        end.seq,
      );
      const meta = db.prepare('INSERT INTO archive.archive_meta (key, value) VALUES (?, ?)');
      for (const [k, v] of Object.entries({
        from_seq: from.seq,
        from_hash: from.hash,
        last_seq: end.seq,
        last_hash: end.hash,
        before,
        archived_at: now,
        public_key: publicKeyPem,
      }))
        meta.run(k, String(v));
    })();
  } finally {
    db.exec('DETACH DATABASE archive');
  }
}

export interface ArchiveMeta {
  from: ChainStart;
  last: ChainStart;
  publicKeyPem: string;
}

export function archiveMeta(file: Db): ArchiveMeta {
  const m = Object.fromEntries(
    (file.prepare('SELECT key, value FROM archive_meta').all() as { key: string; value: string }[]).map((r) => [
      r.key,
      r.value,
    ]),
  );
  return {
    from: { seq: Number(m.from_seq), hash: m.from_hash },
    last: { seq: Number(m.last_seq), hash: m.last_hash },
    publicKeyPem: m.public_key,
  };
}

/** Verifies an archive file on its own: its rows from its recorded start, and its signed heads. */
export function verifyArchive(out: string, key?: KeyObject): ChainVerdict & { meta: ArchiveMeta } {
  const file = new Database(out, { readonly: true, fileMustExist: true });
  try {
    const meta = archiveMeta(file);
    const verdict = verifyChain(
      chainRows(file),
      signedHeads(file),
      key ?? createPublicKey(meta.publicKeyPem),
      meta.from,
    );
    // a cut-off tail whose heads went with it: the file must end where it says it does
    if (!verdict.firstBad && verdict.head !== meta.last.hash)
      verdict.firstBad = {
        seq: meta.last.seq,
        reason: 'head_mismatch',
        message: '归档未止于其记录的最后一个事件 / the archive does not end at its recorded last event',
      };
    return { ...verdict, meta };
  } finally {
    file.close();
  }
}
