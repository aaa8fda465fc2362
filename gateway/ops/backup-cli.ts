import { resolve } from 'node:path';
import { UsageError } from '../../errors/usage-error.ts';
import { option, readConfig } from '../cli/gateway-command.ts';
import { backupDataDir } from './backup.ts';
import { OpsError } from './ops-errors.ts';
import { restoreInto } from './restore.ts';

/**
 * `parkwatch backup --out FILE [--config FILE]` (while the gateway runs) and
 * `parkwatch restore FILE [--config FILE]` (with the gateway stopped). Without --config the
 * defaults of `parkwatch start` apply (./var, gateway gw1).
 */
export async function runBackupCommand(args: string[]): Promise<number> {
  const out = option(args, '--out');
  if (!out) throw new UsageError('需要 --out FILE / --out FILE is required');
  const config = readConfig(option(args, '--config'), { dataDir: './var' });
  if (!config) return 2;
  return reported(async () => {
    const started = Date.now();
    const s = await backupDataDir(config.dataDir, resolve(out), config);
    console.log(
      `备份完成 / backup written: ${s.file}\n` +
        `  网关 / gateway ${s.gatewayId}: ${s.events} 事件 / events, ${s.outbox} 待发 / in the outbox, ` +
        `${s.nodes} 节点 / nodes, ${s.panelUsers} 面板用户 / panel users; ${s.bytes} bytes, ${Date.now() - started} ms`,
    );
  });
}

export async function runRestoreCommand(args: string[]): Promise<number> {
  const file = args.find((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--'));
  if (!file) throw new UsageError('需要备份文件 / the backup FILE is required');
  const config = readConfig(option(args, '--config'), { dataDir: './var' });
  if (!config) return 2;
  return reported(async () => {
    const r = restoreInto(config.dataDir, file, config.gatewayId);
    console.log(
      `已恢复 / restored: ${file} (${new Date(r.createdAt).toISOString()}) -> ${resolve(config.dataDir)}\n` +
        `  发件箱 ${r.outbox} 条，网关启动后补发 / ${r.outbox} events in the outbox, sent when the gateway starts` +
        (r.schema.from < r.schema.to
          ? `\n  结构版本 ${r.schema.from} 已迁移到 ${r.schema.to} / schema migrated from version ${r.schema.from} to ${r.schema.to}`
          : '') +
        (r.keptAs ? `\n  原数据库保留为 / the replaced database is kept as ${r.keptAs}` : ''),
    );
  });
}

async function reported(work: () => Promise<void>): Promise<number> {
  try {
    await work();
    return 0;
  } catch (err) {
    if (!(err instanceof OpsError)) throw err;
    console.error(`失败 / failed [${err.code}]: ${err.reason}\n  怎么办 / what to do: ${err.todo}`);
    return 1;
  }
}
