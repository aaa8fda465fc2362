import { mkdirSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserStore } from '../../gateway/panel/users.ts';
import { launchChromium } from './support/browser.ts';
import { fillDemoPark } from './support/demo-park.ts';
import { MemoryBackend } from './support/memory-backend.ts';
import { type PanelServer, startPanelServer } from './support/panel-server.ts';
import { problems } from './support/screen-checks.ts';

/**
 * The wall screen as a control room runs it: a kiosk link, alarms in fire -> water -> trouble
 * order with enterprise, building, place and time since, counts and the gateway's health, at
 * the three screen sizes in both languages; sound that starts by itself in a Chromium launched
 * with autoplay permitted, and a large prompt where the browser needs a touch first.
 */
const OUT = 'test-output/panel/wall';
const AUTOPLAY = '--autoplay-policy=no-user-gesture-required';
const SIZES = [
  { name: '1920', width: 1920, height: 1080 },
  { name: '1366', width: 1366, height: 768 },
  { name: 'phone', width: 390, height: 844 },
] as const;

let backend: MemoryBackend;
let server: PanelServer;
let browser: Browser;
let kioskBrowser: Browser;
let kioskUrl: string;

beforeAll(async () => {
  mkdirSync(OUT, { recursive: true });
  backend = new MemoryBackend();
  fillDemoPark(backend, Date.now());
  const now = Date.now();
  // the centre link down for three minutes: its lines on the wall must fit and read in both languages
  backend.gatewayHealth = {
    cloud: 'waiting',
    outboxDepth: 37,
    centre: {
      state: 'waiting',
      downSince: now - 180_000,
      nextTryAt: now + 3_600_000,
      queued: { fire: 1, other: 4 },
      oldestAt: now - 120_000,
      lastConfirmAt: now - 185_000,
      denied: 5,
      dropped: 1,
      overdue: true,
      downTroubleS: 60,
    },
  };
  server = await startPanelServer(backend);
  const users = UserStore.openInDir(server.dataDir);
  kioskUrl = `${server.url}/panel/kiosk?token=${users.addKioskToken('控制室大屏')}`;
  users.close();
  browser = await launchChromium();
  kioskBrowser = await launchChromium([AUTOPLAY]);
});

afterAll(async () => {
  await browser?.close();
  await kioskBrowser?.close();
  await server?.close();
});

describe('wall screen', () => {
  for (const size of SIZES) {
    for (const lang of ['zh', 'en'] as const) {
      it(`${size.width}×${size.height} ${lang}: alarms by urgency, counts, gateway health`, async () => {
        const context = await kioskBrowser.newContext({ viewport: { width: size.width, height: size.height } });
        const page = await context.newPage();
        await page.addInitScript((l) => localStorage.setItem('pw.lang', l), lang);
        await page.goto(kioskUrl);
        await page.waitForSelector('.wall-alarm.p-fire');
        const order = await page.$$eval('.wall-alarm', (els) => els.map((e) => e.className.split(' ')[1]));
        expect(order).toEqual(['p-fire', 'p-water', 'p-trouble']);
        const fire = await page.textContent('.wall-alarm.p-fire');
        expect(fire).toContain('宁德电池');
        expect(fire).toContain('A区 · 二号车间 · 涂布线东侧');
        expect(await page.textContent('.wall-alarm.p-fire .w-since')).toMatch(
          lang === 'zh' ? /\d+\s*分钟/ : /\d+\s*min/,
        );
        expect(await page.textContent('#wall-count-alarms b')).toBe('2');
        expect(await page.textContent('#wall-cloud')).toContain(lang === 'zh' ? '断开，等待重连' : 'down, retrying');
        expect(await page.textContent('#wall-outbox')).toContain('37');
        expect(await page.textContent('#wall-centre')).toMatch(
          lang === 'zh'
            ? /消防监控中心：断开，等待重连 · .+后重试 · 已中断3\s*分钟/
            : /down, retrying · next try in .* · down for 3\s*min/,
        );
        expect(await page.textContent('#wall-centre-queue')).toMatch(lang === 'zh' ? /5 · 火警 1/ : /5 · Fire 1/);
        // a frame given up after repeated denials never reached the centre: shown as a fault
        expect(await page.textContent('#wall-centre-denied')).toMatch(
          lang === 'zh' ? /5 · 已放弃 1/ : /5 · given up 1/,
        );
        expect(await page.getAttribute('#wall-centre-denied', 'class')).toBe('bad');
        expect(await page.$$('.wall button, main button')).toHaveLength(0);
        expect(await problems(page, lang)).toEqual([]);
        // the most urgent alarm is the largest thing on the wall
        const [first, second] = await page.$$eval('.wall-alarm .w-kind', (els) =>
          els.map((e) => Number.parseFloat(getComputedStyle(e).fontSize)),
        );
        expect(first).toBeGreaterThan(second);
        await page.screenshot({ path: `${OUT}/wall-${lang}-${size.name}.png` });
        await context.close();
      });
    }
  }

  it(`sounds the fire without a click in a Chromium launched with ${AUTOPLAY}`, async () => {
    const page = await kioskBrowser.newPage({ viewport: { width: 1920, height: 1080 } });
    await page.goto(kioskUrl);
    await expect.poll(() => page.getAttribute('body', 'data-alert')).toBe('fire');
    expect(await page.isHidden('#sound-prompt')).toBe(true);
    await page.close();
  });

  it('asks for one touch, in large letters, where the browser blocks sound until then', async () => {
    const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
    await page.goto(kioskUrl);
    await page.waitForSelector('.wall-alarm.p-fire');
    await page.waitForSelector('#sound-prompt:not([hidden])');
    expect(await page.textContent('#sound-prompt')).toBe('轻触屏幕任意处，开启报警声音');
    expect(await page.getAttribute('body', 'data-alert')).toBe('');
    await page.mouse.click(400, 600);
    await expect.poll(() => page.getAttribute('body', 'data-alert')).toBe('fire');
    expect(await page.isHidden('#sound-prompt')).toBe(true);
    await page.close();
  });
});
