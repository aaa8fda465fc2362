import { createPublicKey, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { UsageError } from '../../errors/usage-error.ts';
import { type ChainStart, type ChainVerdict, verifyChain } from '../store/chain.ts';
import { ArchiveError, archiveBefore, liveChainStart, verifyArchive } from '../store/chain-archive.ts';
import { DB_FILE, openDatabase } from '../store/database.ts';
import { chainRows, signedHeads } from '../store/event-chain.ts';
import { readGatewayPublicKey } from '../store/gateway-key.ts';
import { option } from './gateway-command.ts';
import { dataDir } from './nodes-command.ts';

/**
 * `parkwatch log verify | pubkey`: the tamper-evident event log (docs/gateway.md). verify opens
 * the database read-only, so it runs while the gateway writes; exit 1 names the first bad event.
 */
const CHAIN_SCHEMA = 4;
const ARCHIVE_SCHEMA = 5;

export async function runLogCommand(args: string[]): Promise<number> {
  const [verb, ...rest] = args;
  switch (verb) {
    case 'pubkey':
      process.stdout.write(readGatewayPublicKey(dataDir(rest)).export({ format: 'pem', type: 'spki' }) as string);
      return 0;
    case 'verify':
      return rest.includes('--archive') ? verifyArchiveFile(rest) : verify(rest);
    case 'archive':
      return archive(rest);
    default:
      throw new UsageError(
        '用法 / usage: parkwatch log verify [--archive FILE] [--pubkey FILE] | pubkey | archive --before YYYY-MM-DD --out FILE [--ignore-retention]  [--config FILE | --data DIR]',
      );
  }
}

function verify(args: string[]): number {
  const dir = dataDir(args);
  const pubkeyFile = option(args, '--pubkey');
  const file = join(dir, DB_FILE);
  if (!existsSync(file)) {
    console.error(`没有数据库 / no database: ${file}`);
    return 2;
  }
  const key: KeyObject = pubkeyFile ? createPublicKey(readFileSync(pubkeyFile, 'utf8')) : readGatewayPublicKey(dir);
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version < CHAIN_SCHEMA) {
      console.error(
        `数据库结构版本 ${version} 早于哈希链（${CHAIN_SCHEMA}）：先用本版本启动一次网关 / schema version ${version} predates the chain (${CHAIN_SCHEMA}): start this gateway once first`,
      );
      return 2;
    }
    // one read transaction: the gateway's commits during the walk are not half-seen
    const verdict = db.transaction(() => verifyChain(chainRows(db), signedHeads(db), key, startOf(db, version)))();
    return report(verdict);
  } finally {
    db.close();
  }
}

/** After an archive the live chain goes on from the archived segment's last link (schema v5). */
function startOf(db: Database.Database, version: number): ChainStart | undefined {
  return version >= ARCHIVE_SCHEMA ? liveChainStart(db) : undefined;
}

function verifyArchiveFile(args: string[]): number {
  const file = option(args, '--archive') as string;
  const pubkeyFile = option(args, '--pubkey');
  if (!existsSync(file)) {
    console.error(`没有归档文件 / no archive file: ${file}`);
    return 2;
  }
  const v = verifyArchive(file, pubkeyFile ? createPublicKey(readFileSync(pubkeyFile, 'utf8')) : undefined);
  const code = report(v);
  if (code === 0)
    console.log(
      `  归档段 / archived segment: seq ${v.meta.from.seq + 1}..${v.meta.last.seq}, 接续 / continues from ${v.meta.from.hash}` +
        (pubkeyFile ? '' : '\n  未用 --pubkey 对照登记的公钥 / not checked against a recorded key (--pubkey)'),
    );
  return code;
}

function archive(args: string[]): number {
  const before = option(args, '--before');
  const out = option(args, '--out');
  if (!before || !out || Number.isNaN(Date.parse(before)))
    throw new UsageError('用法 / usage: parkwatch log archive --before YYYY-MM-DD --out FILE [--ignore-retention]');
  const dir = dataDir(args);
  const file = join(dir, DB_FILE);
  if (!existsSync(file)) {
    console.error(`没有数据库 / no database: ${file}`);
    return 2;
  }
  const db = openDatabase(dir);
  try {
    const r = archiveBefore(db, {
      before: Date.parse(before),
      out,
      publicKeyPem: readGatewayPublicKey(dir).export({ format: 'pem', type: 'spki' }) as string,
      now: Date.now(),
      ignoreRetention: args.includes('--ignore-retention'),
    });
    console.log(
      `已归档 / archived ${r.rows} 行 / rows, seq ${r.firstSeq}..${r.lastSeq} → ${out}; 在线链从 / the live chain goes on from ${r.lastHash}`,
    );
    return 0;
  } catch (err) {
    if (err instanceof ArchiveError) {
      console.error(err.message);
      return 1;
    }
    throw err;
  } finally {
    db.close();
  }
}

function report(v: ChainVerdict): number {
  if (v.firstBad) {
    console.error(
      `日志校验失败 / log verification FAILED: 第一个异常事件 / first bad event seq ${v.firstBad.seq}: ${v.firstBad.message}`,
    );
    console.error(`此前 ${v.events} 个事件完好 / ${v.events} events before it are intact`);
    return 1;
  }
  console.log(
    `已校验 ${v.events} 个事件，链完整 / verified ${v.events} events, chain intact, head ${v.head}` +
      `\n  ${v.tombstones} 个已清理遥测的墓碑 / tombstones of pruned telemetry, ${v.signedHeads} 个签名链头 / signed heads, ` +
      `${v.unsignedTail} 个事件在最新签名之后 / events after the newest signed head` +
      (v.legacy > 0
        ? `, ${v.legacy} 个建链前的事件（未覆盖）/ events stored before the chain existed (not covered)`
        : ''),
  );
  return 0;
}
