import mqtt from 'mqtt';
import { UsageError } from '../../errors/usage-error.ts';
import { loadConfig } from '../config/load.ts';
import type { GatewayConfig } from '../config/schema.ts';
import { DrillBook } from '../drills/drill-book.ts';
import { HazardBook } from '../hazards/hazard-book.ts';
import { escalationTimersFromEnv } from '../reports/alarm-responses.ts';
import { buildDrillReport, type DrillGrade } from '../reports/drill-report.ts';
import { monthlyHtml, type ReportLang } from '../reports/monthly-html.ts';
import { buildMonthlyReport, type MonthlyReport } from '../reports/monthly-report.ts';
import { writeReport } from '../reports/report-output.ts';
import { eventsBetween, gatewayIdentity, nodePlaces, openReportDb } from '../reports/report-source.ts';
import { monthlyReportTopic, type SignedReport, signReport } from '../reports/signed-report.ts';
import type { Db } from '../store/database.ts';
import { readGatewayPrivateKey } from '../store/gateway-key.ts';
import { cloudTlsOptions } from '../uplink/cloud-tls.ts';
import type { DecidedEvent } from '../wire/events.ts';
import { option } from './gateway-command.ts';
import { dataDir } from './nodes-command.ts';

/**
 * `parkwatch report monthly`: the monthly risk and service report (monthly-report.ts) from
 * the gateway's database, read-only while the gateway runs. `--publish` sends it, signed with
 * the gateway key, to the cloud broker of the config as a retained message.
 */
const USAGE =
  'parkwatch report monthly --month YYYY-MM [--enterprise E] --out FILE.html|.json|.pdf [--lang zh|en] [--publish] [--config FILE | --data DIR]';

/** Months are China Standard Time months (UTC+8, the parks' and the bureau's calendar). */
const MONTH_TZ = '+08:00';
/** acknowledgements of an alarm late in the month may come after it ends */
const LATE_MS = 24 * 3_600_000;

export function monthBounds(month: string): { from: number; to: number } {
  const m = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(month);
  if (!m) throw new UsageError(`--month 须为 YYYY-MM / --month must be YYYY-MM (got ${month})`);
  const year = Number(m[1]);
  const next = Number(m[2]) === 12 ? `${year + 1}-01` : `${year}-${String(Number(m[2]) + 1).padStart(2, '0')}`;
  return { from: Date.parse(`${month}-01T00:00:00${MONTH_TZ}`), to: Date.parse(`${next}-01T00:00:00${MONTH_TZ}`) };
}

export async function runReportCommand(args: string[]): Promise<number> {
  const [verb, ...rest] = args;
  if (verb !== 'monthly') throw new UsageError(`用法 / usage: ${USAGE}`);
  const month = option(rest, '--month');
  const out = option(rest, '--out');
  if (!month || !out) throw new UsageError(`用法 / usage: ${USAGE}`);
  const lang = (option(rest, '--lang') ?? 'zh') as ReportLang;
  if (lang !== 'zh' && lang !== 'en') throw new UsageError('--lang 只能是 zh 或 en / --lang must be zh or en');
  const configFile = option(rest, '--config');
  const config = configFile ? loadConfig(configFile) : undefined;
  const publish = rest.includes('--publish');
  if (publish && !config?.cloud.url)
    throw new UsageError('--publish 需要 --config 且配置了 cloud.url / --publish needs --config with a cloud.url');
  const dir = dataDir(rest);
  const report = build(dir, month, option(rest, '--enterprise'), config);
  await writeReport(out, report, () => monthlyHtml(report, lang));
  for (const e of report.enterprises)
    console.log(
      `${e.enterprise}: 风险 / risk ${e.risk.tier}; 报警 / alarms real ${e.alarms.real}, false ${e.alarms.false}, test ${e.alarms.test}, drill ${e.alarms.drill}`,
    );
  console.log(`月报 / monthly report ${month}: ${report.enterprises.length} 家企业 / enterprises -> ${out}`);
  if (publish && config) {
    const signed = signReport(report, readGatewayPrivateKey(dir));
    const topic = monthlyReportTopic(report.park, report.gw, month, option(rest, '--enterprise'));
    await publishRetained(config, topic, signed);
    console.log(`已发布并签名 / published, signed: ${topic} (key sha256 ${signed.signature.keySha256.slice(0, 16)}…)`);
  }
  return 0;
}

function build(dir: string, month: string, enterprise: string | undefined, config?: GatewayConfig): MonthlyReport {
  const { from, to } = monthBounds(month);
  const db = openReportDb(dir);
  try {
    const now = Date.now();
    const identity = config ? { gw: config.gatewayId, park: config.parkId } : gatewayIdentity(db);
    const timers = escalationTimersFromEnv();
    const drills = new DrillBook(db).list({ to });
    const drillScores = new Map<number, { total: number; grade: DrillGrade }>();
    for (const d of drills.filter((x) => x.startedAt >= from)) {
      const until = d.stoppedAt === null ? now + 1 : d.stoppedAt + LATE_MS;
      const r = buildDrillReport({ drill: d, events: eventsBetween(db, d.startedAt, until), ...identity, now, timers });
      drillScores.set(d.id, r.score);
    }
    return buildMonthlyReport({
      ...identity,
      month,
      from,
      to,
      now,
      events: eventsBetween(db, from, to + LATE_MS),
      offline: offlineEvents(db, to),
      nodes: nodePlaces(db),
      hazards: new HazardBook(db).list(),
      drills,
      drillScores,
      timers,
      enterprise,
    });
  } finally {
    db.close();
  }
}

/** Offline troubles raised and cleared before `to`, oldest first (the state at the month's start counts). */
function offlineEvents(db: Db, to: number): DecidedEvent[] {
  return (
    db
      .prepare(
        "SELECT body FROM events WHERE kind IN ('trouble', 'trouble_clear') AND at < ? AND json_extract(body, '$.trouble') = 'offline' ORDER BY seq",
      )
      .all(to) as { body: string }[]
  ).map((r) => JSON.parse(r.body) as DecidedEvent);
}

function publishRetained(config: GatewayConfig, topic: string, signed: SignedReport<MonthlyReport>): Promise<void> {
  const cloud = config.cloud;
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(cloud.url as string, {
      // its own client id: the gateway's own session must not be taken over
      clientId: `${cloud.clientId ?? `parkwatch-${config.parkId}-${config.gatewayId}`}-report`,
      username: cloud.username,
      password: cloud.password,
      reconnectPeriod: 0,
      connectTimeout: 10_000,
      ...cloudTlsOptions(cloud.tls),
    });
    client.once('error', (err) => {
      client.end(true);
      reject(new Error(`无法发布到云端 / cannot publish to the cloud ${cloud.url}: ${err.message}`));
    });
    client.once('connect', () => {
      client.publish(topic, JSON.stringify(signed), { qos: 1, retain: true }, (err) => {
        client.end(false, {}, () => (err ? reject(err) : resolve()));
      });
    });
  });
}
