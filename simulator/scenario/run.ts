import { type FirmwareScript, loadFirmwareScript } from '../firmware-script.ts';
import { runInProcess } from '../inprocess/world.ts';
import type { RunResult } from '../report/run-result.ts';
import { checkExpectation } from './expectations.ts';
import { loadScenario, ScenarioError } from './load.ts';

/** Runs one scenario file in its mode and checks its expectations. Never throws. */
export interface RunOptions {
  dataDir: string;
  fw?: FirmwareScript;
  onProgress?: (fraction: number) => void;
}

export async function runScenarioFile(file: string, o: RunOptions): Promise<RunResult> {
  let name = file;
  try {
    const scenario = loadScenario(file);
    name = scenario.name;
    const fw = o.fw ?? (await loadFirmwareScript());
    const ctx = { file, dataDir: o.dataDir, fw, onProgress: o.onProgress };
    const timeline =
      scenario.mode === 'live'
        ? await (await import('../live/live-world.ts')).runLive(scenario, ctx)
        : await runInProcess(scenario, ctx);
    return { file, name, timeline, results: scenario.expect.map((e) => checkExpectation(e, timeline)) };
  } catch (err) {
    const message = err instanceof ScenarioError ? err.message : `${file}: ${(err as Error).stack ?? err}`;
    return { file, name, results: [], error: message };
  }
}
