import { appendFileSync, cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { DEFAULT_DATA, runEval } from '../../simulator/eval/eval-cli.ts';
import { buildEvalReport, type EvalReport } from '../../simulator/eval/eval-report.ts';
import { FIGURE_FILES, figureBlock, withBlock } from '../../simulator/eval/readme-figures.ts';
import { summarizeSmoke } from '../../simulator/eval/smoke-summary.ts';
import { type FirmwareScript, loadFirmwareScript } from '../../simulator/firmware-script.ts';

let fw: FirmwareScript;
let report: EvalReport;
beforeAll(async () => {
  fw = await loadFirmwareScript();
  report = buildEvalReport(DEFAULT_DATA, fw);
}, 600_000);

async function evalOutput(data: string): Promise<{ status: number; out: string; err: string }> {
  const log = vi.spyOn(console, 'log').mockImplementation(() => {});
  const error = vi.spyOn(console, 'error').mockImplementation(() => {});
  const status = await runEval(['--data', data]);
  const out = log.mock.calls.map((c) => String(c[0])).join('\n');
  const err = error.mock.calls.map((c) => String(c[0])).join('\n');
  log.mockRestore();
  error.mockRestore();
  return { status, out, err };
}

describe('sim eval', () => {
  it('scores every commercial alarm with an activation time at a station with a smoke meter, and lists the rest', () => {
    const { rows, unscored } = report.nist;
    expect(rows).toHaveLength(139);
    expect(rows.filter((r) => r.type === 'photo')).toHaveLength(49);
    expect(unscored.map((u) => `${u.test}-${u.alarm}`)).toEqual(['SDC10-Ion2E', 'SDC10-Ion4E', 'SDC10-Pho2E']);
    // one node per station: its alarm time is the same for every commercial alarm there
    const sdc02b = rows.filter((r) => r.test === 'SDC02' && r.station === 'B');
    expect(new Set(sdc02b.map((r) => r.alarmS)).size).toBe(1);
    // a node alarm before ignition is counted once per station, and its row says the meter already read smoke
    const early = rows.filter((r) => r.beforeIgnition);
    expect(summarizeSmoke(rows).beforeIgnition).toBe(new Set(early.map((r) => `${r.test}-${r.station}`)).size);
    for (const r of early) expect(r.note).toMatch(/read \d\.\d\d dB\/m before ignition/);
  });

  it('runs the generated nuisance sources and counts any alarm as false', () => {
    expect(report.nuisance.map((n) => n.name)).toEqual([
      'cooking-broil',
      'cooking-bursts',
      'steam',
      'dust',
      'welding-bay',
    ]);
    for (const n of report.nuisance) expect(n.source).not.toBe('');
    const falseLine = report.summary.find((l) => l.startsWith('false alarms')) as string;
    const fired = report.nuisance.filter((n) => n.alarmS !== null).length;
    expect(falseLine).toContain(`${fired} of 5 nuisance sources`);
  });

  it("scores the water sensors against the gauge, naming the echo and year-2000 alarms and each sensor's spread", () => {
    const rows = report.water.rows;
    expect(rows.map((r) => r.device)).toEqual([
      'waterLevel_0000',
      'waterLevel_0001',
      'waterLevel_0002',
      'waterLevel_0003',
    ]);
    expect(rows[2]).toMatchObject({ reached: 3, detected: 3, falseAlarms: 0 });
    expect(rows[1]).toMatchObject({ reached: 1, detected: 1, byEcho: 2, otherFalse: 0 });
    expect(rows[3]).toMatchObject({ reached: 1, detected: 1, alarms: 1, falseAlarms: 0 });
    for (const r of rows) {
      expect(r.falseAlarms).toBe(r.byEcho + r.byYear2000 + r.otherFalse);
      expect(r.note).toMatch(/vs gauge at high tide: median -?\d\.\d\d m, 10-90 % -?\d\.\d\d\.\.-?\d\.\d\d m/);
    }
  });

  it('keeps the summary line, then gives the denominators', () => {
    const [first, smoke] = report.summary;
    expect(first).toMatch(/^detected \d+\/139, median lead -?[\d.]+ s, worst lag \d+ s, false alarms \d+$/);
    expect(smoke).toMatch(
      /^smoke: 139 of 142 commercial alarms .* 3 unscored .* 8 of 8 test files read, 37 station runs$/,
    );
    const text = report.summary.join('\n');
    expect(text).toMatch(/leave-one-test-out \(picked on the other tests\): detected \d+\/139/);
    expect(text).toMatch(/\d+ water alarms unjudged/);
    expect(text).toMatch(/water: detected \d+ of the \d+ high waters a sensor itself read, of \d+ sensor-episodes/);
  });

  it('README.md and docs/simulator.md carry exactly the figures `sim eval` prints', () => {
    const block = figureBlock(report.summary);
    for (const file of FIGURE_FILES) {
      const text = readFileSync(file, 'utf8');
      expect(withBlock(text, block), `${file}: run npx tsx simulator/eval/readme-figures.ts --write`).toBe(text);
    }
  });

  it('reports a broken file with its reason, scores the rest, skips a missing subfolder, and exits 0', async () => {
    const data = mkdtempSync(join(tmpdir(), 'pw-eval-bad-'));
    const dir = join(data, 'nist-smoke-alarms');
    cpSync('simulator/data/nist-smoke-alarms', dir, { recursive: true });
    appendFileSync(join(dir, 'NIST_Smoke_Alarms_SDC05.csv'), '2.07E+02,oops\n');
    // a test with no activation times and no TIME column: skipped whole, nothing else lost
    const sdc02 = readFileSync(join(dir, 'NIST_Smoke_Alarms_SDC02.csv'), 'utf8');
    writeFileSync(join(dir, 'NIST_Smoke_Alarms_SDC99.csv'), sdc02.replace('TIME,', 'T,'));
    const { status, out } = await evalOutput(data);
    expect(status).toBe(0);
    expect(out).toMatch(/skipped: .*open-water-level not found/);
    expect(out).toMatch(/^water: not run \(no water-level data\)$/m);
    expect(out).toMatch(/1 row\(s\) without \d+ cells dropped \(first: line 43, 2 cells\)/);
    expect(out).toMatch(/file skipped: .*NIST_Smoke_Alarms_SDC99\.csv: .*no usable TIME column/);
    expect(out).toMatch(/^smoke: 139 of 142 .* 8 of 9 test files read/m);
    expect(out).toMatch(/^detected \d+\/139, median lead -?[\d.]+ s, worst lag \d+ s, false alarms \d+$/m);
  }, 600_000);

  it('exits 1 only when the data folder is missing', async () => {
    const { status, err } = await evalOutput(join(tmpdir(), 'pw-no-such-folder'));
    expect(status).toBe(1);
    expect(err).toMatch(/data folder not found/);
  });
});
