import { writeFileSync } from 'node:fs';
import { UsageError } from '../../errors/usage-error.ts';
import { DEFAULT_DATA } from '../eval/eval-cli.ts';
import { htmlReport } from '../report/html-report.ts';
import { junitXml } from '../report/junit.ts';
import { passed, type RunResult } from '../report/run-result.ts';
import { runScenarioFile } from '../scenario/run.ts';
import { parseArgs } from './args.ts';
import { renderTable } from './text-table.ts';

/** `parkwatch sim run FILE... [--junit out.xml] [--report out.html] [--data DIR]` */
export async function runRun(args: string[]): Promise<number> {
  const { values, positional } = parseArgs(args, ['junit', 'report', 'data']);
  if (positional.length === 0) throw new UsageError('give at least one scenario file / 请指定场景文件');
  const dataDir = values.get('data') ?? DEFAULT_DATA;
  const runs: RunResult[] = [];
  for (const file of positional) {
    const bar = progressBar(file);
    const r = await runScenarioFile(file, { dataDir, onProgress: bar.update });
    bar.done();
    runs.push(r);
  }
  console.log(
    renderTable(
      ['scenario / 场景', 'mode', 'simulated s', 'wall s', 'passed', 'result / 结果'],
      runs.map((r) => [
        r.name,
        r.timeline?.mode ?? '-',
        r.timeline?.durationS ?? '-',
        r.timeline ? (r.timeline.wallMs / 1000).toFixed(2) : '-',
        `${r.results.filter((x) => x.ok).length}/${r.results.length}`,
        passed(r) ? 'PASS 通过' : r.error ? 'ERROR 错误' : 'FAIL 失败',
      ]),
    ),
  );
  for (const r of runs) {
    if (r.error) console.log(`\n✘ ${r.error}`);
    for (const x of r.results.filter((q) => !q.ok)) console.log(`\n✘ ${r.name}: ${x.label}\n    ${x.detail}`);
    for (const n of r.timeline?.notes ?? []) console.log(`  note: ${r.name}: ${n}`);
  }
  if (values.has('junit')) writeFileSync(values.get('junit') as string, junitXml(runs));
  if (values.has('report')) writeFileSync(values.get('report') as string, htmlReport(runs));
  return runs.every(passed) ? 0 : 1;
}

/** A one-line bar on stderr, only when it is a terminal (CI logs stay clean). */
function progressBar(label: string): { update: (f: number) => void; done: () => void } {
  if (!process.stderr.isTTY) return { update: () => {}, done: () => {} };
  const width = 30;
  const update = (f: number) => {
    const n = Math.round(Math.min(1, f) * width);
    process.stderr.write(`\r[${'#'.repeat(n)}${'.'.repeat(width - n)}] ${Math.round(f * 100)}% ${label}`);
  };
  return { update, done: () => process.stderr.write(`\r${' '.repeat(width + label.length + 8)}\r`) };
}
