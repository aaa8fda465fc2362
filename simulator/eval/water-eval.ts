import { existsSync } from 'node:fs';
import type { FirmwareScript } from '../firmware-script.ts';
import { channelOf, type TraceChannel, valueAt } from '../traces/trace.ts';
import { type Episode, highWaterEpisodes, loadWaterData, NEAR_FIELD_CM, type WaterSensor } from '../traces/water.ts';
import { EVAL_KEY, observeNode } from './observe-node.ts';

/**
 * Scores a water-level node on the Open-Water-Level sensors against the NOAA gauge.
 *
 * The node: the ultrasonic sensor's analog output is proportional to distance (0..1 of the ADC
 * for 0..5 m, as MaxBotix-type sensors do), read by an analog channel that falls as water rises.
 * What an installer sets on site, and nothing else: the channel is zeroed at the survey datum
 * (NAVD88 0 m, i.e. a reference target at the mounting height's distance during commissioning),
 * 1 unit = 1 mm, the alarm is the site's alarm level above that datum, and the baseline is held
 * (a tide is not drift: quiet 0, driftPerH 0). Filtering,
 * verification and fault detection are the firmware's defaults.
 *
 * True high water: the gauge at or above the alarm level. An alarm within MATCH_S of such an
 * episode is a true alarm; any other alarm is false, and is put down to a short echo or a
 * year-2000 row when one was read in the minutes before it.
 *
 * 80 days at the firmware's 1 s tick are too slow to run whole, so the node runs in windows
 * around every moment that could matter (a reading near the alarm level, a fault row, a gauge
 * episode). With the baseline held this is exact: each window's node is commissioned at the same
 * distance and its filters settle within seconds.
 */
export const ALARM_LEVEL_M = 1.0;
/**
 * An alarm this close to an episode counts as that episode: one reading interval of these sensors
 * (hourly most of the time, so a node hears of a high water up to an hour after it starts), which
 * also covers how far their tide runs behind the gauge's (30-54 min, docs/simulator.md).
 */
const MATCH_S = 3600;
const WINDOW_BEFORE_S = 1800;
const WINDOW_AFTER_S = 3600;
const COMMISSION_S = 5;
/** ADC full scale of the ultrasonic sensor, mm */
const FULL_SCALE_MM = 5000;
/** a reading this close to the alarm level opens a window */
const NEAR_M = 0.15;
/** how far back a fault row can explain an alarm: one measurement period and the verification */
const CAUSE_S = 600;
/** the upper part of the tide (the gauge's range here is about -0.8..1.2 m) */
const HIGH_TIDE_M = 0.5;

export interface WaterRow {
  device: string;
  episodes: number;
  /** episodes in which this sensor itself read the alarm level (the rest it could not see) */
  reached: number;
  detected: number;
  alarms: number;
  falseAlarms: number;
  byEcho: number;
  byYear2000: number;
  otherFalse: number;
  /** alarms before the gauge record starts: cannot be judged */
  unjudged: number;
  note: string;
}

/**
 * What the level channel is given beyond the firmware's analog defaults: the firmware ships no
 * defaults for an analog level probe (its water default is a contact input), so these are said.
 */
export const WATER_SETTINGS_NOTE =
  "the firmware ships no analog level-probe defaults (its water default is a contact input, not scored here); the level channel runs with the site's zero (NAVD88), 1 mm units, alarm at the site level, pre 0.8 x alarm, and hyst 50 mm, quiet 0, driftPerH 0, comp 1000 set by this eval; median, smoothing, verification (8 s) and fault limits are the firmware's analog defaults";

export interface WaterResult {
  rows: WaterRow[];
  /** high-water episodes in the gauge record */
  gaugeEpisodes: number;
}

export function evaluateWater(dir: string, fw: FirmwareScript, alarmLevelM = ALARM_LEVEL_M): WaterResult {
  if (!existsSync(dir)) return { rows: [], gaugeEpisodes: 0 };
  const data = loadWaterData(dir);
  const gauge = channelOf(data.gauge, 'level');
  const episodes = highWaterEpisodes(data.gauge, alarmLevelM);
  return {
    rows: data.sensors.map((s) => evaluateSensor(s, gauge, episodes, alarmLevelM, fw)),
    gaugeEpisodes: episodes.length,
  };
}

/**
 * How far this sensor's good readings stand from the gauge near high tide (the gauge's highest level
 * within MATCH_S, at least HIGH_TIDE_M): the sensors are kilometres from the gauge, so a spread of
 * tenths of a metre here is what makes "above the alarm level at the sensor, below it at the gauge".
 */
function agreementNote(s: WaterSensor, gauge: TraceChannel): string {
  const level = channelOf(s.trace, 'level');
  const faults = new Set(s.trace.marks.map((m) => m.t));
  const diffs: number[] = [];
  let from = 0;
  level.t.forEach((t, i) => {
    if (faults.has(t)) return;
    while (from < gauge.t.length && (gauge.t[from] as number) < t - MATCH_S) from++;
    let high = Number.NEGATIVE_INFINITY;
    for (let j = from; j < gauge.t.length && (gauge.t[j] as number) <= t + MATCH_S; j++)
      high = Math.max(high, gauge.v[j] as number);
    if (high >= HIGH_TIDE_M) diffs.push((level.v[i] as number) - high);
  });
  if (diffs.length === 0) return '';
  diffs.sort((a, b) => a - b);
  const q = (p: number) => (diffs[Math.round(p * (diffs.length - 1))] as number).toFixed(2);
  return `高潮时与验潮站之差 / vs gauge at high tide: median ${q(0.5)} m, 10-90 % ${q(0.1)}..${q(0.9)} m`;
}

