import { readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { UsageError } from '../../errors/usage-error.ts';
import { loadConfig } from '../config/load.ts';
import {
  exportPlans,
  importPlans,
  MAX_PLAN_FILE_BYTES,
  PlanFileError,
  type PlanImportReport,
  type PlanNode,
} from '../panel/plan-exchange.ts';
import { SitePlans } from '../panel/site-plans.ts';
import { openDatabase } from '../store/database.ts';
import { NodeRegistry } from '../store/registry.ts';
import { option } from './gateway-command.ts';
import { dataDir } from './nodes-command.ts';

/**
 * `parkwatch plans export FILE | import FILE [--dry-run]`: the site plans and node positions an
 * installer carries between gateways (see gateway/panel/plan-exchange.ts). Works while the
 * gateway runs: the panel re-reads the plans when the command changed them.
 */
function registryNodes(dir: string): PlanNode[] {
  const db = openDatabase(dir);
  try {
    return new NodeRegistry(db).list().map(({ id, enterprise, site, zone, location }) => ({
      id,
      enterprise,
      site,
      zone,
      location,
    }));
  } finally {
    db.close();
  }
}

function identity(args: string[]): { gw: string; park: string } {
  const config = option(args, '--config');
  if (!config) return { gw: '', park: '' };
  const c = loadConfig(config);
  return { gw: c.gatewayId, park: c.parkId };
}

export function printReport(report: PlanImportReport, dry: boolean, log: (line: string) => void): void {
  const sites = report.sites.join(', ');
  log(
    dry
      ? `将导入 ${report.sites.length} 个平面图（${sites}）、${report.placed} 个节点位置 / would import ${report.sites.length} plans (${sites}), ${report.placed} node positions`
      : `已导入 ${report.sites.length} 个平面图（${sites}）、${report.placed} 个节点位置 / imported ${report.sites.length} plans (${sites}), ${report.placed} node positions`,
  );
  for (const n of report.unknown) {
    const place = [n.enterprise, n.site, n.zone, n.location].filter(Boolean).join(', ');
    log(`  未登记，位置未导入 / not registered here, position skipped: ${n.id} (${place})`);
  }
  for (const n of report.elsewhere)
    log(
      `  登记在其他楼栋，位置未导入 / registered in another building, position skipped: ${n.id} (${n.plan} -> ${n.registeredIn || '-'})`,
    );
}

export async function runPlansCommand(args: string[]): Promise<number> {
  const [verb, file, ...rest] = args;
  if (!file || file.startsWith('--')) throw new UsageError('需要文件 / a file is required');
  const dir = dataDir(rest);
  try {
    if (verb === 'export') {
      const out = exportPlans(new SitePlans(dir), registryNodes(dir), identity(rest), Date.now());
      // the file shows where every node is: readable by its owner only, like the database
      writeFileSync(`${file}.tmp`, `${JSON.stringify(out)}\n`, { mode: 0o600 });
      renameSync(`${file}.tmp`, file);
      const positions = out.sites.reduce((sum, s) => sum + Object.keys(s.positions).length, 0);
      console.log(
        `已导出 ${out.sites.length} 个平面图、${positions} 个节点位置、${out.nodes.length} 个节点 / exported ${out.sites.length} plans, ${positions} node positions, ${out.nodes.length} nodes -> ${file}`,
      );
      return 0;
    }
    if (verb === 'import') {
      if (statSync(file).size > MAX_PLAN_FILE_BYTES)
        throw new PlanFileError('invalid', '文件超过 32 MB / the file is larger than 32 MB');
      const dry = rest.includes('--dry-run');
      const report = importPlans(new SitePlans(dir), readFileSync(file, 'utf8'), registryNodes(dir), dry);
      printReport(report, dry, console.log);
      return 0;
    }
  } catch (err) {
    if (err instanceof PlanFileError) {
      const [zh, en] = err.message.split(' / ');
      console.error(
        verb === 'export'
          ? `未导出：${zh} / nothing exported: ${en}`
          : `未导入任何内容：${zh} / nothing imported: ${en}`,
      );
      return 2;
    }
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT' || e.code === 'EACCES') {
      console.error(`无法读取或写入 / cannot read or write ${e.path ?? file}: ${e.code}`);
      return 2;
    }
    throw err;
  }
  throw new UsageError(`未知子命令 / unknown sub-command: ${verb ?? ''}`);
}
