import { mkdirSync } from 'node:fs';
import type { MqttClient } from 'mqtt';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IncidentPacket } from '../../gateway/incidents/packet.ts';
import { verifyPacket } from '../../gateway/incidents/packet-verify.ts';
import { UserStore } from '../../gateway/panel/users.ts';
import { readGatewayPublicKey } from '../../gateway/store/gateway-key.ts';
import type { NodeClient } from '../../simulator/node-client.ts';
import { launchChromium } from './support/browser.ts';
import { type GatewayWithPanel, OPERATOR, startGatewayWithPanel } from './support/gateway-with-panel.ts';

/**
 * The incident view on the real gateway in headless Chromium: a fire alarm from a simulated
 * node, acknowledged on the panel and cleared by the node, shows as an incident awaiting a cause;
 * the operator closes it with a cause and can export its evidence packet (which verifies); a
 * viewer sees the incident but gets no close button, no export links, and a 403 for the packet.
 */
const OUT = 'test-output/panel';
const VIEWER = { name: '访客', password: 'viewer-password-1' };
let park: GatewayWithPanel;
let browser: Browser;
let node: NodeClient;
let client: MqttClient;
const pageErrors: string[] = [];

beforeAll(async () => {
  mkdirSync(OUT, { recursive: true });
  park = await startGatewayWithPanel();
  const users = UserStore.openInDir(park.gateway.config.dataDir);
  await users.add(VIEWER.name, 'viewer', VIEWER.password);
  users.close();
  ({ node, client } = await park.join('smoke-i1', {
    enterprise: '宁德电池',
    site: 'A区',
    zone: '二号车间',
    location: '食堂',
  }));
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await park?.stop();
});

async function login(user: { name: string; password: string }): Promise<Page> {
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  page.on('pageerror', (err) => pageErrors.push(err.message));
  await page.goto(`${park.base}/`);
  await page.fill('#login-form input[name=name]', user.name);
  await page.fill('#login-form input[name=password]', user.password);
  await page.click('#login-form button[type=submit]');
  await page.waitForSelector('#live.on');
  return page;
}

describe('incident files on the panel', () => {
  let id = '';

  it('an operator closes an ended fire incident with a cause and exports a packet that verifies', async () => {
    const page = await login(OPERATOR);
    await node.publish(client, node.alarm('smoke', 900));
    await page.waitForSelector('.condition.p-fire.flash');
    await page.click('.condition.p-fire button[data-action=acknowledge]');
    await page.waitForSelector('.condition.p-fire.s-acknowledged');
    await node.publish(client, node.clear('smoke', 80));
    await page.waitForSelector('.all-clear');

    await page.click('nav a[href="#/incidents"]');
    await page.waitForSelector('table.incidents tr.p-fire');
    id = (await page.getAttribute('table.incidents tr.p-fire', 'data-incident')) ?? '';
    expect(await page.textContent('table.incidents tr.p-fire .state')).toBe('报警已结束，待结案');
    await page.click('table.incidents tr.p-fire a');
    await page.waitForSelector('#incident-state');
    expect(await page.textContent('table.timeline')).toContain('节点确认报警');
    expect(await page.textContent('table.timeline')).toContain(OPERATOR.name);

    await page.click('button[data-action=close]');
    await page.selectOption('#dialog select[name=cause]', 'false_cooking');
    await page.fill('#dialog textarea[name=note]', '食堂炒菜油烟');
    await page.click('#dialog-ok');
    await page.waitForFunction(() => document.querySelector('#incident-state')?.textContent === '已结案');
    expect(await page.textContent('table.incident')).toContain('误报：烹饪');
    expect(await page.$('button[data-action=close]')).toBeNull();
    await page.screenshot({ path: `${OUT}/incident-closed.png`, fullPage: true });

    expect(await page.getAttribute('#packet-json', 'href')).toBe(
      `/panel/api/incidents/${encodeURIComponent(id)}/packet.json`,
    );
    const answer = await page.request.get(`${park.base}/panel/api/incidents/${encodeURIComponent(id)}/packet.json`);
    expect(answer.status()).toBe(200);
    const packet = (await answer.json()) as IncidentPacket;
    expect(packet.incident).toMatchObject({ id, state: 'closed', cause: 'false_cooking', closedBy: OPERATOR.name });
    expect(verifyPacket(packet, readGatewayPublicKey(park.gateway.config.dataDir))).toMatchObject({ ok: true });
    const page2 = await page.request.get(`${park.base}/panel/api/incidents/${encodeURIComponent(id)}/packet.html`);
    expect(await page2.text()).toContain('事件档案 / Incident file');
    expect(pageErrors).toEqual([]);
  });

  it('a viewer sees the incident but cannot close or export it', async () => {
    const page = await login(VIEWER);
    await page.goto(`${park.base}/panel/#/incident/${encodeURIComponent(id)}`);
    await page.waitForSelector('#incident-state');
    expect(await page.textContent('#incident-state')).toBe('已结案');
    expect(await page.$('#packet-json')).toBeNull();
    const refused = await page.request.get(`${park.base}/panel/api/incidents/${encodeURIComponent(id)}/packet.json`);
    expect(refused.status()).toBe(403);
    expect(pageErrors).toEqual([]);
  });
});
