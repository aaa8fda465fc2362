import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserStore } from '../../gateway/panel/users.ts';
import { launchChromium } from './support/browser.ts';
import { ADMIN, fillDemoPark } from './support/demo-park.ts';
import { MemoryBackend } from './support/memory-backend.ts';
import { PanelClient, type PanelServer, startPanelServer } from './support/panel-server.ts';
import { problems } from './support/screen-checks.ts';

/**
 * Site plans: the gateway keeps a checked SVG or PNG per building; an admin places nodes by
 * dragging them in Chromium; the wall screen, the alarm view and the node page show the plan
 * with each node's state, the fire flashing on it, at the three screen sizes.
 */
const OUT = 'test-output/panel/plans';
const PLAN = Buffer.from(
  '<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 800 400" width="800" height="400">' +
    '<rect x="10" y="10" width="780" height="380" fill="#f4f4f4" stroke="#333" stroke-width="6"/>' +
    '<rect x="10" y="10" width="400" height="220" fill="none" stroke="#333" stroke-width="4"/>' +
    '<rect x="410" y="10" width="380" height="220" fill="none" stroke="#333" stroke-width="4"/>' +
    '<text x="150" y="120" font-size="28" fill="#555">二号车间</text><text x="540" y="120" font-size="28" fill="#555">配电房</text>' +
    '<text x="320" y="320" font-size="28" fill="#555">成品仓库</text></svg>',
);
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

async function login(page: Page): Promise<void> {
  await page.goto(`${server.url}/panel/`);
  await page.fill('#login-form input[name=name]', ADMIN.name);
  await page.fill('#login-form input[name=password]', ADMIN.password);
  await page.click('#login-form button[type=submit]');
  await page.waitForSelector('#live.on');
}

/** Drags a node's marker to a place on the plan, given as fractions of the drawing. */
async function drag(page: Page, node: string, x: number, y: number): Promise<void> {
  await page.locator(`.marker[data-node="${node}"]`).scrollIntoViewIfNeeded();
  const box = await page.locator('.plan-box').boundingBox();
  const marker = await page.locator(`.marker[data-node="${node}"]`).boundingBox();
  if (!box || !marker) throw new Error(`no plan or no marker for ${node}`);
  await page.mouse.move(marker.x + marker.width / 2, marker.y + marker.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * x, box.y + box.height * y, { steps: 5 });
  await page.mouse.up();
}

beforeAll(async () => {
  mkdirSync(OUT, { recursive: true });
  backend = new MemoryBackend();
  fillDemoPark(backend, Date.now());
  server = await startPanelServer(backend, {}, async (dir) => {
    const users = UserStore.openInDir(dir);
    await users.add(ADMIN.name, 'admin', ADMIN.password);
    await users.add('查看员', 'viewer', 'viewer-password-1');
    kioskUrl = `/panel/kiosk?token=${users.addKioskToken('控制室大屏')}`;
    users.close();
  });
  kioskUrl = server.url + kioskUrl;
  browser = await launchChromium();
  // the wall screen as documented: sound allowed without a touch, so no prompt over the picture
  kioskBrowser = await launchChromium(['--autoplay-policy=no-user-gesture-required']);
});

afterAll(async () => {
  await browser?.close();
  await kioskBrowser?.close();
  await server?.close();
});

