import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_DATA } from '../../simulator/eval/eval-cli.ts';
import { type FirmwareScript, loadFirmwareScript } from '../../simulator/firmware-script.ts';
import { passed } from '../../simulator/report/run-result.ts';
import { loadScenario } from '../../simulator/scenario/load.ts';
import { runScenarioFile } from '../../simulator/scenario/run.ts';

/**
 * Every in-process scenario shipped in simulator/scenarios/ runs with the compiled firmware and
 * must meet its expectations. (live-park.yaml runs in live.test.ts: real processes, real time.)
 */
const DIR = 'simulator/scenarios';
const files = readdirSync(DIR)
  .filter((f) => /\.ya?ml$|\.json$/.test(f))
  .map((f) => join(DIR, f))
  .filter((f) => loadScenario(f).mode === 'inprocess');

let fw: FirmwareScript;
beforeAll(async () => {
  fw = await loadFirmwareScript();
}, 120_000);

describe('shipped in-process scenarios', () => {
  it('covers every in-process fault kind', () => {
    const kinds = new Set(files.flatMap((f) => loadScenario(f).faults.map((x) => x.kind)));
    expect([...kinds].sort()).toEqual([
      'gateway_kill',
      'local_broker_down',
      'power_cut',
      'sensor_stuck',
      'serial_unplug',
      'wifi_drop',
    ]);
  });

  for (const file of files) {
    it(file, async () => {
      const r = await runScenarioFile(file, { dataDir: DEFAULT_DATA, fw });
      const failed = r.results.filter((x) => !x.ok).map((x) => `${x.label}: ${x.detail}`);
      expect({ error: r.error, failed, notes: r.timeline?.notes }).toEqual({ error: undefined, failed: [], notes: [] });
      expect(passed(r)).toBe(true);
    });
  }
});
