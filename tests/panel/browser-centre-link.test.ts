import { mkdirSync } from 'node:fs';
import type { MqttClient } from 'mqtt';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserStore } from '../../gateway/panel/users.ts';
import { GbtCentre } from '../../simulator/gbt26875-centre/centre.ts';
import type { NodeClient } from '../../simulator/node-client.ts';
import { metric, until } from '../gateway/support/gateway-rig.ts';
import { launchChromium } from './support/browser.ts';
import { type GatewayWithPanel, OPERATOR, startGatewayWithPanel } from './support/gateway-with-panel.ts';
import { problems } from './support/screen-checks.ts';

/**
 * The GB/T 26875 link to the fire monitoring centre as the people on duty see it, nothing
 * faked: the real Gateway with the centre peer over TCP, a node over MQTT, the wall screen
 * (kiosk, both languages) and an operator's page in Chromium. The centre is stopped: the wall
 * says the link is down with its next try, a fire waits in the queue, and after downTroubleS a
 * gateway trouble is on the wall and a warning over the operator's views; the centre comes
 * back: the fire is confirmed, the link reads normal with the confirm time, the trouble clears.
 */
const OUT = 'test-output/panel/centre-link';
// the wall refreshes on every event and every 15 s; a confirm is no event, so waits allow two refreshes
const REFRESH = { timeout: 40_000 };
let centre: GbtCentre;
let centrePort: number;
let park: GatewayWithPanel;
let browser: Browser;
let wallZh: Page;
let wallEn: Page;
let operator: Page;
let node: NodeClient;
let client: MqttClient;
const pageErrors: string[] = [];

async function metrics(): Promise<string> {
  return (await fetch(`${park.base}/metrics`)).text();
}

const fireFrames = () =>
  centre.received.filter((r) => r.data?.type === 2 && JSON.stringify(r.data).includes('"fire"')).length;

async function kioskPage(url: string, lang: 'zh' | 'en'): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
  const page = await context.newPage();
  page.on('pageerror', (err) => pageErrors.push(err.message));
  await page.addInitScript((l) => localStorage.setItem('pw.lang', l), lang);
  await page.goto(url);
  return page;
}

beforeAll(async () => {
  mkdirSync(OUT, { recursive: true });
  centre = new GbtCentre();
  centrePort = await centre.start();
  park = await startGatewayWithPanel({
    gbt26875: {
      enabled: true,
      port: centrePort,
      deviceAddress: '0a1400650001',
      confirmTimeoutMs: 500,
      retries: 2,
      heartbeatS: 0,
      downTroubleS: 2,
      backoff: { minMs: 200, maxMs: 1000 },
    },
  });
  ({ node, client } = await park.join('smoke-a1', {
    enterprise: '宁德电池',
    site: 'A区',
    zone: '二号车间',
    location: '涂布线东侧',
  }));
  await until(() => centre.received.some((r) => r.data?.type === 21), 15_000, 'device status at the centre');
  const users = UserStore.openInDir(park.gateway.config.dataDir);
  const kioskUrl = `${park.base}/panel/kiosk?token=${users.addKioskToken('控制室大屏')}`;
  users.close();
  browser = await launchChromium();
  wallZh = await kioskPage(kioskUrl, 'zh');
  wallEn = await kioskPage(kioskUrl, 'en');
  operator = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  operator.on('pageerror', (err) => pageErrors.push(err.message));
  await operator.goto(`${park.base}/`);
  await operator.fill('#login-form input[name=name]', OPERATOR.name);
  await operator.fill('#login-form input[name=password]', OPERATOR.password);
  await operator.click('#login-form button[type=submit]');
  await operator.waitForSelector('#live.on');
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await park?.stop();
  await centre?.stop();
});

