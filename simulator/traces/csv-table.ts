/**
 * The plain CSV the shipped data uses: comma separated, no quoted fields, optional header.
 * Kept apart from the importers so each of them reads columns by name and reports the
 * file and line of anything it cannot use.
 */
export interface CsvTable {
  file: string;
  header: string[];
  /** rows as split strings, with their 1-based line number in the file */
  rows: { line: number; cells: string[] }[];
}

export function parseCsv(text: string, file: string, hasHeader = true): CsvTable {
  const lines = text.split(/\r?\n/);
  const rows: CsvTable['rows'] = [];
  let header: string[] = [];
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === '') return;
    const cells = line.split(',').map((c) => c.trim());
    if (hasHeader && header.length === 0) header = cells;
    else rows.push({ line: i + 1, cells });
  });
  return { file, header, rows };
}

export function columnIndex(table: CsvTable, name: string): number {
  const i = table.header.indexOf(name);
  if (i < 0) throw new Error(`${table.file}: no column "${name}" / 文件中没有列 "${name}"`);
  return i;
}

/** Numeric cell, or an error naming file, line and column. */
export function numberCell(table: CsvTable, row: CsvTable['rows'][number], col: number): number {
  const cell = row.cells[col];
  const value = cell === undefined || cell === '' ? Number.NaN : Number(cell);
  if (!Number.isFinite(value)) {
    const name = table.header[col] ?? `#${col + 1}`;
    throw new Error(`${table.file}:${row.line}: column ${name} is not a number ("${cell ?? ''}") / 不是数字`);
  }
  return value;
}
