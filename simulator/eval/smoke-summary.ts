import type { NistRow } from './nist-eval.ts';

/** The target from the issue: our alarm no later than this after the commercial alarm. */
export const TARGET_LAG_S = 10;

export interface SmokeSummary {
  /** commercial alarms scored / detected by our node / within TARGET_LAG_S */
  total: number;
  detected: number;
  withinTarget: number;
  medianLeadS: number | null;
  worstLagS: number | null;
  /** node alarms before ignition, counted once per station run (not per commercial alarm) */
  beforeIgnition: number;
}

export function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const v = [...values].sort((a, b) => a - b);
  const mid = v.length >> 1;
  return v.length % 2 ? (v[mid] as number) : ((v[mid - 1] as number) + (v[mid] as number)) / 2;
}

export function summarizeSmoke(rows: NistRow[]): SmokeSummary {
  const lags = rows.filter((r) => r.lagS !== null).map((r) => r.lagS as number);
  const lead = median(lags.map((l) => -l));
  return {
    total: rows.length,
    detected: lags.length,
    withinTarget: lags.filter((l) => l <= TARGET_LAG_S).length,
    medianLeadS: lead === null ? null : lead + 0,
    worstLagS: lags.length === 0 ? null : Math.max(...lags),
    beforeIgnition: new Set(rows.filter((r) => r.beforeIgnition).map((r) => `${r.test}-${r.station}`)).size,
  };
}

export const fmt = (v: number | null, digits = 0): string => (v === null ? '-' : (v + 0).toFixed(digits));

/** "detected 59/71 (33 within +10 s), median lead -8.0 s, worst lag 54 s, 0 before ignition" */
export function smokeLine(s: SmokeSummary): string {
  return `detected ${s.detected}/${s.total} (${s.withinTarget} within +${TARGET_LAG_S} s), median lead ${fmt(s.medianLeadS, 1)} s, worst lag ${fmt(s.worstLagS)} s, ${s.beforeIgnition} before ignition`;
}
