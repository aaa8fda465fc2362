import { createPublicKey, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { UsageError } from '../../errors/usage-error.ts';
import { type ChainVerdict, verifyChain } from '../store/chain.ts';
import { DB_FILE } from '../store/database.ts';
import { chainRows, signedHeads } from '../store/event-chain.ts';
import { readGatewayPublicKey } from '../store/gateway-key.ts';
import { option } from './gateway-command.ts';
import { dataDir } from './nodes-command.ts';

/**
 * `parkwatch log verify | pubkey`: the tamper-evident event log (docs/gateway.md). verify opens
 * the database read-only, so it runs while the gateway writes; exit 1 names the first bad event.
 */
const CHAIN_SCHEMA = 4;

export async function runLogCommand(args: string[]): Promise<number> {
  const [verb, ...rest] = args;
  switch (verb) {
    case 'pubkey':
      process.stdout.write(readGatewayPublicKey(dataDir(rest)).export({ format: 'pem', type: 'spki' }) as string);
      return 0;
    case 'verify':
      return verify(rest);
    default:
      throw new UsageError('用法 / usage: parkwatch log verify | pubkey [--config FILE | --data DIR]');
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
    const verdict = db.transaction(() => verifyChain(chainRows(db), signedHeads(db), key))();
    return report(verdict);
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
