import { createPublicKey } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { UsageError } from '../../errors/usage-error.ts';
import { answerOf, askToClose, withdraw } from '../incidents/close-requests.ts';
import { CAUSE_LABELS, CAUSES, Cause, type Incident, responseFigures } from '../incidents/incident.ts';
import { getIncident, incidentEvents, listIncidents } from '../incidents/incident-queries.ts';
import { exportPacket, PacketExportError } from '../incidents/packet-export.ts';
import { packetHtml, packetText } from '../incidents/packet-html.ts';
import { verifyPacket } from '../incidents/packet-verify.ts';
import { STEP_LABELS, timelineOf } from '../incidents/timeline.ts';
import { DB_FILE, type Db } from '../store/database.ts';
import { readGatewayPrivateKey } from '../store/gateway-key.ts';
import { option } from './gateway-command.ts';
import { dataDir } from './nodes-command.ts';

/**
 * `parkwatch incidents list | show | close | export | verify`: the incident files (docs/gateway.md).
 * list, show and export read the database read-only (fine while the gateway runs); close asks the
 * running gateway to record the close as a chained event; verify needs only the packet file.
 */
const INCIDENT_SCHEMA = 5;
const USAGE =
  'parkwatch incidents list [--state open|ended|closed] [--enterprise E] [--json] | show ID [--json] | ' +
  `close ID --cause ${CAUSES.join('|')} [--note TEXT] [--by NAME] | export ID --out FILE.json [--html FILE.html] | ` +
  'verify FILE [--pubkey FILE]  [--config FILE | --data DIR]';

export async function runIncidentsCommand(args: string[]): Promise<number> {
  const [verb, ...rest] = args;
  switch (verb) {
    case 'list':
      return withDb(rest, true, (db) => list(db, rest));
    case 'show':
      return withDb(rest, true, (db) => show(db, idOf(rest), rest.includes('--json')));
    case 'close':
      return close(rest);
    case 'export':
      return withDb(rest, true, (db) => exportTo(db, idOf(rest), rest));
    case 'verify':
      return verify(rest);
    default:
      throw new UsageError(`用法 / usage: ${USAGE}`);
  }
}

function idOf(args: string[]): string {
  const id = args[0];
  if (!id || id.startsWith('--')) throw new UsageError(`需要事件档案 id / an incident id is needed: ${USAGE}`);
  return id;
}

async function withDb(args: string[], readonly: boolean, run: (db: Db) => number | Promise<number>): Promise<number> {
  const file = join(dataDir(args), DB_FILE);
  if (!existsSync(file)) {
    console.error(`没有数据库 / no database: ${file}`);
    return 2;
  }
  const db = new Database(file, { readonly, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version < INCIDENT_SCHEMA) {
      console.error(
        `数据库结构版本 ${version} 早于事件档案（${INCIDENT_SCHEMA}）：先用本版本启动一次网关 / schema version ${version} predates incident files (${INCIDENT_SCHEMA}): start this gateway once first`,
      );
      return 2;
    }
    return await run(db);
  } finally {
    db.close();
  }
}

const STATES = ['open', 'ended', 'closed'] as const;
const STATE_TEXT: Record<Incident['state'], string> = {
  open: '报警中/open',
  ended: '待结案/ended',
  closed: '已结案/closed',
};
const secs = (ms: number | null) => (ms === null ? '-' : `${(ms / 1000).toFixed(1)}s`);
const iso = (ms: number | null) => (ms === null ? '-' : new Date(ms).toISOString());

function list(db: Db, args: string[]): number {
  const state = option(args, '--state');
  if (state !== undefined && !(STATES as readonly string[]).includes(state))
    throw new UsageError(`--state 只能是 / must be ${STATES.join('|')}`);
  const incidents = listIncidents(db, {
    state: state as Incident['state'] | undefined,
    enterprise: option(args, '--enterprise'),
  });
  if (args.includes('--json')) {
    console.log(
      JSON.stringify(
        incidents.map((i) => ({ ...i, figures: responseFigures(i) })),
        null,
        2,
      ),
    );
    return 0;
  }
  if (incidents.length === 0) {
    console.log('没有事件档案 / no incidents');
    return 0;
  }
  console.log('id\topened\tkind\tnode/ch\tenterprise\tstate\tcause\talarm→ack\talarm→clear');
  for (const i of incidents) {
    const f = responseFigures(i);
    console.log(
      [
        i.id,
        iso(i.openedAt),
        i.priority,
        `${i.node ?? '-'}/${i.ch}`,
        i.placement?.enterprise || '-',
        STATE_TEXT[i.state],
        i.cause ?? '-',
        secs(f.alarmToAcknowledgeMs),
        secs(f.alarmToClearMs),
      ].join('\t'),
    );
  }
  return 0;
}

