import { userInfo } from 'node:os';
import { UsageError } from '../../errors/usage-error.ts';
import { DrillBook, DrillError, DrillScenario } from '../drills/drill-book.ts';
import { escalationTimersFromEnv } from '../reports/alarm-responses.ts';
import { drillHtml } from '../reports/drill-html.ts';
import { buildDrillReport } from '../reports/drill-report.ts';
import { writeReport } from '../reports/report-output.ts';
import { eventsBetween, gatewayIdentity, openReportDb } from '../reports/report-source.ts';
import { openDatabase } from '../store/database.ts';
import { option } from './gateway-command.ts';
import { dataDir } from './nodes-command.ts';

/**
 * `parkwatch drill start | stop | list | report`: drills in the gateway's database. A running
 * gateway picks a start or stop up within a quarter second (drill-book.ts); from then on its
 * events for that place carry `drill`. The report reads the database read-only.
 */
const USAGE =
  'parkwatch drill start --enterprise E [--zone Z] [--scenario fire|water] [--by NAME] | stop [--enterprise E] [--by NAME] | list [--json] | report ID --out FILE.html|.json|.pdf  [--config FILE | --data DIR]';

/** An acknowledgement after the drill stopped still belongs to it, if it comes within this. */
const LATE_ACTIONS_MS = 3_600_000;

export async function runDrillCommand(args: string[]): Promise<number> {
  const [verb, ...rest] = args;
  const by = () => option(rest, '--by') ?? `cli:${userInfo().username}`;
  switch (verb) {
    case 'start':
    case 'stop':
    case 'list':
      return withBook(rest, (book) => {
        if (verb === 'start') {
          const enterprise = option(rest, '--enterprise');
          if (!enterprise) throw new UsageError('drill start 需要 --enterprise / drill start needs --enterprise');
          const scenario = DrillScenario.safeParse(option(rest, '--scenario') ?? 'fire');
          if (!scenario.success)
            throw new UsageError('--scenario 只能是 fire 或 water / --scenario must be fire or water');
          const d = book.start({ enterprise, zone: option(rest, '--zone') ?? '', scenario: scenario.data, by: by() });
          console.log(
            `演练 #${d.id} 开始 / drill #${d.id} started: ${d.enterprise}${d.zone ? `/${d.zone}` : ''} ${d.scenario}` +
              '\n  此后该处的事件均标记为演练 / events there are now marked as drill',
          );
        } else if (verb === 'stop') {
          for (const d of book.stop(option(rest, '--enterprise'), by()))
            console.log(`演练 #${d.id} 结束 / drill #${d.id} stopped: ${d.enterprise}${d.zone ? `/${d.zone}` : ''}`);
        } else {
          const drills = book.list();
          if (rest.includes('--json')) console.log(JSON.stringify(drills, null, 2));
          else
            for (const d of drills)
              console.log(
                `#${d.id}  ${d.enterprise}${d.zone ? `/${d.zone}` : ''}  ${d.scenario}  ${new Date(d.startedAt).toISOString()}  ` +
                  (d.stoppedAt === null ? '进行中 / running' : `→ ${new Date(d.stoppedAt).toISOString()}`),
              );
        }
        return 0;
      });
    case 'report':
      return report(rest);
    default:
      throw new UsageError(`用法 / usage: ${USAGE}`);
  }
}

function withBook(args: string[], fn: (book: DrillBook) => number): number {
  const db = openDatabase(dataDir(args));
  try {
    return fn(new DrillBook(db));
  } catch (err) {
    if (err instanceof DrillError) {
      console.error(err.message);
      return 1;
    }
    throw err;
  } finally {
    db.close();
  }
}

async function report(args: string[]): Promise<number> {
  const id = Number(args[0]);
  const out = option(args, '--out');
  if (!Number.isInteger(id) || id <= 0 || !out) throw new UsageError(`用法 / usage: ${USAGE}`);
  const db = openReportDb(dataDir(args));
  try {
    const drill = new DrillBook(db).get(id);
    if (!drill) {
      console.error(`没有演练 #${id} / no drill #${id}`);
      return 1;
    }
    const now = Date.now();
    const until = drill.stoppedAt === null ? now + 1 : drill.stoppedAt + LATE_ACTIONS_MS;
    const r = buildDrillReport({
      drill,
      events: eventsBetween(db, drill.startedAt, until),
      ...gatewayIdentity(db),
      now,
      timers: escalationTimersFromEnv(),
    });
    await writeReport(out, r, () => drillHtml(r));
    console.log(
      `演练 #${id} 报告 / drill #${id} report: ${r.alarms.length} 个报警 / alarms, 得分 / score ${r.score.total} (${r.score.grade}) -> ${out}`,
    );
    return 0;
  } finally {
    db.close();
  }
}
