import { existsSync } from 'node:fs';
import { parseArgs } from '../cli/args.ts';
import { loadFirmwareScript } from '../firmware-script.ts';
import { buildEvalReport } from './eval-report.ts';

/** Default data: the copy of ../shared/data the repository ships. */
export const DEFAULT_DATA = new URL('../data', import.meta.url).pathname;

/**
 * `parkwatch sim eval [--data DIR]`: exit 0 when the run completed, whatever the scores; a bad
 * file or column is reported in the tables and skipped. Exit 1 only when the folder is missing
 * or the run itself failed.
 */
export async function runEval(args: string[]): Promise<number> {
  const { values } = parseArgs(args, ['data']);
  const data = values.get('data') ?? DEFAULT_DATA;
  if (!existsSync(data)) {
    console.error(`数据目录不存在 / data folder not found: ${data}`);
    return 1;
  }
  try {
    const report = buildEvalReport(data, await loadFirmwareScript());
    console.log(report.detail.join('\n'));
    console.log(`\n${report.summary.join('\n')}`);
    return 0;
  } catch (err) {
    console.error(`评估失败 / eval failed: ${(err as Error).message}`);
    return 1;
  }
}