function show(db: Db, id: string, json: boolean): number {
  const incident = getIncident(db, id);
  if (!incident) {
    console.error(`没有此事件档案 / no incident ${id}`);
    return 1;
  }
  const rows = incidentEvents(db, id);
  const timeline = timelineOf(rows.flatMap((r) => (r.event ? [{ ...r, event: r.event }] : [])));
  if (json) {
    console.log(
      JSON.stringify(
        { incident, figures: responseFigures(incident), timeline, events: rows.map((r) => r.event) },
        null,
        2,
      ),
    );
    return 0;
  }
  const f = responseFigures(incident);
  console.log(`事件档案 / incident ${incident.id}: ${incident.priority} ${incident.node ?? '-'}/${incident.ch}`);
  console.log(
    `  状态 / state: ${STATE_TEXT[incident.state]}; 原因 / cause: ${incident.cause ? CAUSE_LABELS[incident.cause] : '-'}`,
  );
  console.log(
    `  报警到确认 / alarm to acknowledge: ${secs(f.alarmToAcknowledgeMs)}; 报警到恢复 / alarm to clear: ${secs(f.alarmToClearMs)}`,
  );
  for (const t of timeline)
    console.log(
      `  ${iso(t.at)}  #${t.seq}  ${STEP_LABELS[t.step]}${t.by ? ` · ${t.by}` : ''}${t.text ? ` · ${t.text}` : ''}`,
    );
  return 0;
}

async function close(args: string[]): Promise<number> {
  const id = idOf(args);
  const cause = Cause.safeParse(option(args, '--cause'));
  if (!cause.success) throw new UsageError(`--cause 必须是 / must be one of ${CAUSES.join(', ')}`);
  const waitS = Number(option(args, '--wait') ?? 30);
  return withDb(args, false, async (db) => {
    const request = askToClose(
      db,
      {
        incident: id,
        cause: cause.data,
        note: option(args, '--note') ?? null,
        by: option(args, '--by') ?? `cli:${process.env.USER ?? 'operator'}`,
      },
      Date.now(),
    );
    const deadline = Date.now() + waitS * 1000;
    for (;;) {
      const answer = answerOf(db, request);
      if (answer.state === 'done') {
        console.log(`已结案 / closed: ${id} (${CAUSE_LABELS[cause.data]}), 事件 / event ${answer.event}`);
        return 0;
      }
      if (answer.state === 'refused') {
        console.error(`未结案 / not closed: ${answer.error}`);
        return 1;
      }
      if (Date.now() > deadline) {
        withdraw(db, request);
        console.error(
          `网关 ${waitS} 秒内未处理：网关是否在运行？/ the gateway did not take the request within ${waitS} s: is it running? (withdrawn)`,
        );
        return 1;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  });
}

function exportTo(db: Db, id: string, args: string[]): number {
  const out = option(args, '--out');
  if (!out) throw new UsageError(`--out FILE.json 是必需的 / --out FILE.json is required: ${USAGE}`);
  const html = option(args, '--html');
  try {
    const packet = exportPacket(db, id, readGatewayPrivateKey(dataDir(args)), Date.now());
    writeFileSync(out, `${JSON.stringify(packet, null, 2)}\n`);
    if (html) writeFileSync(html, packetHtml(packet, option(args, '--tz') ?? 'Asia/Shanghai'));
    console.log(
      `已导出 / exported ${id}: ${packet.events.length} 个事件 / events, 链段 / segment ${packet.chain.rows.length} 行 / rows, 签名链头 / signed head seq ${packet.chain.head.seq} → ${out}${html ? `, ${html}` : ''}`,
    );
    return 0;
  } catch (err) {
    if (err instanceof PacketExportError) {
      console.error(err.message);
      return 1;
    }
    throw err;
  }
}

function verify(args: string[]): number {
  const file = args[0];
  if (!file || file.startsWith('--')) throw new UsageError(`需要档案包文件 / a packet file is needed: ${USAGE}`);
  const pubkey = option(args, '--pubkey');
  let json: unknown;
  try {
    json = JSON.parse(packetText(readFileSync(file, 'utf8')));
  } catch (err) {
    console.error(`无法读取档案包 / cannot read the packet ${file}: ${(err as Error).message}`);
    return 1;
  }
  const v = verifyPacket(json, pubkey ? createPublicKey(readFileSync(pubkey, 'utf8')) : undefined);
  if (!v.ok) {
    console.error(`档案包校验失败 / packet verification FAILED: ${v.problem?.message}`);
    return 1;
  }
  console.log(
    `档案包完好 / packet verified: incident ${v.incident}, ${v.events} 个事件 / events, 链段 / segment ${v.segmentRows} 行 / rows up to signed head seq ${v.headSeq}` +
      `\n  网关公钥指纹 / gateway key fingerprint (SHA-256): ${v.keyFingerprint}` +
      (pubkey
        ? '\n  与登记的公钥一致 / matches the recorded key'
        : '\n  未用 --pubkey 对照登记的公钥 / not checked against a recorded key (--pubkey)'),
  );
  return 0;
}
