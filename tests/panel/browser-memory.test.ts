import { mkdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserStore } from '../../gateway/panel/users.ts';
import { launchChromium } from './support/browser.ts';
import { MemoryBackend } from './support/memory-backend.ts';
import { type PanelServer, startPanelServer } from './support/panel-server.ts';

/**
 * The page itself in a real Chromium, against the in-memory backend: views, language switch,
 * dialogs, the node chart, a phone-sized screen, offline fonts. The end-to-end run against the
 * real gateway is browser-gateway.test.ts.
 */
const OUT = 'test-output/panel';
let backend: MemoryBackend;
let server: PanelServer;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

beforeAll(async () => {
  mkdirSync(OUT, { recursive: true });
  backend = new MemoryBackend();
  const place = (zone: string, location: string) => ({ enterprise: '宁德电池', site: 'A区', zone, location });
  backend.addNode('smoke-a1', place('二号车间', '涂布线东侧'));
  backend.addNode('water-b2', { ...place('配电房', '电缆沟'), enterprise: '华达物流' });
  backend.addNode('smoke-c3', place('仓库', '北门'), false);
  const t0 = Date.now() - 3_600_000;
  for (let i = 0; i < 60; i++) {
    const v = 40 + 10 * Math.sin(i / 6) + (i > 50 ? (i - 50) * 40 : 0);
    backend.emit({
      kind: 'telemetry',
      priority: 'telemetry',
      node: 'smoke-a1',
      ch: 'smoke',
      at: t0 + i * 60_000,
      data: { v, b: 40, st: 'normal' },
    });
  }
  backend.emit({
    kind: 'trouble',
    priority: 'trouble',
    node: 'smoke-c3',
    ch: '',
    trouble: 'offline',
    data: { code: 'offline' },
  });
  server = await startPanelServer(backend, {}, async (dir) => {
    const users = UserStore.openInDir(dir);
    await users.add('值班员', 'operator', 'operator-password-1');
    users.close();
  });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.on('pageerror', (err) => pageErrors.push(err.message));
});

afterAll(async () => {
  expect(pageErrors).toEqual([]);
  await browser?.close();
  await server?.close();
});

