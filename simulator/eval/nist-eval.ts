import type { AnalogChannelConfig } from '../../firmware/config.ts';
import { SMOKE_DEFAULTS } from '../../firmware/node-config-schema.ts';
import type { FirmwareScript } from '../firmware-script.ts';
import type { AlarmType, NistSeries, NistTest, StationMeter } from '../traces/nist.ts';
import { chamberReading, DEFAULT_SENSOR, type SensorModel } from '../traces/sensor-model.ts';
import type { TraceChannel } from '../traces/trace.ts';
import { EVAL_KEY, firstOf, observeNode } from './observe-node.ts';

/**
 * Scores the firmware's smoke channel on the NIST tests: at every station with a live smoke meter,
 * a node reads the obscuration there through the fixed sensor model (traces/sensor-model.ts) and
 * runs the whole recording from clean air; its alarm time is compared with every commercial alarm
 * of that station that has an activation time (photoelectric and ionisation alike, listed apart).
 * Nothing is fitted to a recording. `settings` overrides firmware defaults (leave-one-test-out
 * tries other values through it); without it the node's config names the channel and nothing else.
 */
export interface NistRow {
  test: string;
  station: string;
  meter: string;
  alarm: string;
  type: AlarmType;
  /** null when no fire thermocouple marks ignition */
  ignitionS: number | null;
  activationS: number;
  /** our alarm's event time, s; null when the node never alarmed */
  alarmS: number | null;
  /** alarmS - activationS: negative = earlier than the commercial alarm */
  lagS: number | null;
  /** an alarm before ignition: a false alarm */
  beforeIgnition: boolean;
  note: string;
}

/** An alarm with an activation time that could not be scored, and why. */
export interface UnscoredAlarm {
  test: string;
  alarm: string;
  reason: string;
}

export interface NistResult {
  rows: NistRow[];
  unscored: UnscoredAlarm[];
  /** tests read / files in the folder */
  testsRead: number;
  files: number;
}

export type SmokeSettings = Partial<Pick<AnalogChannelConfig, 'alarm' | 'pre' | 'verifyS'>>;

export function evaluateNist(
  series: NistSeries,
  fw: FirmwareScript,
  settings: SmokeSettings = {},
  sensor: SensorModel = DEFAULT_SENSOR,
): NistResult {
  const rows: NistRow[] = [];
  const unscored: UnscoredAlarm[] = [];
  for (const test of series.tests) {
    for (const [station, reason] of test.noMeter)
      for (const a of test.alarms.filter((x) => x.station === station))
        unscored.push({ test: test.test, alarm: a.name, reason });
    for (const meter of test.meters.values()) rows.push(...scoreStation(test, meter, fw, settings, sensor));
  }
  return { rows, unscored, testsRead: series.tests.length, files: series.tests.length + series.skipped.length };
}

/**
 * The node's first alarm (event time, s; null if none) on an obscuration outside its chamber
 * (dB/m): the sensor model, then the firmware's compiled script from power-on in clean air.
 */
export function smokeAlarmS(
  obscuration: TraceChannel,
  endS: number,
  fw: FirmwareScript,
  settings: SmokeSettings = {},
  sensor: SensorModel = DEFAULT_SENSOR,
): { alarmS: number | null; errors: string[] } {
  const reading = chamberReading(obscuration, sensor);
  const run = observeNode({
    fw,
    config: {
      id: 'eval',
      key: EVAL_KEY,
      link: { kind: 'serial' },
      channels: [{ name: 'smoke', kind: 'analog', ...settings }],
    },
    inputs: {
      smoke: { value: reading, trace: { source: 'eval', channels: [reading], marks: [] }, atS: 0, perUnit: 1000 },
    },
    durationMs: endS * 1000,
  });
  const alarm = firstOf(run.messages, 'alarm', 'smoke');
  return { alarmS: alarm ? alarm.atMs / 1000 : null, errors: run.errors.map((e) => e.message) };
}

function scoreStation(
  test: NistTest,
  meter: StationMeter,
  fw: FirmwareScript,
  settings: SmokeSettings,
  sensor: SensorModel,
): NistRow[] {
  const { alarmS, errors } = smokeAlarmS(meter.obscuration, test.endS, fw, settings, sensor);
  const ignitionS = test.fire?.ignitionS ?? null;
  return test.alarms
    .filter((a) => a.station === meter.station)
    .map((a) => ({
      test: test.test,
      station: meter.station,
      meter: meter.column,
      alarm: a.name,
      type: a.type,
      ignitionS,
      activationS: a.activationS,
      alarmS,
      lagS: alarmS === null ? null : alarmS - a.activationS,
      beforeIgnition: alarmS !== null && ignitionS !== null && alarmS < ignitionS,
      note: [...errors, meter.note, smokeBeforeIgnition(meter, ignitionS)].filter((n) => n !== '').join('; '),
    }));
}

/**
 * The meter's highest reading before ignition, when it is above the alarm level: the thermocouple
 * rule (5 K) can mark ignition after the first smoke (an ignition source held to the item), and a
 * node alarm then counts as false here although there was smoke. Said, not excused.
 */
function smokeBeforeIgnition(meter: StationMeter, ignitionS: number | null): string {
  if (ignitionS === null) return '';
  const o = meter.obscuration;
  const peak = Math.max(0, ...o.v.filter((_, i) => (o.t[i] as number) < ignitionS));
  return peak * 1000 >= SMOKE_DEFAULTS.alarm
    ? `${meter.column} read ${peak.toFixed(2)} dB/m before ignition / 点火前已有烟`
    : '';
}
