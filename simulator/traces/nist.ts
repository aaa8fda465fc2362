import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type CsvTable, parseCsv } from './csv-table.ts';
import { chamberReading, DEFAULT_SENSOR } from './sensor-model.ts';
import type { Trace, TraceChannel } from './trace.ts';

/**
 * Importer for the NIST home smoke alarm tests (Bukowski et al., NIST TN 1455; simulator/data/
 * nist-smoke-alarms and its README), for any test of the series, not only the shipped ones.
 *
 * The physical quantity a node is fed is the obscuration at a station: its smoke meter
 * (SMx_1 near the ceiling, else SMx_4 / SMx_3), dB/m = 10 x optical density (1/m). Nothing is
 * fitted to a recording: the commercial alarms' analog outputs are not used, and the chamber's
 * own response is a fixed model (traces/sensor-model.ts).
 *
 * What a file may lack, and what happens then (never an exception for one bad column):
 *   - a fire thermocouple (TCFIRE living room, TCFIRB bedroom, TCFIRK kitchen, any TCFIR*): the
 *     first to rise IGNITION_RISE_K over its first reading gives ignition; none rising, or rising
 *     only after the first commercial alarm (a smouldering start), gives no ignition, and the
 *     test is scored against the activation times alone;
 *   - a smoke meter: a station without a live meter is not run, and its alarms are listed as
 *     unscored with the reason;
 *   - rows with a wrong number of cells (a truncated file) are dropped; a column with a cell that
 *     is not a number, or that never changes (a dead channel), is not used. Each is said once.
 */
const ACTIVATION_FILE = 'Activation_Times.csv';
/** a thermocouple over the burning item: a 5 K rise over ambient is a flame, not noise (~0.1 K) */
const IGNITION_RISE_K = 5;
const METER_SUFFIXES = ['_1', '_4', '_3'];

export type AlarmType = 'photo' | 'ion';

export interface CommercialAlarm {
  /** as in Activation_Times.csv, e.g. "Pho1A" */
  name: string;
  type: AlarmType;
  station: string;
  activationS: number;
}

export interface StationMeter {
  station: string;
  column: string;
  /** obscuration at the station, dB/m */
  obscuration: TraceChannel;
  /** why a preferred meter was passed over, '' if none was */
  note: string;
}

export interface NistTest {
  test: string;
  file: string;
  /** the sampling interval, s (2 s in most tests, 5 s in SDC05) */
  stepS: number;
  endS: number;
  /** fire thermocouple that rose first and when; null when none marks ignition (see `fireNote`) */
  fire: { column: string; ignitionS: number } | null;
  fireNote: string;
  /** commercial alarms of this test with an activation time */
  alarms: CommercialAlarm[];
  /** stations with a live meter */
  meters: Map<string, StationMeter>;
  /** stations with alarms but no live meter, and why */
  noMeter: Map<string, string>;
  /** rows and columns that were dropped, with the reason */
  problems: string[];
}

export interface NistSeries {
  tests: NistTest[];
  /** files that could not be read at all, with the reason */
  skipped: { file: string; reason: string }[];
  /** the activation file read, null when it could not be (then no test has alarms) */
  activationFile: string | null;
}

/** Commercial alarms in Activation_Times.csv: "SDC02-Pho1A" -> photoelectric at station A. */
export function alarmOf(name: string, activationS: number): CommercialAlarm | null {
  const m = /^(Pho|Ion)\d([A-F])$/.exec(name);
  if (!m) return null;
  return { name, type: m[1] === 'Pho' ? 'photo' : 'ion', station: m[2] as string, activationS };
}

