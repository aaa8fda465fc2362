import { appendFileSync, cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { runEval, summarize } from '../../simulator/eval/eval-cli.ts';
import { evaluateNist, type NistRow } from '../../simulator/eval/nist-eval.ts';
import { type FirmwareScript, loadFirmwareScript } from '../../simulator/firmware-script.ts';

let fw: FirmwareScript;
beforeAll(async () => {
  fw = await loadFirmwareScript();
}, 120_000);

describe('sim eval', () => {
  it('runs every NIST alarm column with an activation time through the firmware defaults', () => {
    const rows = evaluateNist('simulator/data/nist-smoke-alarms', fw);
    expect(rows).toHaveLength(53);
    // every fire is detected and nothing alarms before ignition (the target's other two parts are reported, not asserted)
    expect(rows.filter((r) => r.alarmS === null)).toEqual([]);
    expect(rows.filter((r) => r.beforeIgnition)).toEqual([]);
    expect(rows.filter((r) => r.note !== '')).toEqual([]);
  });

  it('summarizes lead, worst lag and false alarms', () => {
    const row = (lagS: number | null, beforeIgnition = false): NistRow => ({
      test: 'T',
      column: 'Pho1A',
      alarm: 'Pho1A',
      kind: 'photo',
      ignitionS: 10,
      activationS: 100,
      alarmS: lagS === null ? null : 100 + lagS,
      prealarmS: null,
      lagS,
      beforeIgnition,
      note: '',
    });
    const s = summarize([row(-10), row(4), row(-2), row(null), row(-95, true)], []);
    expect(s).toEqual({ detected: 4, total: 5, medianLeadS: 6, worstLagS: 4, falseAlarms: 1 });
  });

  it('skips a missing data subfolder with a message', async () => {
    const data = mkdtempSync(join(tmpdir(), 'pw-eval-'));
    cpSync('simulator/data/nist-smoke-alarms', join(data, 'nist-smoke-alarms'), { recursive: true });
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const status = await runEval(['--data', data]);
    const printed = log.mock.calls.map((c) => String(c[0])).join('\n');
    log.mockRestore();
    expect(status).toBe(0);
    expect(printed).toMatch(/skipped: .*open-water-level not found/);
    expect(printed).toMatch(/detected 53\/53, median lead -?[\d.]+ s, worst lag \d+ s, false alarms 0/);
  });

  it('names the file and line of a broken data file and exits 1', async () => {
    const data = mkdtempSync(join(tmpdir(), 'pw-eval-bad-'));
    cpSync('simulator/data/nist-smoke-alarms', join(data, 'nist-smoke-alarms'), { recursive: true });
    appendFileSync(join(data, 'nist-smoke-alarms', 'NIST_Smoke_Alarms_SDC05.csv'), '2.07E+02,oops\n');
    const err = vi.spyOn(console, 'error').mockImplementation(() => {});
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const status = await runEval(['--data', data]);
    const printed = err.mock.calls.map((c) => String(c[0])).join('\n');
    err.mockRestore();
    log.mockRestore();
    expect(status).toBe(1);
    expect(printed).toMatch(/NIST_Smoke_Alarms_SDC05\.csv:\d+: column \w+ is not a number/);
  });
});