describe('panel page (in-memory backend)', () => {
  it('logs in, shows an alarm live, flashes it until acknowledged', async () => {
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(server.url + '/panel/');
    await page.fill('#login-form input[name=name]', '值班员');
    await page.fill('#login-form input[name=password]', 'operator-password-1');
    await page.click('#login-form button[type=submit]');
    await page.waitForSelector('#live.on');
    await expect.poll(() => page.textContent('#count-offline b')).toBe('1');

    const shown = page.waitForSelector('.condition.p-fire.flash');
    const alarm = backend.emit({
      kind: 'alarm',
      priority: 'fire',
      node: 'smoke-a1',
      ch: 'smoke',
      data: { v: 800, b: 40, th: 600, src: 'smoke' },
    });
    backend.emit({
      kind: 'alarm',
      priority: 'water',
      node: 'water-b2',
      ch: 'leak',
      data: { v: 1, b: 0, th: 1, src: 'water' },
    });
    await shown;
    await page.waitForSelector('.condition.p-water');
    const order = await page.$$eval('.condition', (els) => els.map((e) => e.className.split(' ')[1]));
    expect(order).toEqual(['p-fire', 'p-water', 'p-trouble']);
    expect(await page.textContent('#count-unack b')).toBe('3');
    await page.screenshot({ path: `${OUT}/alarms-zh.png`, fullPage: true });

    // sound starts with a click (browsers allow audio only after a gesture); fire outranks water
    await page.click('#sound');
    await expect.poll(() => page.getAttribute('body', 'data-alert')).toBe('fire');

    await page.click(`.condition.p-fire button[data-action=acknowledge]`);
    await page.waitForSelector('.condition.p-fire.s-acknowledged:not(.flash)');
    expect(await page.textContent('.condition.p-fire .meta')).toContain('值班员');
    expect(backend.actions.at(-1)).toEqual({ action: 'acknowledge', ref: alarm.alarm!.ref, by: '值班员' });
    // the next most urgent unacknowledged condition now sounds: water, with its own tone
    await expect.poll(() => page.getAttribute('body', 'data-alert')).toBe('water');
    await page.click('#sound');
    await expect.poll(() => page.getAttribute('body', 'data-alert')).toBe('');
    expect(requests.every((u) => u.startsWith(server.url))).toBe(true);
  });

  it('keeps a note for the insurer through the dialog', async () => {
    await page.click('.condition.p-fire button[data-action=note]');
    await page.fill('#dialog textarea[name=note]', '误报：焊接烟雾 / false alarm: welding fumes');
    await page.click('#dialog-ok');
    await expect.poll(() => backend.actions.at(-1)?.action).toBe('note');
    expect(backend.actions.at(-1)).toMatchObject({ note: '误报：焊接烟雾 / false alarm: welding fumes', by: '值班员' });
    // on the card it was written on
    await page.waitForSelector('.condition.p-fire .notes >> text=误报：焊接烟雾');
    expect(await page.textContent('.condition.p-fire .notes')).toContain('值班员');
  });

  it('switches to English and remembers it', async () => {
    await page.click('#lang');
    expect(await page.textContent('#count-alarms')).toContain('Active alarms');
    await page.reload();
    await page.waitForSelector('.condition');
    expect(await page.textContent('nav')).toContain('History');
    await page.screenshot({ path: `${OUT}/alarms-en.png`, fullPage: true });
    await page.click('#lang');
    expect(await page.textContent('nav')).toContain('历史');
  });

  it('marks a drill alarm 演练 on the alarm list and in the history', async () => {
    await page.click('nav a[href="#/alarms"]');
    backend.emit({
      kind: 'alarm',
      priority: 'fire',
      node: 'drill-x1',
      ch: 'heat',
      data: { v: 800, b: 40, th: 600, src: 'heat' },
      drill: { id: 9, scenario: 'fire' },
    });
    const tag = await page.waitForSelector('.condition .tag.drill');
    expect(await tag.textContent()).toBe('演练 #9');
    // the real alarms on the list carry no such tag
    expect(await page.$$eval('.condition .tag.drill', (els) => els.length)).toBe(1);
    await page.click('nav a[href="#/history"]');
    await page.waitForSelector('#history-rows .tag.drill');
  });

  it('filters history and links the CSV export to the same filters', async () => {
    await page.click('nav a[href="#/history"]');
    await page.waitForSelector('#history-form');
    // "all" leaves out the 60 readings of smoke-a1
    const kinds = await page.$$eval('#history-rows tr td:nth-child(2)', (cells) => cells.map((c) => c.textContent));
    expect(kinds.length).toBeGreaterThan(0);
    expect(kinds).not.toContain('读数');
    await page.selectOption('#history-form select[name=kinds]', { index: 3 });
    await page.click('#history-form button[type=submit]');
    await expect.poll(() => page.$$eval('#history-rows tr', (rows) => rows.length)).toBe(2);
    const href = await page.getAttribute('#csv-link', 'href');
    expect(href).toBe('/panel/api/history.csv?kinds=acknowledge%2Csilence%2Creset%2Cnote%2Ctest_request');
    await page.screenshot({ path: `${OUT}/history.png`, fullPage: true });
  });

  it('shows node health and a node chart', async () => {
    await page.click('nav a[href="#/nodes"]');
    await page.waitForSelector('table.nodes tr.offline');
    await page.screenshot({ path: `${OUT}/nodes.png`, fullPage: true });
    await page.click('table.nodes a[href="#/node/smoke-a1"]');
    await page.waitForSelector('svg.chart polyline.reading');
    // 60 readings and the alarm's own reading, in one line: no gap between them
    const points = await page.getAttribute('svg.chart polyline.reading', 'points');
    expect(points?.split(' ')).toHaveLength(61);
    // the unit, the alarm threshold the node reported (600 = 0.6 dB/m) and the moment of the alarm
    const chart = await page.textContent('svg.chart');
    expect(chart).toContain('dB/m');
    expect(chart).toContain('报警阈值 0.6 dB/m');
    expect(await page.$$('svg.chart line.moment-alarm')).toHaveLength(1);
    // the whole 24 h window is drawn, though the readings cover only the last hour
    const firstX = Number(points?.split(' ')[0].split(',')[0]);
    const [, , chartWidth] = ((await page.getAttribute('svg.chart', 'viewBox')) ?? '').split(' ').map(Number);
    expect(firstX).toBeGreaterThan(chartWidth * 0.9);
    await page.screenshot({ path: `${OUT}/node.png`, fullPage: true });
    await page.click('button[data-action=test]');
    await expect.poll(() => backend.actions.at(-1)).toEqual({ action: 'test', node: 'smoke-a1', by: '值班员' });
  });

  it('reconnects by itself after the network drops and shows what it missed', async () => {
    await page.click('nav a[href="#/alarms"]');
    await page.waitForSelector('#live.on');
    const seenBefore = await page.evaluate(() => document.querySelectorAll('.condition').length);
    const lastSeqBefore = backend.events.at(-1)!.seq;
    const resumed = page.waitForRequest((r) => r.url().includes('/panel/api/stream'));
    server.dropConnections();
    // decided while the browser is cut off: it must come back through Last-Event-ID
    backend.emit({
      kind: 'trouble',
      priority: 'trouble',
      node: 'water-b2',
      ch: '',
      trouble: 'battery_low',
      data: { code: 'battery_low' },
    });
    const headers = await (await resumed).allHeaders();
    expect(headers['last-event-id']).toBe(String(lastSeqBefore));
    await page.waitForSelector('#live.on');
    await page.waitForSelector('.condition.p-trouble >> text=电池电量低');
    expect(await page.evaluate(() => document.querySelectorAll('.condition').length)).toBe(seenBefore + 1);
  });

  it('fits a phone screen', async () => {
    const phone = await browser.newPage({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2 });
    await phone.context().addCookies([]);
    await phone.goto(server.url + '/panel/');
    await phone.fill('#login-form input[name=name]', '值班员');
    await phone.fill('#login-form input[name=password]', 'operator-password-1');
    await phone.click('#login-form button[type=submit]');
    await phone.waitForSelector('.condition');
    const width = await phone.evaluate(() => document.documentElement.scrollWidth);
    expect(width).toBeLessThanOrEqual(390);
    await phone.screenshot({ path: `${OUT}/phone.png`, fullPage: true });
    await phone.close();
  });
});