/** Activation times keyed "SDC02-Pho1A" -> seconds (a negative time: the alarm never went off). */
export function loadActivationTimes(dir: string): Map<string, number> {
  const file = join(dir, ACTIVATION_FILE);
  const table = parseCsv(readFileSync(file, 'utf8'), file);
  const row = table.rows[0];
  if (!row) throw new Error(`${file}: no data row / 没有数据行`);
  const times = new Map<string, number>();
  table.header.forEach((name, col) => {
    const value = Number(row.cells[col]);
    if (col > 0 && name.includes('-') && Number.isFinite(value) && value >= 0) times.set(name, value);
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

export function nistFile(dir: string, test: string): string {
  return join(dir, `NIST_Smoke_Alarms_${test}.csv`);
}

/** Every test in the folder; a file that cannot be read is listed in `skipped`, never thrown. */
export function loadNistSeries(dir: string): NistSeries {
  const skipped: NistSeries['skipped'] = [];
  let activations = new Map<string, number>();
  let activationFile: string | null = join(dir, ACTIVATION_FILE);
  try {
    activations = loadActivationTimes(dir);
  } catch (err) {
    skipped.push({ file: activationFile, reason: (err as Error).message });
    activationFile = null;
  }
  const tests: NistTest[] = [];
  for (const id of nistTestIds(dir)) {
    try {
      tests.push(loadNistTest(dir, id, activations));
    } catch (err) {
      skipped.push({ file: nistFile(dir, id), reason: (err as Error).message });
    }
  }
  return { tests, skipped, activationFile };
}

/** One test; throws only when the file as a whole is unusable (unreadable, no TIME column). */
export function loadNistTest(dir: string, test: string, activations = loadActivationTimes(dir)): NistTest {
  const file = nistFile(dir, test);
  const table = parseCsv(readFileSync(file, 'utf8'), file);
  const problems: string[] = [];
  const rows = fullRows(table, problems);
  const columns = numericColumns(table, rows, problems);
  const time = columns.get('TIME');
  if (!time) throw new Error(`${file}: no usable TIME column / 没有可用的 TIME 列`);
  if (time.length < 2) throw new Error(`${file}: fewer than two rows of data / 数据行不足`);
  const alarms = [...activations]
    .filter(([key]) => key.startsWith(`${test}-`))
    .map(([key, s]) => alarmOf(key.slice(test.length + 1), s))
    .filter((a): a is CommercialAlarm => a !== null);
  const { fire, fireNote } = findFire(columns, time, alarms);
  const meters = new Map<string, StationMeter>();
  const noMeter = new Map<string, string>();
  for (const station of [...new Set(alarms.map((a) => a.station))].sort()) {
    const found = stationMeter(station, columns, table.header, time);
    if ('reason' in found) noMeter.set(station, found.reason);
    else meters.set(station, found);
  }
  const steps = time.slice(1).map((t, i) => t - (time[i] as number));
  return {
    test,
    file,
    stepS: steps.sort((a, b) => a - b)[steps.length >> 1] as number,
    endS: time[time.length - 1] as number,
    fire,
    fireNote,
    alarms,
    meters,
    noMeter,
    problems,
  };
}

/** Rows with as many cells as the header; the others are dropped and counted. */
function fullRows(table: CsvTable, problems: string[]): CsvTable['rows'] {
  const ok = table.rows.filter((r) => r.cells.length === table.header.length);
  const bad = table.rows.filter((r) => r.cells.length !== table.header.length);
  if (bad.length > 0) {
    const first = bad[0] as CsvTable['rows'][number];
    problems.push(
      `${bad.length} row(s) without ${table.header.length} cells dropped (first: line ${first.line}, ${first.cells.length} cells) / 行不完整，已跳过`,
    );
  }
  return ok;
}

/** Columns whose every cell is a number; the others are reported once with the first bad line. */
function numericColumns(table: CsvTable, rows: CsvTable['rows'], problems: string[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  table.header.forEach((name, col) => {
    const values: number[] = [];
    for (const row of rows) {
      const cell = row.cells[col] ?? '';
      const v = cell === '' ? Number.NaN : Number(cell);
      if (!Number.isFinite(v)) {
        problems.push(`${name}: line ${row.line} is not a number ("${cell}"), column not used / 不是数字`);
        return;
      }
      values.push(v);
    }
    out.set(name, values);
  });
  return out;
}

function findFire(
  columns: Map<string, number[]>,
  time: number[],
  alarms: CommercialAlarm[],
): { fire: NistTest['fire']; fireNote: string } {
  const thermocouples = [...columns.keys()].filter((c) => /^TCFIR[A-Z]*$/.test(c));
  if (thermocouples.length === 0)
    return { fire: null, fireNote: 'no fire thermocouple (TCFIR*) in the file / 文件中没有火源热电偶' };
  let fire: NistTest['fire'] = null;
  for (const column of thermocouples) {
    const v = columns.get(column) as number[];
    const i = v.findIndex((x) => x > (v[0] as number) + IGNITION_RISE_K);
    if (i >= 0 && (fire === null || (time[i] as number) < fire.ignitionS))
      fire = { column, ignitionS: time[i] as number };
  }
  const names = thermocouples.join(', ');
  if (!fire)
    return {
      fire: null,
      fireNote: `${names}: none rises ${IGNITION_RISE_K} K (smouldering?), ignition unknown / 热电偶未升温，点火时刻未知`,
    };
  const firstAlarm = Math.min(...alarms.map((a) => a.activationS));
  if (fire.ignitionS > firstAlarm)
    return {
      fire: null,
      fireNote: `${fire.column} rises at ${fire.ignitionS} s, after the first alarm (${firstAlarm} s): a smouldering start, ignition unknown / 阴燃，点火时刻未知`,
    };
  return { fire, fireNote: '' };
}

function stationMeter(
  station: string,
  columns: Map<string, number[]>,
  header: string[],
  time: number[],
): StationMeter | { reason: string } {
  const passed: string[] = [];
  for (const suffix of METER_SUFFIXES) {
    const column = `SM${station}${suffix}`;
    if (!header.includes(column)) continue;
    const od = columns.get(column);
    if (!od) {
      passed.push(`${column} not numeric`);
      continue;
    }
    if (Math.max(...od) === Math.min(...od)) {
      passed.push(`${column} dead (constant ${od[0]})`);
      continue;
    }
    return {
      station,
      column,
      obscuration: { name: 'obscuration', unit: 'dB/m', t: time, v: od.map((d) => 10 * d) },
      note: passed.join('; '),
    };
  }
  return {
    reason:
      passed.length > 0
        ? `no live smoke meter at station ${station} (${passed.join('; ')})`
        : `no smoke meter at station ${station}`,
  };
}

/**
 * A scenario's NIST input: the node's chamber reading (sensor model) at the station of `column`,
 * a smoke meter ("SMB_1") or a commercial alarm ("Pho1B": its station's meter, with its activation
 * marked). Channel "smoke" in dB/m; "obscuration" is the meter itself.
 */
export function nistStationTrace(dir: string, test: string, column: string): Trace {
  const t = loadNistTest(dir, test);
  const meterStation = /^SM([A-F])_\d$/.exec(column)?.[1];
  const alarm = t.alarms.find((a) => a.name === column);
  const station = meterStation ?? alarm?.station ?? /^(?:Pho|Ion)\d([A-F])$/.exec(column)?.[1];
  if (!station) throw new Error(`NIST ${test}: "${column}" is neither a smoke meter nor an alarm name / 列名无效`);
  const meter = t.meters.get(station);
  if (!meter)
    throw new Error(`NIST ${test} ${column}: ${t.noMeter.get(station) ?? `no live smoke meter at station ${station}`}`);
  const marks = t.fire ? [{ label: 'ignition / 点火', t: t.fire.ignitionS }] : [];
  if (alarm) marks.push({ label: `${alarm.name} activation / 商用报警器动作`, t: alarm.activationS });
  return {
    source: `NIST ${test} ${meter.column}`,
    channels: [chamberReading(meter.obscuration, DEFAULT_SENSOR), meter.obscuration],
    marks,
  };
}
