import { mkdirSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserStore } from '../../gateway/panel/users.ts';
import { launchChromium } from './support/browser.ts';
import { MemoryBackend } from './support/memory-backend.ts';
import { type PanelServer, startPanelServer } from './support/panel-server.ts';

/** First start with no user (setup token), the admin's refusals view, and a kiosk wall screen, in Chromium. */
const OUT = 'test-output/panel';
let backend: MemoryBackend;
let server: PanelServer;
let browser: Browser;

beforeAll(async () => {
  mkdirSync(OUT, { recursive: true });
  backend = new MemoryBackend();
  backend.addNode('smoke-a1', { enterprise: '宁德电池', site: 'A区', zone: '二号车间', location: '涂布线' });
  backend.emit({ kind: 'alarm', priority: 'fire', node: 'smoke-a1', ch: 'smoke', data: { v: 800, b: 40, th: 600 } });
  server = await startPanelServer(backend);
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('access in the browser', () => {
  it('creates the first admin with the one-time setup token from the log', async () => {
    const token = server.logs.find((l) => typeof l.obj.setupToken === 'string')?.obj.setupToken as string;
    const page = await browser.newPage();
    await page.goto(server.url + '/panel/');
    await page.waitForSelector('#setup-form');
    await page.fill('#setup-form input[name=token]', token);
    await page.fill('#setup-form input[name=name]', '管理员');
    await page.fill('#setup-form input[name=password]', 'admin-password-1');
    await page.click('#setup-form button[type=submit]');
    await page.waitForSelector('.condition.p-fire');
    expect(await page.textContent('#user')).toBe('管理员');
    await page.click('#nav-abuse');
    await page.waitForSelector('main table');
    expect(await page.textContent('main')).toContain('签名错误');
    await page.close();
  });

  it('shows a kiosk wall screen read-only, without the login form and without actions', async () => {
    const users = UserStore.openInDir(server.dataDir);
    const token = users.addKioskToken('控制室大屏');
    users.close();
    const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
    await page.goto(`${server.url}/panel/kiosk?token=${token}`);
    await page.waitForSelector('body.kiosk .wall-alarm.p-fire');
    expect(await page.$$('main button')).toHaveLength(0);
    expect(await page.isHidden('#logout')).toBe(true);
    expect(await page.isHidden('#nav-abuse')).toBe(true);
    await page.screenshot({ path: `${OUT}/kiosk.png` });
    await page.close();
  });
});