function evaluateSensor(
  s: WaterSensor,
  gauge: TraceChannel,
  episodes: Episode[],
  alarmLevelM: number,
  fw: FirmwareScript,
): WaterRow {
  const distance = channelOf(s.trace, 'distance');
  // distance (cm) at which the water stands at the datum
  const d0 = s.mountingCm;
  const alarmMm = Math.round(alarmLevelM * 1000);
  const sensorEnd = distance.t[distance.t.length - 1] as number;
  const alarms: number[] = [];
  const errors: string[] = [];
  for (const [from, to] of windows(s, episodes, alarmLevelM)) {
    const run = observeNode({
      fw,
      config: {
        id: 'water',
        key: EVAL_KEY,
        link: { kind: 'serial' },
        channels: [
          {
            name: 'water',
            kind: 'analog',
            src: 'water',
            rising: false,
            zero: (d0 * 10) / FULL_SCALE_MM,
            gain: FULL_SCALE_MM,
            pre: Math.max(1, Math.round(alarmMm * 0.8)),
            alarm: Math.max(1, alarmMm),
            hyst: 50,
            quiet: 0,
            driftPerH: 0,
            comp: 1000,
          },
        ],
      },
      inputs: {
        water: { value: windowed(distance, d0, from, to), trace: s.trace, atS: 0, perUnit: 10 },
      },
      durationMs: (to - from + COMMISSION_S) * 1000,
    });
    for (const e of run.errors) errors.push(e.message);
    for (const m of run.messages) {
      if (m.duplicate || m.message.kind !== 'alarm') continue;
      alarms.push(m.atMs / 1000 - COMMISSION_S + from);
    }
  }
  const inRecord = episodes.filter((e) => e.fromS <= sensorEnd);
  const near = (t: number, e: Episode) => t >= e.fromS - MATCH_S && t <= e.toS + MATCH_S;
  const level = channelOf(s.trace, 'level');
  const row: WaterRow = {
    device: s.device,
    episodes: inRecord.length,
    reached: inRecord.filter((e) => level.t.some((t, i) => near(t, e) && (level.v[i] as number) >= alarmLevelM)).length,
    detected: inRecord.filter((e) => alarms.some((t) => near(t, e))).length,
    alarms: alarms.length,
    falseAlarms: 0,
    byEcho: 0,
    byYear2000: 0,
    otherFalse: 0,
    unjudged: 0,
    note: [...new Set(errors), agreementNote(s, gauge)].filter((n) => n !== '').join('; '),
  };
  for (const t of alarms) {
    if (t < (gauge.t[0] as number)) row.unjudged++;
    else if (!episodes.some((e) => near(t, e))) {
      row.falseAlarms++;
      const cause = s.trace.marks.filter((m) => m.t <= t && m.t >= t - CAUSE_S);
      if (cause.some((m) => m.label.startsWith('short echo'))) row.byEcho++;
      else if (cause.some((m) => m.label.startsWith('year-2000'))) row.byYear2000++;
      else row.otherFalse++;
    }
  }
  return row;
}

/** Time spans (s) worth running: around near-alarm readings, fault rows and gauge episodes; merged. */
function windows(s: WaterSensor, episodes: Episode[], alarmLevelM: number): [number, number][] {
  const level = channelOf(s.trace, 'level');
  const distance = channelOf(s.trace, 'distance');
  const moments: number[] = [];
  level.t.forEach((t, i) => {
    if ((level.v[i] as number) >= alarmLevelM - NEAR_M || (distance.v[i] as number) < NEAR_FIELD_CM) moments.push(t);
  });
  for (const m of s.trace.marks) moments.push(m.t);
  for (const e of episodes) moments.push(e.fromS, e.toS);
  const spans = moments
    .map((t): [number, number] => [startOn(level, t - WINDOW_BEFORE_S, alarmLevelM), t + WINDOW_AFTER_S])
    .sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const span of spans) {
    const last = merged[merged.length - 1];
    if (last && span[0] <= last[1]) last[1] = Math.max(last[1], span[1]);
    else merged.push([...span]);
  }
  return merged;
}

/**
 * Where a window starts: at `tS`, unless the reading held then is near the alarm level; then at the
 * time the sensor gave that reading. Starting in the middle of such a reading would commission the
 * node into it and report an alarm that, on a board running all along, began (and was counted) when
 * the reading came in.
 */
function startOn(level: TraceChannel, tS: number, alarmLevelM: number): number {
  if (tS <= 0) return 0;
  let at = 0;
  for (let i = 0; i < level.t.length && (level.t[i] as number) <= tS; i++) at = i;
  return (level.v[at] as number) >= alarmLevelM - NEAR_M ? (level.t[at] as number) : tS;
}

/**
 * The distance from `from` to `to` relative to the datum distance d0 (node units are counted from
 * the channel's zero), after COMMISSION_S at the datum.
 */
function windowed(ch: TraceChannel, d0: number, from: number, to: number): TraceChannel {
  const t: number[] = [0, COMMISSION_S];
  const v: number[] = [0, valueAt(ch, from) - d0];
  ch.t.forEach((ti, i) => {
    if (ti > from && ti <= to) {
      t.push(ti - from + COMMISSION_S);
      v.push((ch.v[i] as number) - d0);
    }
  });
  return { name: ch.name, unit: ch.unit, t, v, step: true };
}
