/**
 * Measures how fast a new alarm reaches the screen: a simulated node publishes a signed alarm
 * over MQTT to the real gateway, and a MutationObserver in Chromium stamps the moment the
 * alarm's row appears in the panel. Prints the figures; asserts nothing.
 *
 *   node --import tsx tests/panel/measure-live-latency.ts [ALARMS]
 */
import { launchChromium } from './support/browser.ts';
import { OPERATOR, startGatewayWithPanel } from './support/gateway-with-panel.ts';

const ALARMS = Number(process.argv[2] ?? 20);
const PLACE = { enterprise: '宁德电池', site: 'A区', zone: '二号车间', location: '涂布线' };

const park = await startGatewayWithPanel();
const browser = await launchChromium();
try {
  const nodes = [];
  for (let i = 0; i < ALARMS; i++) nodes.push(await park.join(`m${i}`, { ...PLACE, location: `点位 ${i}` }));
  const page = await browser.newPage();
  await page.goto(park.base + '/panel/');
  await page.fill('#login-form input[name=name]', OPERATOR.name);
  await page.fill('#login-form input[name=password]', OPERATOR.password);
  await page.click('#login-form button[type=submit]');
  await page.waitForSelector('#live.on');
  // stamp each condition row the first time it is in the DOM, in wall-clock ms
  await page.evaluate(() => {
    const seen: Record<string, number> = {};
    (window as unknown as { seen: Record<string, number> }).seen = seen;
    new MutationObserver(() => {
      for (const link of document.querySelectorAll<HTMLElement>('.condition .meta a')) {
        const node = link.textContent ?? '';
        if (!(node in seen)) seen[node] = performance.timeOrigin + performance.now();
      }
    }).observe(document.body, { childList: true, subtree: true });
  });

  const latencies: number[] = [];
  for (const { node, client } of nodes) {
    const sent = Date.now();
    await node.publish(client, node.alarm('smoke', 900));
    const shown = await page.waitForFunction((id) => {
      const seen = (window as unknown as { seen: Record<string, number> }).seen;
      const key = Object.keys(seen).find((k) => k.startsWith(`${id}/`) || k.includes(`:${id}:`) || k.includes(id));
      return key ? seen[key] : undefined;
    }, node.id);
    latencies.push(((await shown.jsonValue()) as number) - sent);
    await new Promise((r) => setTimeout(r, 200));
  }
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))];
  console.log(`panel live latency, MQTT publish -> alarm row in Chromium, ${latencies.length} alarms:`);
  console.log(
    `  min ${pct(0).toFixed(0)} ms  p50 ${pct(50).toFixed(0)} ms  p95 ${pct(95).toFixed(0)} ms  max ${latencies[latencies.length - 1].toFixed(0)} ms`,
  );
} finally {
  await browser.close();
  await park.stop();
}
