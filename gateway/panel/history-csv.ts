import type { DecidedEvent } from '../wire/events.ts';

/**
 * History as CSV for Excel and the insurer. Starts with a UTF-8 BOM so Excel reads the
 * Chinese text correctly; cells that could start a formula are prefixed with ' (CSV injection).
 */
export const CSV_BOM = '\uFEFF';

export const CSV_HEADER = [
  '事件ID / event id',
  '时间 / time (UTC)',
  '类型 / kind',
  '级别 / priority',
  '企业 / enterprise',
  '厂区 / site',
  '区域 / zone',
  '位置 / location',
  '节点 / node',
  '通道 / channel',
  '状态 / alarm state',
  '故障 / trouble',
  '操作人 / by',
  '备注 / note',
  '数据 / data',
];

function cell(value: unknown): string {
  let s = value === undefined || value === null ? '' : String(value);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvRow(e: DecidedEvent): string {
  const p = e.placement;
  const by = typeof e.data.by === 'string' ? e.data.by : (e.alarm?.by ?? '');
  const note = typeof e.data.note === 'string' ? e.data.note : '';
  return [
    e.id,
    new Date(e.at).toISOString(),
    e.kind,
    e.priority,
    p?.enterprise,
    p?.site,
    p?.zone,
    p?.location,
    e.node,
    e.ch,
    e.alarm?.state,
    e.trouble,
    by,
    note,
    JSON.stringify(e.data),
  ]
    .map(cell)
    .join(',');
}

export function csvHeaderLine(): string {
  return CSV_BOM + CSV_HEADER.map(cell).join(',') + '\r\n';
}
