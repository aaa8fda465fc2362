import { spawn } from 'node:child_process';
import { createPublicKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DrillReport } from '../../gateway/reports/drill-report.ts';
import type { MonthlyReport } from '../../gateway/reports/monthly-report.ts';
import { eventsBetween, openReportDb } from '../../gateway/reports/report-source.ts';
import { monthlyReportTopic, type SignedReport, verifyReport } from '../../gateway/reports/signed-report.ts';
import { startMosquitto } from '../../simulator/live/mosquitto.ts';

/**
 * A whole drill end to end through the CLI: `parkwatch sim drill` runs the real gateway
 * process, a Mosquitto cloud and firmware nodes; the drill report and the data folder it
 * leaves are then read as an insurer would (`drill report`, the events on disk).
 */
const BIN = join(import.meta.dirname, '..', '..', 'bin', 'parkwatch.js');
let dir = '';
let simOut = '';

function cli(args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: dir,
      env: { ...process.env, PW_TZ: 'Asia/Shanghai' },
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('exit', (code) => resolve({ code, out }));
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pw-drill-'));
  const run = await cli(['sim', 'drill', '--keep', join(dir, 'data'), '--report', join(dir, 'sim-report.json')]);
  simOut = run.out;
  expect(run.code, run.out).toBe(0);
}, 240_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('a drill run end to end', { timeout: 120_000 }, () => {
  it('marks the alarm and its acknowledgement drill in the cloud and the log, and leaves others alone', () => {
    expect(simOut).toMatch(/alarm in the cloud: gw1:\d+ drill=\{"id":1,"scenario":"fire"\}/);
    const db = openReportDb(join(dir, 'data'));
    try {
      const events = eventsBetween(db, 0, Date.now() + 1);
      const alarms = events.filter((e) => e.kind === 'alarm');
      expect(alarms.length).toBeGreaterThan(0);
      for (const a of alarms) expect(a.drill, a.id).toEqual({ id: 1, scenario: 'fire' });
      const acks = events.filter((e) => e.kind === 'acknowledge');
      expect(acks.map((e) => e.drill?.id)).toEqual([1]);
      const others = events.filter((e) => e.placement?.enterprise === 'bystander-co');
      expect(others.length).toBeGreaterThan(0);
      for (const e of others) expect(e.drill).toBeUndefined();
    } finally {
      db.close();
    }
  });

  it('writes a drill report: who acknowledged after how long, escalation reached, a score', async () => {
    const sim = JSON.parse(readFileSync(join(dir, 'sim-report.json'), 'utf8')) as DrillReport;
    const out = join(dir, 'drill-1.json');
    const run = await cli(['drill', 'report', '1', '--out', out, '--data', join(dir, 'data')]);
    expect(run.code, run.out).toBe(0);
    const report = JSON.parse(readFileSync(out, 'utf8')) as DrillReport;
    expect(report.kind).toBe('parkwatch.drill-report');
    expect(report.drill).toMatchObject({ id: 1, enterprise: 'drill-works', scenario: 'fire', startedBy: 'sim:drill' });
    expect(report.drill.stoppedAt).not.toBeNull();
    expect(report.alarms).toHaveLength(1);
    const [alarm] = report.alarms;
    expect(alarm).toMatchObject({ node: 'drill-0001', count: 'drill', acknowledgedBy: 'cloud:enterprise-safety' });
    expect(alarm.ackS).toBeGreaterThanOrEqual(0);
    expect(alarm.escalation).toEqual(['enterprise']);
    expect(report.responders).toEqual([expect.objectContaining({ by: 'cloud:enterprise-safety', acknowledged: 1 })]);
    expect(report.parties.map((p) => [p.level, p.told])).toEqual([
      ['enterprise', 1],
      ['security', 0],
      ['duty', 0],
    ]);
    // the fire still burns when the drill stops: closure is lost, the rest is full marks
    expect(report.score.items.map((i) => [i.item, i.got])).toEqual([
      ['detection', 30],
      ['acknowledgement', 40],
      ['escalation', 15],
      ['closure', 0],
    ]);
    expect(report.score).toMatchObject({ total: 85, grade: 'good' });
    expect(report.findings.join('\n')).toMatch(/not cleared or reset when the drill stopped/);
    expect(sim.score).toEqual(report.score);
  });

  it('prints the report as a Chinese-first page in the AQ/T 9009 layout', async () => {
    const out = join(dir, 'drill-1.html');
    const run = await cli(['drill', 'report', '1', '--out', out, '--data', join(dir, 'data')]);
    expect(run.code, run.out).toBe(0);
    const html = readFileSync(out, 'utf8');
    const sections = [
      '一、演练基本情况',
      '二、演练执行情况',
      '三、各方响应情况',
      '四、演练评估',
      '五、存在问题与改进建议',
    ];
    let at = 0;
    for (const s of sections) {
      const i = html.indexOf(s);
      expect(i, s).toBeGreaterThan(at);
      at = i;
    }
    expect(html.indexOf('应急演练评估报告')).toBeLessThan(html.indexOf('Emergency drill evaluation report'));
    expect(html).toContain('cloud:enterprise-safety');
    expect(html).toContain('良好 / good');
    expect(html).not.toMatch(/key_hex|keyHex|password/i);
  });

  it('counts the drill alarm as drill, never real, in the monthly report, with the drill and its score', async () => {
    const month = monthOf(Date.now());
    const out = join(dir, 'monthly.json');
    const run = await cli(['report', 'monthly', '--month', month, '--out', out, '--data', join(dir, 'data')]);
    expect(run.code, run.out).toBe(0);
    const report = JSON.parse(readFileSync(out, 'utf8')) as MonthlyReport;
    const works = report.enterprises.find((e) => e.enterprise === 'drill-works');
    expect(works?.alarms).toEqual({ real: 0, false: 0, test: 0, drill: 1 });
    expect(works?.drills).toEqual([expect.objectContaining({ id: 1, score: 85, grade: 'good' })]);
    expect(works?.nodes.map((n) => [n.node, n.alarms])).toEqual([
      ['drill-0001', 0],
      ['drill-0002', 0],
    ]);
    // the drill was held this month and nothing real happened
    expect(works?.risk).toMatchObject({ tier: 'low', points: 0 });
    const bystander = report.enterprises.find((e) => e.enterprise === 'bystander-co');
    expect(bystander?.alarms.drill).toBe(0);
    expect(bystander?.risk.reasons).toEqual(['no_drill_in_6_months']);
    // privacy: no node key anywhere in what the insurer gets
    const keys = nodeKeys();
    expect(keys).toHaveLength(3);
    for (const k of keys) expect(readFileSync(out, 'utf8')).not.toContain(k);
  });

  it('prints the month Chinese first, English by the switch, and as a PDF through Chromium', async () => {
    const month = monthOf(Date.now());
    const data = ['--data', join(dir, 'data')];
    for (const [file, lang] of [
      ['monthly.html', 'zh'],
      ['monthly-en.html', 'en'],
    ])
      expect(
        (await cli(['report', 'monthly', '--month', month, '--out', join(dir, file), '--lang', lang, ...data])).code,
      ).toBe(0);
    const zh = readFileSync(join(dir, 'monthly.html'), 'utf8');
    expect(zh).toContain('<html lang="zh-CN">');
    expect(zh).toContain('园区风险与服务月报');
    expect(zh).toMatch(/<svg [^>]*role="img">/);
    const en = readFileSync(join(dir, 'monthly-en.html'), 'utf8');
    expect(en).toContain('Park risk and service report');
    expect(en).not.toContain('园区风险与服务月报');
    const pdf = join(dir, 'monthly.pdf');
    const run = await cli(['report', 'monthly', '--month', month, '--out', pdf, ...data]);
    expect(run.code, run.out).toBe(0);
    const bytes = readFileSync(pdf);
    expect(bytes.subarray(0, 5).toString()).toBe('%PDF-');
    expect(bytes.length).toBeGreaterThan(10_000);
    for (const k of nodeKeys()) expect(zh).not.toContain(k);
  });

  it('publishes the report to the cloud as a retained message signed with the gateway key', async () => {
    const cloud = await startMosquitto();
    try {
      const month = monthOf(Date.now());
      const config = join(dir, 'gateway.yaml');
      writeFileSync(
        config,
        [`dataDir: ${join(dir, 'data')}`, 'gatewayId: gw1', 'parkId: sim', `cloud: { url: ${cloud.url} }`].join('\n'),
      );
      const run = await cli([
        'report',
        'monthly',
        '--month',
        month,
        '--enterprise',
        'drill-works',
        '--out',
        join(dir, 'pub.json'),
        '--publish',
        '--config',
        config,
      ]);
      expect(run.code, run.out).toBe(0);
      const topic = monthlyReportTopic('sim', 'gw1', month, 'drill-works');
      // a receiver that connects later still gets it (retained)
      const client = await mqtt.connectAsync(cloud.url);
      const got = new Promise<Buffer>((resolve) => client.on('message', (_t, payload) => resolve(payload)));
      await client.subscribeAsync(topic, { qos: 1 });
      const signed = JSON.parse((await got).toString()) as SignedReport<MonthlyReport>;
      await client.endAsync();
      expect(signed.report.enterprises.map((e) => e.enterprise)).toEqual(['drill-works']);
      const pem = await cli(['log', 'pubkey', '--data', join(dir, 'data')]);
      const key = createPublicKey(pem.out);
      expect(verifyReport(signed, key)).toBe(true);
      // one changed figure and the signature no longer holds
      signed.report.enterprises[0].alarms.real = 1;
      expect(verifyReport(signed, key)).toBe(false);
    } finally {
      await cloud.dispose();
    }
  });
});

/** YYYY-MM of a moment in China Standard Time (the report's months). */
function monthOf(ms: number): string {
  return new Date(ms + 8 * 3_600_000).toISOString().slice(0, 7);
}

function nodeKeys(): string[] {
  const db = openReportDb(join(dir, 'data'));
  try {
    return (db.prepare('SELECT key_hex FROM nodes').all() as { key_hex: string }[]).map((r) => r.key_hex);
  } finally {
    db.close();
  }
}
