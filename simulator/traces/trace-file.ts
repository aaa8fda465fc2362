import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { numberCell, parseCsv } from './csv-table.ts';
import { type Trace, TraceSchema } from './trace.ts';

/**
 * Traces from files a developer writes or records:
 *   - CSV: a header `t,<channel>,...` (a channel may carry its unit in brackets: `smoke[dB/m]`),
 *     then one row per sample, time in seconds.
 *   - JSON lines (.jsonl / .ndjson): one object per line, `{"t": 0, "smoke": 0.01}`.
 * Every error names the file and line.
 */
export function loadTraceFile(file: string): Trace {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`${file}: cannot read trace (${(err as Error).message}) / 无法读取轨迹文件`);
  }
  return /\.(jsonl|ndjson)$/i.test(file) ? traceFromJsonLines(text, file) : traceFromCsv(text, file);
}

const HEADER_CELL = /^([A-Za-z_][\w.-]*)(?:\[([^\]]*)\])?$/;

export function traceFromCsv(text: string, file: string): Trace {
  const table = parseCsv(text, file);
  if (table.header[0] !== 't')
    throw new Error(`${file}:1: the first column must be "t" (seconds) / 第一列必须是 t（秒）`);
  const heads = table.header.slice(1).map((cell) => {
    const m = HEADER_CELL.exec(cell);
    if (!m) throw new Error(`${file}:1: bad channel name "${cell}" (use name or name[unit]) / 通道名无效`);
    return { name: m[1] as string, unit: m[2] ?? '' };
  });
  const t = table.rows.map((row) => numberCell(table, row, 0));
  const channels = heads.map((h, i) => ({
    name: h.name,
    unit: h.unit,
    t,
    v: table.rows.map((row) => numberCell(table, row, i + 1)),
  }));
  return checked({ source: file, channels, marks: [] }, file);
}

const SampleLine = z.object({ t: z.number().finite() }).catchall(z.number().finite());

export function traceFromJsonLines(text: string, file: string): Trace {
  const series = new Map<string, { t: number[]; v: number[] }>();
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '') return;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      throw new Error(`${file}:${i + 1}: not JSON / 不是 JSON`);
    }
    const parsed = SampleLine.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new Error(`${file}:${i + 1}: ${issue?.path.join('.') || 'line'}: ${issue?.message} / 样本格式错误`);
    }
    for (const [name, value] of Object.entries(parsed.data)) {
      if (name === 't') continue;
      const s = series.get(name) ?? { t: [], v: [] };
      s.t.push(parsed.data.t);
      s.v.push(value);
      series.set(name, s);
    }
  });
  const channels = [...series].map(([name, s]) => ({ name, unit: '', t: s.t, v: s.v }));
  return checked({ source: file, channels, marks: [] }, file);
}

function checked(trace: unknown, file: string): Trace {
  const parsed = TraceSchema.safeParse(trace);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${file}: ${issue?.path.join('.')}: ${issue?.message} / 轨迹无效`);
  }
  return parsed.data;
}
