import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type CsvTable, columnIndex, numberCell, parseCsv } from './csv-table.ts';
import type { Trace } from './trace.ts';

/**
 * Importer for the NIST home smoke alarm tests (simulator/data/nist-smoke-alarms, see its README).
 *
 * Each analog column becomes a trace with two channels:
 *   - "raw":   the column as recorded (commercial alarm output, or smoke-meter optical density 1/m)
 *   - "smoke": the smoke at that sensing element as obscuration in dB/m, the unit the node's smoke
 *              channel works in (firmware: 1 unit = 0.001 dB/m); the VirtualBoard turns it into the
 *              analog input with the node's own front-end calibration (zero, gain).
 *
 * The mapping is physical and NOT fitted to the activation times:
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
 *      V0 is the clean-air level: the mean before ignition, as a front end is zeroed in clean air.
 *   2. Calibration against the smoke meter at the same station (SMx_1, else SMx_4), as a smoke box
 *      calibrates a detector (UL 217, EN 54-7): obscuration = k x index, with k the least-squares
 *      slope through the origin over the samples where the meter reads 0.05..2 dB/m, the range in
 *      which point detectors are specified (GB 4715-2024 from 0.05 dB/m) and before chambers
 *      saturate. The alarm's own activation time is never used. A column with no clean-air level or
 *      no meter reading in that range is marked unusable, with the reason.
 *   Smoke meters (SM*): obscuration = 10 x optical density, as the data README states.
 */
const CAL_MIN_DBM = 0.05;
const CAL_MAX_DBM = 2;

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
  /** clean-air level of the raw column (mean before ignition); 0 for smoke meters */
  cleanAir: number;
  /** dB/m per index unit from the smoke-meter calibration (1 for smoke meters); null if uncalibrated */
  dbmPerIndex: number | null;
  /** the smoke meter it was calibrated against */
  meter: string | null;
  /** false when the column cannot be mapped: `reason` says why */
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

/** Dimensionless smoke index of a chamber output (see the header); smoke meters give dB/m. */
export function smokeIndex(kind: NistColumnKind, raw: number, cleanAir: number): number {
  switch (kind) {
    case 'photo':
    case 'ion-rising':
      return (raw - cleanAir) / cleanAir;
    case 'ion': {
      // a chamber current at or below 1 % of clean air is far past any alarm level
      const ratio = Math.max(raw / cleanAir, 0.01);
      return 1 / ratio - ratio;
    }
    case 'smoke-meter':
      return 10 * raw;
  }
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
  const meters = new Map<string, number[]>();
  for (const column of table.header) {
    if (classifyColumn(column) === 'smoke-meter')
      meters.set(
        column,
        numericColumn(table, column).map((d) => 10 * d),
      );
  }
  const columns: NistColumn[] = [];
  for (const column of table.header) {
    const kind = classifyColumn(column);
    if (!kind) continue;
    const alarm = alarmName(test, column, activations);
    const raw = numericColumn(table, column);
    const base = { test, column, alarm, kind, ignitionS, activationS: activations.get(`${test}-${alarm}`) ?? null };
    const mapped =
      kind === 'smoke-meter' ? meterMapping(raw) : chamberMapping(kind, alarm, time, raw, ignitionS, meters);
    columns.push({ ...base, ...mapped, trace: buildTrace(base, time, raw, mapped.smoke) });
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

interface Mapping {
  cleanAir: number;
  dbmPerIndex: number | null;
  meter: string | null;
  usable: boolean;
  reason?: string;
  smoke: number[];
}

function meterMapping(raw: number[]): Mapping {
  return { cleanAir: 0, dbmPerIndex: 1, meter: null, usable: true, smoke: raw.map((d) => 10 * d) };
}

function chamberMapping(
  kind: NistColumnKind,
  alarm: string,
  time: number[],
  raw: number[],
  ignitionS: number,
  meters: Map<string, number[]>,
): Mapping {
  const before = raw.filter((_, i) => (time[i] as number) < ignitionS);
  const cleanAir = before.reduce((s, v) => s + v, 0) / Math.max(1, before.length);
  const unusable = (reason: string): Mapping => ({
    cleanAir,
    dbmPerIndex: null,
    meter: null,
    usable: false,
    reason,
    smoke: raw.map(() => 0),
  });
  if (before.length === 0 || cleanAir <= 0) {
    return unusable(`no clean-air level (mean before ignition ${cleanAir.toFixed(2)} <= 0): dead or offset channel`);
  }
  const station = alarm.slice(-1);
  const meter = [`SM${station}_1`, `SM${station}_4`].find((m) => meters.has(m));
  if (!meter) return unusable(`no smoke meter at station ${station} to calibrate against`);
  const obscuration = meters.get(meter) as number[];
  const index = raw.map((v) => smokeIndex(kind, v, cleanAir));
  let sxy = 0;
  let sxx = 0;
  index.forEach((x, i) => {
    const d = obscuration[i] as number;
    if (d < CAL_MIN_DBM || d > CAL_MAX_DBM) return;
    sxy += x * d;
    sxx += x * x;
  });
  if (sxx === 0 || sxy <= 0) {
    return unusable(
      `${meter} never reads ${CAL_MIN_DBM}..${CAL_MAX_DBM} dB/m while the chamber responds: cannot calibrate`,
    );
  }
  const k = sxy / sxx;
  return { cleanAir, dbmPerIndex: k, meter, usable: true, smoke: index.map((x) => k * x) };
}

function buildTrace(
  base: {
    test: string;
    column: string;
    alarm: string;
    ignitionS: number;
    activationS: number | null;
    kind: NistColumnKind;
  },
  time: number[],
  raw: number[],
  smoke: number[],
): Trace {
  const marks = [{ label: 'ignition / 点火', t: base.ignitionS }];
  if (base.activationS !== null)
    marks.push({ label: `${base.alarm} activation / 商用报警器动作`, t: base.activationS });
  return {
    source: `NIST ${base.test} ${base.column}`,
    channels: [
      { name: 'raw', unit: base.kind === 'smoke-meter' ? '1/m' : 'as recorded', t: time, v: raw },
      { name: 'smoke', unit: 'dB/m', t: time, v: smoke },
    ],
    marks,
  };
}
