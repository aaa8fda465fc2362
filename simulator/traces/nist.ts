import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type CsvTable, columnIndex, numberCell, parseCsv } from './csv-table.ts';
import type { Trace } from './trace.ts';

/**
 * Importer for the NIST home smoke alarm tests (simulator/data/nist-smoke-alarms, see its README).
 *
 * Each analog column becomes a trace with two channels:
 *   - "raw":    the column as recorded (commercial alarm output, or smoke-meter optical density)
 *   - "analog": what the parkwatch node's ADC would read (0..1) if that sensing element were wired
 *               to its analog input through the node's smoke front end (below).
 *
 * The mapping is physical, set once for all columns, and NOT fitted to the activation times:
 *   1. Smoke index, a dimensionless measure of smoke at the sensing element:
 *      - photoelectric chamber (Pho*, output rises): scattered light grows in proportion to the
 *        particle concentration, on top of the chamber's clean-air background V0, so the index is
 *        the relative rise x = (V - V0) / V0.
 *      - ionisation chamber (Ion1*, Ion3*, output falls): particles slow the ions and the chamber
 *        current I drops; the standard measure of smoke density for an ionisation chamber
 *        (Hosemann's y, used by EN 54-7 / ISO 7240-7 smoke tunnels) is y = I0/I - I/I0. The output
 *        voltage is taken as proportional to the chamber current, so y = V0/V - V/V0.
 *      - Ion4* outputs rise with smoke in every test here (the README lists only Ion1/Ion3 as
 *        falling): treated like a rising chamber, x = (V - V0) / V0.
 *      - smoke meter (SM*): optical density D (1/m) is converted to obscuration, 10 x D dB/m, and one
 *        dB/m counts as one index unit (GB 4715-2024 point detectors respond from 0.05 dB/m).
 *      V0 is the clean-air level: the mean before ignition, as an installer calibrates the front
 *      end in clean air at commissioning.
 *   2. Node smoke front end: the clean-air point sits at 0.2 of the ADC range, so an open circuit
 *      (0) and a short (1) lie well outside normal readings, and one index unit adds 0.2; the
 *      amplifier saturates at the top of the range (index 4, far above any alarm level).
 *      analog = clamp(0.2 + 0.2 x index, 0, 1).
 */
export const SMOKE_FRONT_END = { cleanAir: 0.2, perIndexUnit: 0.2 } as const;

export type NistColumnKind = 'photo' | 'ion' | 'ion-rising' | 'smoke-meter';

export interface NistColumn {
  /** test id, e.g. "SDC02" */
  test: string;
  /** column in the test file, e.g. "Pho1A", "Ion1BE", "SMA_1" */
  column: string;
  /** name of the alarm in Activation_Times.csv, e.g. "Pho1A" ("Ion1BE" resolves to Ion1B or Ion1E) */
  alarm: string;
  kind: NistColumnKind;
  /** fire ignition, seconds (TCFIRE rising) */
  ignitionS: number;
  /** when the commercial alarm went into alarm, seconds; null when the file gives none */
  activationS: number | null;
  /** clean-air level of the raw column (mean before ignition) */
  cleanAir: number;
  /** false when the column cannot be mapped (no clean-air level): `reason` says why */
  usable: boolean;
  reason?: string;
  trace: Trace;
}

export interface NistTest {
  test: string;
  file: string;
  ignitionS: number;
  columns: NistColumn[];
}

const ACTIVATION_FILE = 'Activation_Times.csv';
/** TCFIRE is a thermocouple over the burning item: a 5 K rise over ambient is a flame, not noise (~0.1 K). */
const IGNITION_RISE_K = 5;

export function classifyColumn(column: string): NistColumnKind | null {
  if (/^Pho\d[A-F]$/.test(column)) return 'photo';
  if (/^Ion[13]([A-F]|BE)$/.test(column)) return 'ion';
  if (/^Ion4[A-F]$/.test(column)) return 'ion-rising';
  if (/^SM[A-Z0-9_]+$/.test(column)) return 'smoke-meter';
  return null;
}

export function smokeIndex(kind: NistColumnKind, raw: number, cleanAir: number): number {
  switch (kind) {
    case 'photo':
    case 'ion-rising':
      return (raw - cleanAir) / cleanAir;
    case 'ion': {
      // a chamber current at or below 1 % of clean air is far past saturation of the front end
      const ratio = Math.max(raw / cleanAir, 0.01);
      return 1 / ratio - ratio;
    }
    case 'smoke-meter':
      return 10 * raw;
  }
}

export function smokeIndexToAnalog(index: number): number {
  const v = SMOKE_FRONT_END.cleanAir + SMOKE_FRONT_END.perIndexUnit * index;
  return Math.min(1, Math.max(0, v));
}

