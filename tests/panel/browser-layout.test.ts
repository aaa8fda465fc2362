import { copyFileSync, mkdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserStore } from '../../gateway/panel/users.ts';
import { launchChromium } from './support/browser.ts';
import { ADMIN, fillDemoPark } from './support/demo-park.ts';
import { MemoryBackend } from './support/memory-backend.ts';
import { type PanelServer, startPanelServer } from './support/panel-server.ts';
import { problems } from './support/screen-checks.ts';

/**
 * Every view at the sizes the panel is used at (a 1366×768 office PC, a 1080p wall or desk
 * screen, a 390×844 phone) in both languages: nothing wider than the screen, no table cut
 * off inside its box, no translation key or raw code shown to the operator.
 * `PANEL_DOC_SCREENSHOTS=1` also writes the README's screenshots (docs/img/panel-*.png).
 */
const OUT = 'test-output/panel/layout';
const SIZES = [
  { name: '1366', width: 1366, height: 768 },
  { name: '1920', width: 1920, height: 1080 },
  { name: 'phone', width: 390, height: 844 },
] as const;
const VIEWS = ['login', 'alarms', 'nodes', 'node/smoke-a1', 'history', 'abuse', 'plans'] as const;
const DOCS: Record<string, string> = {
  'alarms-zh-1920': 'panel-alarms.png',
  'history-zh-1366': 'panel-history.png',
  'node-zh-1366': 'panel-node.png',
  'alarms-zh-phone': 'panel-phone.png',
};

/**
 * What each view must show at every size, beyond fitting: the note on its alarm's card and in
 * the history with its node; the chart's thresholds, alarm moment and the whole 24 h window.
 */
async function shows(page: Page, view: (typeof VIEWS)[number]): Promise<string[]> {
  const out: string[] = [];
  const has = async (selector: string, what: string) => {
    if ((await page.locator(selector).count()) === 0) out.push(`missing ${what}`);
  };
  if (view === 'alarms') await has('.condition.p-fire .notes >> text=保安已到现场', 'the note on the fire card');
  if (view === 'history') {
    const row = page.locator('#history-rows tr', { hasText: '保安已到现场' });
    const text = (await row.count()) > 0 ? await row.first().textContent() : '';
    if (!text?.includes('smoke-a1')) out.push('no note row with its node');
  }
  if (view === 'node/smoke-a1') {
    await has('svg.chart line.th-prealarm', 'the pre-alarm line');
    await has('svg.chart line.th-alarm', 'the alarm line');
    await has('svg.chart line.moment-alarm', 'the alarm moment');
    // readings start 24 h back: the line starts at the left edge (x 64 of 900), not stretched from the middle
    const x = await page.$eval('svg.chart polyline.reading', (p) => Number(p.getAttribute('points')?.split(',')[0]));
    if (x > 85) out.push(`chart starts at x=${x}, not at the 24 h mark`);
  }
  return out;
}

let backend: MemoryBackend;
let server: PanelServer;
let browser: Browser;
const pageErrors: string[] = [];

beforeAll(async () => {
  mkdirSync(OUT, { recursive: true });
  backend = new MemoryBackend();
  fillDemoPark(backend, Date.now());
  server = await startPanelServer(backend, {}, async (dir) => {
    const users = UserStore.openInDir(dir);
    await users.add(ADMIN.name, 'admin', ADMIN.password);
    users.close();
  });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('every view fits and speaks the panel language', () => {
  for (const size of SIZES) {
    for (const lang of ['zh', 'en'] as const) {
      it(`${size.width}×${size.height} ${lang}`, { timeout: 120_000 }, async () => {
        const context = await browser.newContext({
          viewport: { width: size.width, height: size.height },
          // the panel's language decides dates, never the browser's
          locale: 'en-US',
        });
        const page = await context.newPage();
        page.on('pageerror', (err) => pageErrors.push(err.message));
        await page.addInitScript((l) => localStorage.setItem('pw.lang', l), lang);
        const seen: Record<string, string[]> = {};
        for (const view of VIEWS) {
          if (view === 'login') {
            await page.goto(`${server.url}/panel/`);
            await page.waitForSelector('#login-form');
          } else {
            if (!(await page.$('#logout:not([hidden])'))) {
              await page.fill('#login-form input[name=name]', ADMIN.name);
              await page.fill('#login-form input[name=password]', ADMIN.password);
              await page.click('#login-form button[type=submit]');
              await page.waitForSelector('#live.on');
            }
            await page.evaluate((v) => {
              location.hash = `#/${v}`;
            }, view);
            await page.waitForSelector(
              {
                alarms: '.condition',
                nodes: 'table.nodes',
                history: '#history-rows tr',
                abuse: 'main table',
                plans: '#plan-form',
              }[view.split('/')[0]] ?? 'svg.chart',
            );
          }
          const name = `${view.split('/')[0]}-${lang}-${size.name}`;
          seen[view] = [...(await problems(page, lang)), ...(await shows(page, view))];
          await page.screenshot({ path: `${OUT}/${name}.png`, fullPage: true });
          if (process.env.PANEL_DOC_SCREENSHOTS && DOCS[name])
            copyFileSync(`${OUT}/${name}.png`, `docs/img/${DOCS[name]}`);
        }
        expect(seen).toEqual(Object.fromEntries(VIEWS.map((v) => [v, []])));
        await context.close();
      });
    }
  }

  it('shows dates in the panel language, not the browser locale', () => {
    expect(pageErrors).toEqual([]);
  });
});
