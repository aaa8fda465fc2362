import { appendFileSync, cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { runEval, summarize } from '../../simulator/eval/eval-cli.ts';
import { evaluateNist, type NistRow } from '../../simulator/eval/nist-eval.ts';
import { evaluateWater } from '../../simulator/eval/water-eval.ts';
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
    // the one column whose logged output had not moved when its alarm went off says so
    const noted = rows.filter((r) => r.note !== '');
    expect(noted.map((r) => `${r.test}-${r.column}`)).toEqual(['SDC07-Ion4B']);
    expect(noted[0]?.note).toMatch(/logged output still at clean air at activation \(856, clean air 853\.6/);
  });

  it("scores the water sensors against the gauge, naming the echo and year-2000 alarms and each sensor's spread", () => {
    const rows = evaluateWater('simulator/data/open-water-level', fw);
    expect(rows.map((r) => r.device)).toEqual([
      'waterLevel_0000',
      'waterLevel_0001',
      'waterLevel_0002',
      'waterLevel_0003',
    ]);
    // the sensor that agrees best with the gauge catches every high water it saw, with no false alarm
    expect(rows[2]).toMatchObject({ reached: 3, detected: 3, falseAlarms: 0 });
    // its hourly reading an hour after the gauge's peak is that high water, not a false alarm
    expect(rows[1]).toMatchObject({ reached: 1, detected: 1, byEcho: 2, otherFalse: 0 });
    // its one high water, with the reading held past the episode: one alarm, not a second one from a
    // window that starts in the middle of that held reading
    expect(rows[3]).toMatchObject({ reached: 1, detected: 1, alarms: 1, falseAlarms: 0 });
    for (const r of rows) {
      expect(r.falseAlarms).toBe(r.byEcho + r.byYear2000 + r.otherFalse);
      expect(r.note).toMatch(/vs gauge at high tide: median -?\d\.\d\d m, 10-90 % -?\d\.\d\d\.\.-?\d\.\d\d m/);
    }
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
