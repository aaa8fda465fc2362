import { mkdirSync } from 'node:fs';
import mqtt from 'mqtt';
import { DrillBook } from '../../gateway/drills/drill-book.ts';
import { drillHtml } from '../../gateway/reports/drill-html.ts';
import { buildDrillReport } from '../../gateway/reports/drill-report.ts';
import { writeReport } from '../../gateway/reports/report-output.ts';
import { eventsBetween, openReportDb } from '../../gateway/reports/report-source.ts';
import { openDatabase } from '../../gateway/store/database.ts';
import type { DecidedEvent } from '../../gateway/wire/events.ts';
import { cloudCommand } from '../../protocol/topics.ts';
import { parseArgs } from '../cli/args.ts';
import { DEFAULT_DATA } from '../eval/eval-cli.ts';
import { loadFirmwareScript } from '../firmware-script.ts';
import type { CloudListener } from '../live/cloud-listener.ts';
import { LiveStack } from '../live/live-stack.ts';
import { resolveInput } from '../node/inputs.ts';
import { SimNode } from '../node/sim-node.ts';
import { derivedKey, nodeConfig } from '../scenario/node-setup.ts';
import { ScenarioNodeSchema } from '../scenario/schema.ts';
import { VirtualClock } from '../virtual-clock.ts';

/**
 * `parkwatch sim drill`: a whole fire drill against the real gateway process and a real
 * Mosquitto cloud. A drill starts for one enterprise (through the database, as `parkwatch
 * drill start` does), one of its nodes replays a NIST chair fire through the firmware, the
 * cloud sees the alarm marked drill and acknowledges it with a cloud command, the drill stops
 * and its AQ/T 9009 report is written. A node of another enterprise stays out of the drill.
 * Exit 1 when any step fails: an alarm not marked drill, no acknowledgement, no report.
 */
const ENTERPRISE = 'drill-works';
const OTHER = 'bystander-co';
const WAIT_MS = 90_000;
const PACE_MS = 20;