/** Activation times keyed "SDC02-Pho1A" -> seconds. */
export function loadActivationTimes(dir: string): Map<string, number> {
  const file = join(dir, ACTIVATION_FILE);
  const table = parseCsv(readFileSync(file, 'utf8'), file);
  const row = table.rows[0];
  if (!row) throw new Error(`${file}: no data row / 没有数据行`);
  const times = new Map<string, number>();
  table.header.forEach((name, col) => {
    if (col === 0 || !name.includes('-')) return;
    const value = numberCell(table, row, col);
    if (value >= 0) times.set(name, value);
  });
  return times;
}

/** Test ids present in the folder, e.g. ["SDC02", "SDC05"]. */
export function nistTestIds(dir: string): string[] {
  return readdirSync(dir)
    .map((f) => /^NIST_Smoke_Alarms_(\w+)\.csv$/.exec(f)?.[1])
    .filter((id): id is string => id !== undefined)
    .sort();
}

export function loadNistTest(dir: string, test: string, activations = loadActivationTimes(dir)): NistTest {
  const file = join(dir, `NIST_Smoke_Alarms_${test}.csv`);
  const table = parseCsv(readFileSync(file, 'utf8'), file);
  const time = numericColumn(table, 'TIME');
  const ignitionS = findIgnition(table, time);
  const columns: NistColumn[] = [];
  for (const column of table.header) {
    const kind = classifyColumn(column);
    if (!kind) continue;
    const raw = numericColumn(table, column);
    const alarm = alarmName(test, column, activations);
    columns.push(buildColumn({ test, column, alarm, kind, ignitionS, time, raw, activations }));
  }
  return { test, file, ignitionS, columns };
}

export function loadNistDir(dir: string): NistTest[] {
  const activations = loadActivationTimes(dir);
  return nistTestIds(dir).map((test) => loadNistTest(dir, test, activations));
}

/** One column by test and name, e.g. ("SDC02", "Pho1A"). */
export function loadNistColumn(dir: string, test: string, column: string): NistColumn {
  const found = loadNistTest(dir, test).columns.find((c) => c.column === column);
  if (!found) throw new Error(`NIST ${test}: no analog alarm or smoke-meter column "${column}" / 没有该列`);
  return found;
}

function numericColumn(table: CsvTable, name: string): number[] {
  const col = columnIndex(table, name);
  return table.rows.map((row) => numberCell(table, row, col));
}

function findIgnition(table: CsvTable, time: number[]): number {
  const fire = numericColumn(table, 'TCFIRE');
  const ambient = fire[0] as number;
  const i = fire.findIndex((v) => v > ambient + IGNITION_RISE_K);
  if (i < 0) throw new Error(`${table.file}: TCFIRE never rises, no ignition found / 未找到点火时刻`);
  return time[i] as number;
}

/** "Ion1BE" is one instrument wired at station B or E: take whichever has an activation time in this test. */
function alarmName(test: string, column: string, activations: Map<string, number>): string {
  if (column !== 'Ion1BE') return column;
  return ['Ion1B', 'Ion1E'].find((a) => activations.has(`${test}-${a}`)) ?? 'Ion1B';
}

function buildColumn(p: {
  test: string;
  column: string;
  alarm: string;
  kind: NistColumnKind;
  ignitionS: number;
  time: number[];
  raw: number[];
  activations: Map<string, number>;
}): NistColumn {
  const before = p.raw.filter((_, i) => (p.time[i] as number) < p.ignitionS);
  const cleanAir = p.kind === 'smoke-meter' ? 0 : before.reduce((s, v) => s + v, 0) / Math.max(1, before.length);
  const usable = p.kind === 'smoke-meter' || (before.length > 0 && cleanAir > 0);
  const analog = usable ? p.raw.map((v) => smokeIndexToAnalog(smokeIndex(p.kind, v, cleanAir))) : p.raw.map(() => 0);
  const activationS = p.activations.get(`${p.test}-${p.alarm}`) ?? null;
  const marks = [{ label: 'ignition / 点火', t: p.ignitionS }];
  if (activationS !== null) marks.push({ label: `${p.alarm} activation / 商用报警器动作`, t: activationS });
  return {
    test: p.test,
    column: p.column,
    alarm: p.alarm,
    kind: p.kind,
    ignitionS: p.ignitionS,
    activationS,
    cleanAir,
    usable,
    ...(usable
      ? {}
      : { reason: `no clean-air level (mean before ignition ${cleanAir.toFixed(2)} <= 0): dead or offset channel` }),
    trace: {
      source: `NIST ${p.test} ${p.column}`,
      channels: [
        { name: 'raw', unit: p.kind === 'smoke-meter' ? '1/m' : 'as recorded', t: p.time, v: p.raw },
        { name: 'analog', unit: '0..1', t: p.time, v: analog },
      ],
      marks,
    },
  };
}
