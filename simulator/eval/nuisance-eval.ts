import type { FirmwareScript } from '../firmware-script.ts';
import { NUISANCE_SOURCES, nuisanceObscuration } from '../traces/nuisance.ts';
import type { SensorModel } from '../traces/sensor-model.ts';
import { type SmokeSettings, smokeAlarmS } from './nist-eval.ts';

/** One generated nuisance source run through the sensor model and the firmware: any alarm is false. */
export interface NuisanceRow {
  name: string;
  durationS: number;
  peakDbm: number;
  /** first alarm, s; null = none (the right answer) */
  alarmS: number | null;
  source: string;
}

export function evaluateNuisance(
  fw: FirmwareScript,
  settings: SmokeSettings = {},
  sensor?: SensorModel,
): NuisanceRow[] {
  return NUISANCE_SOURCES.map((n) => {
    const obscuration = nuisanceObscuration(n);
    const durationS = obscuration.t[obscuration.t.length - 1] as number;
    return {
      name: n.name,
      durationS,
      peakDbm: Math.max(...obscuration.v),
      alarmS: smokeAlarmS(obscuration, durationS, fw, settings, sensor).alarmS,
      source: n.source,
    };
  });
}
