import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from '../cli/args.ts';
import { renderTable } from '../cli/text-table.ts';
import { loadFirmwareScript } from '../firmware-script.ts';
import { evaluateNist, type NistRow } from './nist-eval.ts';
import { ALARM_LEVEL_M, evaluateWater, type WaterRow } from './water-eval.ts';

/** Default data: the copy of ../shared/data the repository ships. */
export const DEFAULT_DATA = new URL('../data', import.meta.url).pathname;
/** The target from the issue: worst lag against the commercial alarm. */
const TARGET_LAG_S = 10;

export interface EvalSummary {
  detected: number;
  total: number;
  medianLeadS: number | null;
  worstLagS: number | null;
  falseAlarms: number;
}

export function summarize(nist: NistRow[], water: WaterRow[]): EvalSummary {
  const detected = nist.filter((r) => r.lagS !== null);
  const leads = detected.map((r) => -(r.lagS as number)).sort((a, b) => a - b);
  const mid = leads.length >> 1;
  const median =
    leads.length === 0
      ? null
      : leads.length % 2
        ? (leads[mid] as number)
        : ((leads[mid - 1] as number) + (leads[mid] as number)) / 2;
  return {
    detected: detected.length,
    total: nist.length,
    medianLeadS: median,
    worstLagS: detected.length === 0 ? null : Math.max(...detected.map((r) => r.lagS as number)),
    falseAlarms: nist.filter((r) => r.beforeIgnition).length + water.reduce((n, r) => n + r.falseAlarms, 0),
  };
}

const fmt = (v: number | null, digits = 0) => (v === null ? '-' : v.toFixed(digits));

export async function runEval(args: string[]): Promise<number> {
  try {
    return await evaluate(args);
  } catch (err) {
    // a broken data file: say which file and line (the importers put them in the message)
    console.error(`评估失败 / eval failed: ${(err as Error).message}`);
    return 1;
  }
}

async function evaluate(args: string[]): Promise<number> {
  const { values } = parseArgs(args, ['data']);
  const data = values.get('data') ?? DEFAULT_DATA;
  if (!existsSync(data)) {
    console.error(`数据目录不存在 / data folder not found: ${data}`);
    return 1;
  }
  const fw = await loadFirmwareScript();
  const nistDir = join(data, 'nist-smoke-alarms');
  const waterDir = join(data, 'open-water-level');
  let nist: NistRow[] = [];
  let water: WaterRow[] = [];
  if (existsSync(nistDir)) {
    nist = evaluateNist(nistDir, fw);
    console.log(`烟雾 / smoke: NIST ${nistDir} (固件默认设置 / firmware defaults)\n`);
    console.log(
      renderTable(
        ['test', 'column', 'kind', 'ignition s', 'commercial s', 'ours s', 'lag s', 'pre-ign.', 'note'],
        nist.map((r) => [
          r.test,
          r.column,
          r.kind,
          r.ignitionS,
          r.activationS,
          fmt(r.alarmS),
          r.lagS === null ? '-' : `${r.lagS > 0 ? '+' : ''}${r.lagS.toFixed(0)}`,
          r.beforeIgnition ? 'FALSE ALARM' : '',
          r.note,
        ]),
      ),
    );
  } else console.log(`跳过 / skipped: ${nistDir} not found (no NIST smoke data)`);
  if (existsSync(waterDir)) {
    water = evaluateWater(waterDir, fw);
    console.log(`\n水位 / water: Open-Water-Level vs NOAA 8658120, alarm level ${ALARM_LEVEL_M} m NAVD88\n`);
    console.log(
      renderTable(
        [
          'device',
          'episodes',
          'sensor reached',
          'detected',
          'alarms',
          'false',
          'by echo',
          'by y2000',
          'other',
          'unjudged',
          'note',
        ],
        water.map((r) => [
          r.device,
          r.episodes,
          r.reached,
          r.detected,
          r.alarms,
          r.falseAlarms,
          r.byEcho,
          r.byYear2000,
          r.otherFalse,
          r.unjudged,
          r.note,
        ]),
      ),
    );
  } else console.log(`\n跳过 / skipped: ${waterDir} not found (no water-level data)`);
  const s = summarize(nist, water);
  const late = nist.filter((r) => r.lagS === null || r.lagS > TARGET_LAG_S);
  if (late.length > 0) {
    console.log(
      `\n未达目标 (漏报或滞后 > ${TARGET_LAG_S} s) / missed the target (not detected or lag > ${TARGET_LAG_S} s):`,
    );
    for (const r of late)
      console.log(
        `  ${r.test}-${r.alarm}: ${r.lagS === null ? 'not detected' : `+${r.lagS.toFixed(0)} s`}${r.note === '' ? '' : ` (${r.note})`}`,
      );
  }
  console.log(
    `\ndetected ${s.detected}/${s.total}, median lead ${fmt(s.medianLeadS, 1)} s, worst lag ${fmt(s.worstLagS)} s, false alarms ${s.falseAlarms}`,
  );
  return 0;
}