describe('site plans', () => {
  it('takes only SVG or PNG up to 2 MB, from admins, and serves it where nothing in it can run', async () => {
    const admin = new PanelClient(server.url);
    await admin.login(ADMIN.name, ADMIN.password);
    const put = (c: PanelClient, body: Buffer) =>
      fetch(`${server.url}/panel/api/plans/A%E5%8C%BA/image`, {
        method: 'PUT',
        headers: { Cookie: c.cookie, 'X-CSRF-Token': c.csrf, 'Content-Type': 'image/svg+xml' },
        body: new Uint8Array(body),
      });
    expect((await put(admin, Buffer.from('<html><script>alert(1)</script>'))).status).toBe(415);
    expect((await put(admin, Buffer.alloc(2 * 1024 * 1024 + 1, 0x20))).status).toBe(413);
    const viewer = new PanelClient(server.url);
    await viewer.login('查看员', 'viewer-password-1');
    expect((await put(viewer, PLAN)).status).toBe(403);
    expect((await put(admin, PLAN)).status).toBe(200);
    const image = await fetch(`${server.url}/panel/api/plans/A%E5%8C%BA/image`, { headers: { Cookie: admin.cookie } });
    expect(image.headers.get('content-type')).toBe('image/svg+xml');
    expect(image.headers.get('content-security-policy')).toContain('sandbox');
    expect(Buffer.from(await image.arrayBuffer()).equals(PLAN)).toBe(true);
  });

  it('lets an admin upload a plan and drag nodes onto it', async () => {
    // tall enough that the plan and the nodes waiting beside it are both on screen
    const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
    await login(page);
    await page.click('#nav-plans');
    await page.waitForSelector('#plan-form');
    // no browser-drawn "Choose File": the pickers open from translated labels
    expect(await page.locator('input[type=file]:visible').count()).toBe(0);
    await page.setInputFiles('#plan-file', { name: 'a.svg', mimeType: 'image/svg+xml', buffer: PLAN });
    // uploaded, shown again with the plan, and the drawing loaded (it gives the box its height)
    await page.waitForSelector('#toast.show');
    await page.waitForFunction(() => {
      const img = document.querySelector<HTMLImageElement>('.plan-box img');
      return img?.complete && img.naturalWidth > 0;
    });
    await drag(page, 'smoke-a1', 0.25, 0.3);
    await drag(page, 'water-b2', 0.75, 0.3);
    await drag(page, 'smoke-c3', 0.5, 0.8);
    await page.click('#plan-save');
    await expect
      .poll(() => JSON.parse(readFileSync(join(server.dataDir, 'plans', 'plans.json'), 'utf8'))['A区']?.positions)
      .toMatchObject({ 'smoke-a1': { x: expect.closeTo(0.25, 1) }, 'smoke-c3': { y: expect.closeTo(0.8, 1) } });
    await page.screenshot({ path: `${OUT}/admin-1920.png`, fullPage: true });
    // the alarm view and the node page show the plan with the fire on it
    await page.click('nav a[href="#/alarms"]');
    await page.waitForSelector('.plan .marker.p-fire.flash[data-node="smoke-a1"]');
    await page.goto(`${server.url}/panel/#/node/smoke-a1`);
    await page.waitForSelector('.plan .marker.focus[data-node="smoke-a1"]');
    await page.close();
  });

  for (const size of SIZES.filter((s) => s.name !== '1920')) {
    it(`moves a placed node by dragging, and shows the plan on the alarm view and node page at ${size.width}×${size.height}`, {
      timeout: 120_000,
    }, async () => {
      const context = await browser.newContext({ viewport: { width: size.width, height: size.height } });
      const page = await context.newPage();
      await login(page);
      await page.evaluate(() => {
        location.hash = '#/plans';
      });
      await page.waitForFunction(() => {
        const img = document.querySelector<HTMLImageElement>('.plan-box img');
        return img?.complete && img.naturalWidth > 0;
      });
      const x = size.name === 'phone' ? 0.6 : 0.4;
      await drag(page, 'smoke-c3', x, 0.7);
      await page.click('#plan-save');
      await expect
        .poll(() => JSON.parse(readFileSync(join(server.dataDir, 'plans', 'plans.json'), 'utf8'))['A区'].positions)
        .toMatchObject({ 'smoke-c3': { x: expect.closeTo(x, 1), y: expect.closeTo(0.7, 1) } });
      expect(await problems(page, 'zh')).toEqual([]);
      await page.screenshot({ path: `${OUT}/admin-${size.name}.png`, fullPage: true });
      await page.evaluate(() => {
        location.hash = '#/alarms';
      });
      await page.waitForSelector('.plan .marker.p-fire.flash[data-node="smoke-a1"]');
      expect(await problems(page, 'zh')).toEqual([]);
      await page.evaluate(() => {
        location.hash = '#/node/smoke-a1';
      });
      await page.waitForSelector('.plan .marker.focus[data-node="smoke-a1"]');
      expect(await problems(page, 'zh')).toEqual([]);
      await context.close();
    });
  }

  it('exports and imports plans for admins only, refusing a damaged file with nothing stored', async () => {
    const admin = new PanelClient(server.url);
    await admin.login(ADMIN.name, ADMIN.password);
    const viewer = new PanelClient(server.url);
    await viewer.login('查看员', 'viewer-password-1');
    const exportAs = (c: PanelClient) =>
      fetch(`${server.url}/panel/api/plans/export`, { headers: { Cookie: c.cookie } });
    const importAs = (c: PanelClient, body: string) =>
      fetch(`${server.url}/panel/api/plans/import`, {
        method: 'POST',
        headers: { Cookie: c.cookie, 'X-CSRF-Token': c.csrf, 'Content-Type': 'application/json' },
        body,
      });
    expect((await exportAs(viewer)).status).toBe(403);
    const exported = await exportAs(admin);
    expect(exported.status).toBe(200);
    expect(exported.headers.get('content-disposition')).toMatch(/attachment; filename="parkwatch-plans-/);
    const text = await exported.text();
    expect(JSON.parse(text).nodes.map((n: { id: string }) => n.id)).toContain('smoke-a1');
    expect(text).not.toMatch(/keyHex/);
    expect((await importAs(viewer, text)).status).toBe(403);
    const before = readFileSync(join(server.dataDir, 'plans', 'plans.json'), 'utf8');
    // one character of the drawing changed in transit
    const damaged = JSON.parse(text);
    const image: string = damaged.sites[0].image;
    damaged.sites[0].image = `${image.slice(0, 40)}${image[40] === 'A' ? 'B' : 'A'}${image.slice(41)}`;
    const refused = await importAs(admin, JSON.stringify(damaged));
    const reason = (await refused.json()) as { error: string; message: string };
    expect([refused.status, reason.error]).toEqual([422, 'damaged']);
    expect(reason.message).toMatch(/已损坏（校验和不符） \/ the plan of A区 is damaged/);
    expect(readFileSync(join(server.dataDir, 'plans', 'plans.json'), 'utf8')).toBe(before);
  });

  for (const size of SIZES) {
    for (const lang of ['zh', 'en'] as const) {
      it(`carries plans out and in from the plans page at ${size.width}×${size.height} ${lang}`, {
        timeout: 120_000,
      }, async () => {
        const context = await browser.newContext({ viewport: { width: size.width, height: size.height } });
        const page = await context.newPage();
        await page.addInitScript((l) => localStorage.setItem('pw.lang', l), lang);
        await login(page);
        await page.evaluate(() => {
          location.hash = '#/plans';
        });
        await page.waitForSelector('#plan-exchange');
        const [download] = await Promise.all([page.waitForEvent('download'), page.click('#plan-export')]);
        const file = JSON.parse(readFileSync((await download.path()) ?? '', 'utf8'));
        // another installer placed a node this gateway has never registered
        file.sites[0].positions['smoke-z9'] = { x: 0.1, y: 0.9 };
        file.nodes.push({ id: 'smoke-z9', enterprise: '华东化工', site: 'A区', zone: '一层', location: '北门' });
        await page.setInputFiles('#plan-import', {
          name: 'plans.json',
          mimeType: 'application/json',
          buffer: Buffer.from(JSON.stringify(file)),
        });
        await page.waitForSelector('#plan-report');
        expect(await page.locator('#plan-report .unknown').textContent()).toBe('smoke-z9');
        expect(await page.locator('.plan-box .marker[data-node="smoke-a1"]').count()).toBe(1);
        expect(await problems(page, lang)).toEqual([]);
        await page.screenshot({ path: `${OUT}/import-${lang}-${size.name}.png`, fullPage: true });
        // a file cut short: refused in the panel's language, the plan as it was
        await page.setInputFiles('#plan-import', {
          name: 'cut.json',
          mimeType: 'application/json',
          buffer: Buffer.from(JSON.stringify(file).slice(0, 300)),
        });
        await expect
          .poll(() => page.locator('#toast.show').textContent())
          .toBe(
            lang === 'zh'
              ? '文件已损坏或不完整（不是有效的 JSON）'
              : 'the file is damaged or cut short (not valid JSON)',
          );
        expect(
          JSON.parse(readFileSync(join(server.dataDir, 'plans', 'plans.json'), 'utf8'))['A区'].positions['smoke-a1'],
        ).toMatchObject({ x: expect.closeTo(0.25, 1) });
        await context.close();
      });
    }
  }

  for (const size of SIZES) {
    for (const lang of ['zh', 'en'] as const) {
      it(`shows the fire on the plan on the wall screen at ${size.width}×${size.height} ${lang}`, async () => {
        const context = await kioskBrowser.newContext({ viewport: { width: size.width, height: size.height } });
        const page = await context.newPage();
        await page.addInitScript((l) => localStorage.setItem('pw.lang', l), lang);
        await page.goto(kioskUrl);
        const fire = page.locator('.wall .plan .marker.p-fire.flash[data-node="smoke-a1"]');
        await fire.waitFor();
        // on the drawing where the admin put it (read in one go: the wall re-renders on every event)
        const across = await page.evaluate(() => {
          const box = document.querySelector('.wall .plan-box')?.getBoundingClientRect();
          const dot = document.querySelector('.wall .marker[data-node="smoke-a1"]')?.getBoundingClientRect();
          return box && dot ? (dot.x + dot.width / 2 - box.x) / box.width : undefined;
        });
        expect(across).toBeCloseTo(0.25, 1);
        expect(await page.locator('.wall .plan .marker.p-water[data-node="water-b2"]').count()).toBe(1);
        expect(await problems(page, lang)).toEqual([]);
        await page.screenshot({ path: `${OUT}/wall-${lang}-${size.name}.png` });
        if (process.env.PANEL_DOC_SCREENSHOTS && lang === 'zh' && size.name === '1920')
          copyFileSync(`${OUT}/wall-${lang}-${size.name}.png`, 'docs/img/panel-kiosk.png');
        await context.close();
      });
    }
  }
});
