import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../../errors/usage-error.ts';
import { loadConfig } from '../config/load.ts';
import { GbtAddressBook, parseGbtAddress } from '../gbt26875/addresses.ts';
import { GBT_DB_FILE, openGbtDatabase } from '../gbt26875/queue.ts';
import { openDatabase } from '../store/database.ts';
import { type NodeInput, NodeRecord, NodeRegistry } from '../store/registry.ts';
import { option } from './gateway-command.ts';

/**
 * `parkwatch nodes add | list | remove | import`: the node registry in the gateway's database.
 * A key is generated when not given and printed ONCE on `add` (the installer flashes it);
 * `list` never shows keys unless --show-keys. Works while the gateway runs (it sees changes).
 */
export function dataDir(args: string[]): string {
  const config = option(args, '--config');
  if (config) return loadConfig(config).dataDir;
  return option(args, '--data') ?? './var';
}

function placementFlags(args: string[]): Partial<NodeInput> {
  const out: Partial<NodeInput> = {};
  for (const key of ['enterprise', 'site', 'zone', 'location'] as const) {
    const v = option(args, `--${key}`);
    if (v !== undefined) out[key] = v;
  }
  const channels = option(args, '--channels');
  if (channels)
    out.channels = channels
      .split(',')
      .map((c) => c.trim())
      .filter(Boolean);
  const key = option(args, '--key');
  if (key) out.keyHex = key.toLowerCase();
  const by = option(args, '--by');
  if (by) out.installedBy = by;
  return out;
}

/** Parses a CSV with a header row (id,enterprise,site,zone,location,channels,keyHex,installedBy); channels split on ';'. */
export function parseNodesCsv(text: string): NodeInput[] {
  const rows = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0 && !l.startsWith('#'));
  if (rows.length === 0) return [];
  const header = splitCsvLine(rows[0]);
  return rows.slice(1).map((line) => {
    const cells = splitCsvLine(line);
    const record: Record<string, unknown> = {};
    header.forEach((h, i) => {
      const v = cells[i] ?? '';
      if (v === '') return;
      record[h] = h === 'channels' ? v.split(';').map((c) => c.trim()) : v;
    });
    return record as NodeInput;
  });
}

function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      out.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  out.push(cur.trim());
  return out;
}

/** Validates every record first; nothing is stored unless all are valid. */
export function validateImport(records: unknown[], file: string): { ok: NodeInput[]; problems: string[] } {
  const problems: string[] = [];
  const ok: NodeInput[] = [];
  records.forEach((r, i) => {
    const parsed = NodeRecord.safeParse(r);
    if (parsed.success) ok.push(r as NodeInput);
    else
      for (const issue of parsed.error.issues)
        problems.push(
          `${file} 第 ${i + 1} 条 / record ${i + 1}: ${issue.path.join('.') || '(record)'}: ${issue.message}`,
        );
  });
  return { ok, problems };
}

export async function runNodesCommand(args: string[]): Promise<number> {
  const [verb, ...rest] = args;
  const withRegistry = <T>(fn: (registry: NodeRegistry) => T): T => {
    const db = openDatabase(dataDir(rest));
    try {
      return fn(new NodeRegistry(db));
    } finally {
      db.close();
    }
  };
  switch (verb) {
    case 'add': {
      const id = rest[0];
      if (!id || id.startsWith('--')) throw new UsageError('需要节点 ID / a node id is required');
      const parsed = NodeRecord.safeParse({ id, ...placementFlags(rest) });
      if (!parsed.success) {
        for (const issue of parsed.error.issues) console.error(`${issue.path.join('.')}: ${issue.message}`);
        return 2;
      }
      const gbtText = option(rest, '--gbt-address');
      const config = option(rest, '--config');
      const defaultSystem = config ? loadConfig(config).gbt26875.systemAddress : 1;
      let gbt: ReturnType<typeof parseGbtAddress> | undefined;
      try {
        gbt = gbtText === undefined ? undefined : parseGbtAddress(gbtText, defaultSystem);
      } catch (err) {
        console.error((err as Error).message);
        return 2;
      }
      const [stored] = withRegistry((r) => r.upsert([parsed.data], Date.now()));
      console.log(`已登记 / registered ${stored.id}`);
      if (gbt || existsSync(join(dataDir(rest), GBT_DB_FILE))) {
        const db = openGbtDatabase(dataDir(rest));
        try {
          const book = new GbtAddressBook(db, defaultSystem);
          if (gbt) book.set(stored.id, gbt);
          const a = book.get(stored.id);
          console.log(
            `GB/T 26875 地址 / address: 系统 / system ${a.systemAddress}, 部件 / components ${a.base}..${a.base + Math.max(0, stored.channels.length - 1)} (${stored.channels.join(', ')})`,
          );
        } finally {
          db.close();
        }
      }
      console.log(`密钥（只显示一次，请写入节点）/ key (shown once, flash it to the node): ${stored.keyHex}`);
      return 0;
    }
    case 'list': {
      const nodes = withRegistry((r) => r.list());
      const show = rest.includes('--show-keys');
      const rows = nodes.map(({ keyHex, ...n }) => (show ? { ...n, keyHex } : n));
      if (rest.includes('--json')) console.log(JSON.stringify(rows, null, 2));
      else {
        console.log('id\tenterprise\tsite\tzone\tlocation\tchannels\tinstalledAt\tinstalledBy');
        for (const n of nodes)
          console.log(
            [
              n.id,
              n.enterprise,
              n.site,
              n.zone,
              n.location,
              n.channels.join(';'),
              new Date(n.installedAt).toISOString(),
              n.installedBy,
            ].join('\t'),
          );
        console.log(`共 ${nodes.length} 个节点 / ${nodes.length} nodes`);
      }
      return 0;
    }
    case 'remove': {
      const id = rest[0];
      if (!id || id.startsWith('--')) throw new UsageError('需要节点 ID / a node id is required');
      const removed = withRegistry((r) => r.remove(id));
      console.log(removed ? `已删除 / removed ${id}` : `没有此节点 / no node ${id}`);
      return removed ? 0 : 1;
    }
    case 'import': {
      const file = rest[0];
      if (!file || file.startsWith('--')) throw new UsageError('需要文件 / a CSV or JSON file is required');
      let records: unknown[];
      try {
        const text = readFileSync(file, 'utf8');
        const parsed: unknown = /\.json$/i.test(file) ? JSON.parse(text) : parseNodesCsv(text);
        records = Array.isArray(parsed) ? parsed : [parsed];
      } catch (err) {
        console.error(`无法读取 / cannot read ${file}: ${(err as Error).message}`);
        return 2;
      }
      const { ok, problems } = validateImport(records, file);
      if (problems.length > 0) {
        console.error(`未导入任何节点 / nothing imported:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
        return 2;
      }
      const stored = withRegistry((r) => r.upsert(ok, Date.now()));
      console.log(`已导入 ${stored.length} 个节点 / imported ${stored.length} nodes`);
      if (rest.includes('--print-keys')) for (const n of stored) console.log(`${n.id}\t${n.keyHex}`);
      return 0;
    }
    default:
      throw new UsageError(`未知子命令 / unknown sub-command: ${verb ?? ''}`);
  }
}