export async function runDrill(args: string[]): Promise<number> {
  const { values } = parseArgs(args, ['report', 'keep', 'by']);
  const keep = values.get('keep');
  if (keep) mkdirSync(keep, { recursive: true });
  const by = values.get('by') ?? 'enterprise-safety';
  const specs = [
    { id: 'drill-0001', enterprise: ENTERPRISE },
    { id: 'drill-0002', enterprise: ENTERPRISE },
    { id: 'other-0001', enterprise: OTHER },
  ].map((n) => ({ ...n, spec: ScenarioNodeSchema.parse({ id: n.id, link: 'mqtt' }) }));
  const fw = await loadFirmwareScript();
  console.log(`启动网关与云端 / starting gateway and cloud (drill for ${ENTERPRISE})`);
  const stack = await LiveStack.start(
    specs.map((n) => ({
      id: n.id,
      key: derivedKey(n.id),
      link: 'mqtt',
      enterprise: n.enterprise,
      channels: ['smoke'],
    })),
    { keepData: keep },
  );
  let nodes: SimNode[] = [];
  const problems: string[] = [];
  try {
    const db = openDatabase(stack.dataDir);
    const book = new DrillBook(db);
    const drill = book.start({ enterprise: ENTERPRISE, scenario: 'fire', by: 'sim:drill' });
    console.log(`演练 #${drill.id} 开始 / drill #${drill.id} started`);
    // SDC02 Pho1B alarms about 100 s into its recording: here about 15 s after power-on
    const fire = resolveInput(
      { nist: { test: 'SDC02', column: 'Pho1B' }, atS: -85 },
      { dataDir: DEFAULT_DATA, baseDir: '.' },
    );
    const clock = new VirtualClock(0);
    nodes = specs.map(
      (n, i) =>
        new SimNode({
          config: nodeConfig(n.spec),
          inputs: i === 0 ? { smoke: fire } : {},
          fw,
          clock,
          net: stack.net(),
        }),
    );
    const t0 = Date.now();
    for (const n of nodes) n.board.powerOn();
    // the nodes' virtual clock follows the wall clock, as the gateway's does
    const pace = setInterval(() => clock.runUntil(Date.now() - t0), PACE_MS);
    const alarm = await waitFor(stack.listener, (e) => e.kind === 'alarm' && e.node === 'drill-0001');
    if (!alarm) problems.push('没有报警到达云端 / no alarm reached the cloud');
    else {
      console.log(`  报警到达云端 / alarm in the cloud: ${alarm.id} drill=${JSON.stringify(alarm.drill)}`);
      if (alarm.drill?.id !== drill.id) problems.push(`报警未标记演练 / alarm ${alarm.id} not marked drill`);
      await acknowledge(stack, alarm, by);
      const ack = await waitFor(stack.listener, (e) => e.kind === 'acknowledge' && e.alarm?.ref === alarm.alarm?.ref);
      if (!ack) problems.push('确认未到达云端 / the acknowledgement never reached the cloud');
      else if (ack.drill?.id !== drill.id) problems.push(`确认未标记演练 / acknowledgement ${ack.id} not marked drill`);
    }
    book.stop(ENTERPRISE, 'sim:drill');
    db.close();
    clearInterval(pace);
    for (const n of nodes) n.board.powerCut();
    const unmarked = stack.listener.deliveries.filter(
      (d) =>
        d.event.placement?.enterprise === ENTERPRISE && ['alarm', 'prealarm'].includes(d.event.kind) && !d.event.drill,
    );
    if (unmarked.length > 0) problems.push(`${unmarked.length} 个报警未标记演练 / alarms not marked drill`);
    const outsider = stack.listener.deliveries.filter((d) => d.event.placement?.enterprise === OTHER && d.event.drill);
    if (outsider.length > 0)
      problems.push(`${outsider.length} 个其他企业事件被标记 / events of another enterprise marked drill`);
    await stack.gateway.stop();
    const report = reportOf(stack.dataDir, drill.id);
    console.log(
      `演练报告 / drill report: ${report.alarms.length} 个报警 / alarms, 确认 / acknowledged by ${report.alarms.map((a) => `${a.acknowledgedBy ?? '-'} after ${a.ackS?.toFixed(1) ?? '-'} s`).join(', ')}; 得分 / score ${report.score.total} (${report.score.grade})`,
    );
    const out = values.get('report');
    if (out) await writeReport(out, report, () => drillHtml(report));
    if (report.alarms.length === 0 || report.alarms.some((a) => a.acknowledgedBy === undefined))
      problems.push('报告缺少报警或确认 / the report lacks the alarm or its acknowledgement');
  } finally {
    for (const n of nodes) n.board.powerCut();
    await stack.dispose();
  }
  for (const p of problems) console.error(`失败 / FAILED: ${p}`);
  if (problems.length === 0) console.log('演练完成 / drill run complete: every step marked drill, reported');
  return problems.length === 0 ? 0 : 1;
}

function reportOf(dataDir: string, id: number) {
  const db = openReportDb(dataDir);
  try {
    const drill = new DrillBook(db).get(id);
    if (!drill) throw new Error(`drill #${id} missing`);
    const events = eventsBetween(db, drill.startedAt, Date.now() + 1);
    return buildDrillReport({ drill, events, gw: 'gw1', park: 'sim', now: Date.now() });
  } finally {
    db.close();
  }
}

/** The first cloud delivery that matches, waiting up to WAIT_MS. */
async function waitFor(
  listener: CloudListener,
  match: (e: DecidedEvent) => boolean,
): Promise<DecidedEvent | undefined> {
  const deadline = Date.now() + WAIT_MS;
  while (Date.now() < deadline) {
    const found = listener.deliveries.find((d) => match(d.event));
    if (found) return found.event;
    await new Promise((r) => setTimeout(r, 200));
  }
  return undefined;
}

/** The cloud's operator acknowledges: a cloud command, as the insurer's platform would send it. */
function acknowledge(stack: LiveStack, alarm: DecidedEvent, by: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(stack.cloud.url, { clientId: `pw-sim-drill-${process.pid}` });
    client.once('error', reject);
    client.once('connect', () => {
      const command = { id: `drill-ack-${alarm.seq}`, action: 'acknowledge', ref: alarm.alarm?.ref ?? alarm.id, by };
      client.publish(cloudCommand(alarm.park, alarm.gw), JSON.stringify(command), { qos: 1 }, (err) => {
        client.end(true);
        if (err) reject(err);
        else resolve();
      });
    });
  });
}
