import type { TroubleCode } from '../../protocol/kinds.ts';

/**
 * Which troubles need a person, how severe each is, and how long the enterprise (the owner)
 * has to put it right (issue 14; AQ 9010-2019 asks hazards found to be followed to closure).
 * The table is documented in docs/reports.md; change both together.
 *
 * | cause         | severity | deadline | why                                              |
 * |---------------|----------|----------|--------------------------------------------------|
 * | tamper        | high     | 24 h     | someone opened or removed the detector           |
 * | offline       | high     | 24 h     | the place is not watched at all                  |
 * | sensor_open   | high     | 24 h     | the sensor cannot read (open circuit)            |
 * | sensor_short  | high     | 24 h     | the sensor cannot read (short circuit)           |
 * | battery_low   | medium   | 72 h     | GB 20517-2025: battery fault, still watching     |
 * | false_alarms  | medium   | 7 d      | 3 false alarms on one node within 7 days         |
 * | dirty         | low      | 7 d      | GB 4715-2024 contamination: clean the chamber    |
 */
export type HazardCause =
  | 'tamper'
  | 'offline'
  | 'sensor_open'
  | 'sensor_short'
  | 'battery_low'
  | 'false_alarms'
  | 'dirty';
export type HazardSeverity = 'high' | 'medium' | 'low';

const HOUR = 3_600_000;

export const HAZARD_RULES: Record<HazardCause, { severity: HazardSeverity; deadlineMs: number }> = {
  tamper: { severity: 'high', deadlineMs: 24 * HOUR },
  offline: { severity: 'high', deadlineMs: 24 * HOUR },
  sensor_open: { severity: 'high', deadlineMs: 24 * HOUR },
  sensor_short: { severity: 'high', deadlineMs: 24 * HOUR },
  battery_low: { severity: 'medium', deadlineMs: 72 * HOUR },
  false_alarms: { severity: 'medium', deadlineMs: 7 * 24 * HOUR },
  dirty: { severity: 'low', deadlineMs: 7 * 24 * HOUR },
};

/** Repeated false alarms: this many on one node within the window make a hazard. */
export const FALSE_ALARMS = { count: 3, windowMs: 7 * 24 * HOUR };

/** The hazard a trouble code opens, if it needs a person. */
export function causeOfTrouble(code: TroubleCode | undefined): HazardCause | undefined {
  return code !== undefined && code in HAZARD_RULES ? (code as HazardCause) : undefined;
}

export const CAUSE_TEXT: Record<HazardCause, string> = {
  tamper: '防拆报警 / tamper',
  offline: '节点离线 / node offline',
  sensor_open: '传感器开路 / sensor open circuit',
  sensor_short: '传感器短路 / sensor short circuit',
  battery_low: '电池电量低 / low battery',
  false_alarms: '同一节点多次误报 / repeated false alarms on one node',
  dirty: '探测器脏污需清洁 / detector dirty, needs cleaning',
};