describe('the fire monitoring centre link on the panel', () => {
  it('reads normal while the centre is up; no warning over the operator views', async () => {
    await wallZh.waitForSelector('#wall-centre');
    expect(await wallZh.textContent('#wall-centre')).toBe('消防监控中心：正常');
    expect(await wallZh.getAttribute('#wall-centre', 'class')).toBe('ok');
    expect(await wallZh.textContent('#wall-centre-queue')).toBe('待送监控中心：0');
    await wallEn.waitForSelector('#wall-centre');
    expect(await wallEn.textContent('#wall-centre')).toBe('Fire monitoring centre：connected');
    expect(await operator.isHidden('#centre-warning')).toBe(true);
    const health = await (await fetch(`${park.base}/healthz`)).json();
    expect(health.gbt26875).toBe('connected');
  });

  it('shows a denial by the centre, and the frame confirmed on its resend', async () => {
    centre.denyNext(1);
    await node.publish(client, node.wire('trouble', 'smoke', { code: 'dirty' }));
    await expect.poll(async () => metric(await metrics(), 'parkwatch_gbt_confirmed_total{lane="other"}')).toBe(2);
    expect(metric(await metrics(), 'parkwatch_gbt_denied_total{lane="other"}')).toBe(1);
    // the trouble is an event: the wall fetches the overview again; the denial may land after that fetch
    await expect.poll(() => wallZh.textContent('#wall-centre-denied').catch(() => null), REFRESH).toBe('被中心否认：1');
    // confirmed on the resend: for the record, not a fault
    expect(await wallZh.getAttribute('#wall-centre-denied', 'class')).toBe('ok');
  }, 60_000);

  it('says the link is down with its next try, queues a fire, then raises a trouble and warns operators', async () => {
    await centre.stop();
    await node.publish(client, node.alarm('smoke', 900));
    // the trouble after downTroubleS is an event: every screen reads the overview again
    await wallZh.waitForSelector('.wall-alarm.p-trouble >> text=消防监控中心链路中断', REFRESH);
    // the fire, and the device status that tells the centre of its own link trouble once it is back
    await expect.poll(() => wallZh.textContent('#wall-centre-queue'), REFRESH).toBe('待送监控中心：2 · 火警 1');
    expect(await wallZh.textContent('#wall-centre')).toMatch(
      /^消防监控中心：(断开，等待重连 · \d+秒后重试|正在连接) · 已中断\d+秒$/,
    );
    expect(await wallZh.getAttribute('#wall-centre', 'class')).toBe('bad');
    expect(await wallZh.textContent('#wall-centre-oldest')).toMatch(/^最早未确认：\d+秒$/);
    expect(await problems(wallZh, 'zh')).toEqual([]);
    await wallZh.screenshot({ path: `${OUT}/wall-down-zh.png` });

    await wallEn.waitForSelector('.wall-alarm.p-trouble >> text=fire monitoring centre link down', REFRESH);
    await expect
      .poll(() => wallEn.textContent('#wall-centre-queue'), REFRESH)
      .toBe('Waiting for the centre：2 · Fire 1');
    expect(await wallEn.textContent('#wall-centre')).toMatch(/down for \d+\s*s(ec)?/);
    expect(await problems(wallEn, 'en')).toEqual([]);
    await wallEn.screenshot({ path: `${OUT}/wall-down-en.png` });

    await operator.waitForSelector('#centre-warning:not([hidden])', REFRESH);
    await expect.poll(() => operator.textContent('#centre-warning'), REFRESH).toContain('火警暂时无法送达监控中心');
    expect(await operator.textContent('#centre-warning')).toContain('待送监控中心 2 · 火警 1');
    expect(await problems(operator, 'zh')).toEqual([]);
    await operator.screenshot({ path: `${OUT}/operator-down-zh.png` });

    const m = await metrics();
    expect(metric(m, 'parkwatch_gbt_connected')).toBe(0);
    expect(metric(m, 'parkwatch_gbt_down_seconds')).toBeGreaterThan(0);
    expect(metric(m, 'parkwatch_gbt_queue_depth{lane="fire"}')).toBe(1);
    expect(metric(m, 'parkwatch_gbt_queue_depth{lane="other"}')).toBe(1);
    expect(metric(m, 'parkwatch_gbt_oldest_age_seconds')).toBeGreaterThan(0);
    expect((await (await fetch(`${park.base}/healthz`)).json()).gbt26875).toMatch(/^(waiting|connecting)$/);
    const trouble = park.gateway.eventLog.after(0, 500).find((e) => e.trouble === 'centre_link');
    expect(trouble).toMatchObject({ kind: 'trouble', node: null, data: { port: centrePort, afterS: 2 } });
  }, 120_000);

  it('reads normal again once the centre is back: the fire confirmed, the trouble cleared, the warning gone', async () => {
    centre = new GbtCentre();
    await centre.start(centrePort);
    await expect.poll(fireFrames, { timeout: 30_000 }).toBe(1);
    await expect
      .poll(async () => metric(await metrics(), 'parkwatch_gbt_confirmed_total{lane="fire"}'), { timeout: 30_000 })
      .toBe(1);
    await expect.poll(() => wallZh.textContent('#wall-centre'), REFRESH).toBe('消防监控中心：正常');
    await expect.poll(() => wallZh.textContent('#wall-centre-queue'), REFRESH).toBe('待送监控中心：0');
    expect(await wallZh.textContent('#wall-centre-confirm')).toMatch(
      /^中心最近确认：\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2}$/,
    );
    expect(await wallZh.$('#wall-centre-oldest')).toBeNull();
    // the trouble is cleared (the wall keeps it until acknowledged, as every cleared trouble)
    const card = wallZh.locator('.wall-alarm.p-trouble', { hasText: '消防监控中心链路中断' });
    await expect.poll(() => card.textContent(), REFRESH).toContain('已恢复');
    await wallZh.screenshot({ path: `${OUT}/wall-back-zh.png` });
    await expect.poll(() => operator.isHidden('#centre-warning'), REFRESH).toBe(true);
    const kinds = park.gateway.eventLog
      .after(0, 500)
      .filter((e) => e.trouble === 'centre_link')
      .map((e) => e.kind);
    expect(kinds).toEqual(['trouble', 'trouble_clear']);
    const m = await metrics();
    expect(metric(m, 'parkwatch_gbt_connected')).toBe(1);
    expect(metric(m, 'parkwatch_gbt_down_seconds')).toBe(0);
    expect(metric(m, 'parkwatch_gbt_last_confirm_timestamp_seconds')).toBeGreaterThan(0);
    expect(pageErrors).toEqual([]);
  }, 120_000);
});
