import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { numberCell, parseCsv } from './csv-table.ts';
import type { Trace, TraceMark } from './trace.ts';

/**
 * Importer for simulator/data/open-water-level (see its README): four Open-Water-Level ultrasonic
 * sensors and the NOAA CO-OPS gauge 8658120 as the reference for true water level.
 *
 * The sensor measures the distance down to the water; level (m above NAVD88) = (mounting height -
 * distance) / 100. Its real faults are kept, not cleaned, because the detector must survive them:
 *   - year-2000 rows: the device clock was unset (Unix time 946684810). The reading is placed at the
 *     time it was sent, taken from the transmit-time column as an offset from the previous good row
 *     (that column is local time; differences between neighbouring rows are not affected).
 *   - spurious short echoes (~27 cm) that read as sudden flooding: kept and marked.
 */
export const WATER_SENSOR_FILE = 'Water_Level_2024_Sheet1_20240508.csv';
export const NOAA_FILE = 'CO-OPS__8658120__wl.csv';

/** Mounting heights above NAVD88 in cm, from the data README. */
export const MOUNTING_CM: Record<string, number> = {
  waterLevel_0000: 351.5,
  waterLevel_0001: 189.9,
  waterLevel_0002: 351.5,
  waterLevel_0003: 189.9,
};

/** Unix times before 2001 can only come from an unset clock: the data is from 2024. */
const CLOCK_UNSET_BEFORE = 978307200;
/**
 * Distances under this are inside the ultrasonic near field, where these sensors return short
 * echoes (README: about 27 cm). A real flood there would already have reached the sensor.
 */
export const NEAR_FIELD_CM = 45;

export interface WaterSensor {
  device: string;
  mountingCm: number;
  /** Unix time (s) of trace time 0 */
  startUnix: number;
  /** channels "distance" (cm) and "level" (m above NAVD88); marks for year-2000 and echo rows */
  trace: Trace;
  year2000Rows: number;
  echoRows: number;
}

export interface WaterData {
  sensors: WaterSensor[];
  /** NOAA gauge, channel "level" (m above NAVD88), with the same time origin as `startUnix` */
  gauge: Trace;
  startUnix: number;
}

interface Row {
  unix: number;
  sentS: number;
  distance: number;
  year2000: boolean;
}

export function loadWaterData(dir: string): WaterData {
  const sensorFile = join(dir, WATER_SENSOR_FILE);
  const table = parseCsv(readFileSync(sensorFile, 'utf8'), sensorFile, false);
  const byDevice = new Map<string, Row[]>();
  for (const row of table.rows) {
    const device = row.cells[2] ?? '';
    if (MOUNTING_CM[device] === undefined) {
      throw new Error(`${sensorFile}:${row.line}: unknown device "${device}" (no mounting height) / 未知设备`);
    }
    const unix = numberCell(table, row, 4);
    const rows = byDevice.get(device) ?? [];
    rows.push({
      unix,
      sentS: parseSentTime(row.cells[1] ?? '', `${sensorFile}:${row.line}`),
      distance: numberCell(table, row, 5),
      year2000: unix < CLOCK_UNSET_BEFORE,
    });
    byDevice.set(device, rows);
  }
  const gaugeRows = loadGauge(join(dir, NOAA_FILE));
  let startUnix = gaugeRows[0]?.unix ?? 0;
  for (const rows of byDevice.values()) for (const r of rows) if (!r.year2000) startUnix = Math.min(startUnix, r.unix);
  const sensors = [...byDevice]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([device, rows]) => buildSensor(device, rows, startUnix));
  const gauge: Trace = {
    source: 'NOAA CO-OPS 8658120',
    channels: [
      { name: 'level', unit: 'm', t: gaugeRows.map((g) => g.unix - startUnix), v: gaugeRows.map((g) => g.level) },
    ],
    marks: [],
  };
  return { sensors, gauge, startUnix };
}

/** "2/19/2024 22:12:13" read as if UTC: only differences between rows are used. */
function parseSentTime(text: string, where: string): number {
  const m = /^(\d{1,2})\/(\d{1,2})\/(\d{4}) (\d{1,2}):(\d{2}):(\d{2})$/.exec(text.trim());
  if (!m) throw new Error(`${where}: bad transmit time "${text}" / 发送时间格式错误`);
  const [, mo, d, y, h, mi, s] = m.map(Number) as number[];
  return Date.UTC(y as number, (mo as number) - 1, d, h, mi, s) / 1000;
}

function buildSensor(device: string, rows: Row[], startUnix: number): WaterSensor {
  const mountingCm = MOUNTING_CM[device] as number;
  // re-time year-2000 rows from the transmit clock, relative to the previous good row
  let lastGood: Row | undefined;
  const timed = rows.map((r) => {
    if (!r.year2000) {
      lastGood = r;
      return { ...r, t: r.unix };
    }
    const t = lastGood ? lastGood.unix + (r.sentS - lastGood.sentS) : startUnix;
    return { ...r, t };
  });
  timed.sort((a, b) => a.t - b.t);
  const marks: TraceMark[] = [];
  for (const r of timed) {
    if (r.year2000) marks.push({ label: 'year-2000 row / 时钟未设置', t: r.t - startUnix });
    else if (r.distance < NEAR_FIELD_CM) marks.push({ label: 'short echo / 近场回波', t: r.t - startUnix });
  }
  const t = timed.map((r) => r.t - startUnix);
  return {
    device,
    mountingCm,
    startUnix,
    trace: {
      source: `Open-Water-Level ${device}`,
      channels: [
        // the sensor's output holds its last measurement until the next one (every 6 min)
        { name: 'distance', unit: 'cm', t, v: timed.map((r) => r.distance), step: true },
        { name: 'level', unit: 'm', t, v: timed.map((r) => (mountingCm - r.distance) / 100), step: true },
      ],
      marks,
    },
    year2000Rows: rows.filter((r) => r.year2000).length,
    echoRows: rows.filter((r) => !r.year2000 && r.distance < NEAR_FIELD_CM).length,
  };
}

function loadGauge(file: string): { unix: number; level: number }[] {
  const table = parseCsv(readFileSync(file, 'utf8'), file);
  const out: { unix: number; level: number }[] = [];
  for (const row of table.rows) {
    if ((row.cells[1] ?? '') === '') continue; // a gap in the gauge record
    const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2})$/.exec(row.cells[0] ?? '');
    if (!m) throw new Error(`${file}:${row.line}: bad date "${row.cells[0]}" / 日期格式错误`);
    const [, y, mo, d, h, mi] = m.map(Number) as number[];
    out.push({ unix: Date.UTC(y as number, (mo as number) - 1, d, h, mi) / 1000, level: numberCell(table, row, 1) });
  }
  return out;
}

export interface Episode {
  fromS: number;
  toS: number;
  peak: number;
}

/** Stretches where the gauge stands at or above `levelM`, in trace seconds. */
export function highWaterEpisodes(gauge: Trace, levelM: number): Episode[] {
  const ch = gauge.channels[0];
  if (!ch) return [];
  const episodes: Episode[] = [];
  let open: Episode | undefined;
  ch.t.forEach((t, i) => {
    const v = ch.v[i] as number;
    if (v >= levelM) {
      if (!open) open = { fromS: t, toS: t, peak: v };
      open.toS = t;
      open.peak = Math.max(open.peak, v);
    } else if (open) {
      episodes.push(open);
      open = undefined;
    }
  });
  if (open) episodes.push(open);
  return episodes;
}
