import type { FirmwareScript } from '../firmware-script.ts';
import type { NistSeries } from '../traces/nist.ts';
import { evaluateNist, type NistRow, type SmokeSettings } from './nist-eval.ts';
import { evaluateNuisance } from './nuisance-eval.ts';
import { summarizeSmoke } from './smoke-summary.ts';

/**
 * How far a setting picked from these recordings carries over to a fire it was not picked on.
 * For each candidate (alarm level x verification time) the whole series and the nuisance set are
 * run once; then
 *   - in-sample: the candidate picked on every test, scored on every test;
 *   - leave-one-test-out: for each test, the candidate picked on the other tests, scored on it.
 * Picking rule, in order: fewest false alarms (node alarms before ignition + nuisance alarms), then
 * most commercial alarms matched within +10 s, then the largest median lead, then the
 * firmware default. The activation times enter only through that score.
 */
export const CANDIDATES: Required<Pick<SmokeSettings, 'alarm' | 'verifyS'>>[] = [100, 150, 200].flatMap((alarm) =>
  [4, 8].map((verifyS) => ({ alarm, verifyS })),
);

export interface LeaveOneOut {
  inSample: { pick: string; rows: NistRow[]; nuisanceAlarms: number };
  crossValidated: { rows: NistRow[]; picks: { test: string; pick: string }[] };
}

interface Candidate {
  label: string;
  rows: NistRow[];
  nuisanceAlarms: number;
  isDefault: boolean;
}

export const settingLabel = (s: { alarm: number; verifyS: number }) =>
  `alarm ${s.alarm / 1000} dB/m, verify ${s.verifyS} s`;

export function leaveOneTestOut(series: NistSeries, fw: FirmwareScript, defaults: SmokeSettings): LeaveOneOut {
  const candidates: Candidate[] = CANDIDATES.map((c) => ({
    label: settingLabel(c),
    rows: evaluateNist(series, fw, c).rows,
    nuisanceAlarms: evaluateNuisance(fw, c).filter((n) => n.alarmS !== null).length,
    isDefault: c.alarm === defaults.alarm && c.verifyS === defaults.verifyS,
  }));
  const pick = (tests: Set<string>): Candidate => {
    const score = (c: Candidate) => {
      const s = summarizeSmoke(c.rows.filter((r) => tests.has(r.test)));
      return [-(s.beforeIgnition + c.nuisanceAlarms), s.withinTarget, s.medianLeadS ?? -1e9, c.isDefault ? 1 : 0];
    };
    return candidates.reduce((best, c) => (compare(score(c), score(best)) > 0 ? c : best));
  };
  const all = new Set(series.tests.map((t) => t.test));
  const inSample = pick(all);
  const picks = series.tests.map((t) => {
    const chosen = pick(new Set([...all].filter((x) => x !== t.test)));
    return { test: t.test, chosen };
  });
  return {
    inSample: { pick: inSample.label, rows: inSample.rows, nuisanceAlarms: inSample.nuisanceAlarms },
    crossValidated: {
      rows: picks.flatMap((p) => p.chosen.rows.filter((r) => r.test === p.test)),
      picks: picks.map((p) => ({ test: p.test, pick: p.chosen.label })),
    },
  };
}

function compare(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return (a[i] as number) - (b[i] as number);
  return 0;
}
