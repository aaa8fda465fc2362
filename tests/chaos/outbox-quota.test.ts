import { afterEach, expect, it } from 'vitest';
import { type ChaosWorld, startChaosWorld } from './support/chaos-world.ts';
import { until, violations } from './support/invariants.ts';
import { mqttLink } from './support/reliable-node.ts';

/**
 * The outbox reaches its disk quota during a cloud outage: the oldest telemetry goes, alarms
 * stay, a `quota` trouble is raised and reaches the cloud, and every drop is counted.
 */
let world: ChaosWorld | undefined;
afterEach(async () => {
  await world?.dispose();
  world = undefined;
});

const QUOTA = 32 * 1024;

it('drops the oldest telemetry over the quota, never an alarm, and says so', async () => {
  // 30 nodes sending 20 readings each: within every node's telemetry budget (burst 20),
  // ~240 KB in total against a 32 KB quota
  const ids = Array.from({ length: 30 }, (_, i) => `q${i}`);
  world = await startChaosWorld(ids, {
    config: { outbox: { quotaBytes: QUOTA }, cloud: { backoff: { maxMs: 1000 } } },
  });
  const w = world;
  for (const n of w.nodes) mqttLink(n, w.gateway.brokerUrl);
  await w.cloud.stop();
  let telemetry = 0;
  // one acknowledged alarm per node first: then every node is connected and its readings go out
  for (const n of w.nodes) n.alarm();
  expect(await until(() => w.nodes.every((n) => n.acked.size === 1), 15_000)).toBe(true);
  for (const n of w.nodes) {
    for (let i = 0; i < 20; i++) {
      n.telemetry();
      telemetry++;
    }
  }
  expect(await until(() => w.nodes.every((n) => n.unacked.size === 0), 15_000)).toBe(true);
  // maintenance runs every 10 s in the gateway
  const deadline = Date.now() + 25_000;
  let count = 0;
  while (count === 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 500));
    count = await w.gateway.metric('parkwatch_outbox_dropped_total{reason="quota"}');
  }
  expect(count).toBeGreaterThan(0);
  // pruned to the quota; the quota trouble itself is stored after the prune (urgent, kept).
  // The gauge is cached for a second, so read it until it has caught up.
  let bytes = Number.POSITIVE_INFINITY;
  for (const until = Date.now() + 5000; bytes > QUOTA + 2048 && Date.now() < until; ) {
    bytes = await w.gateway.metric('parkwatch_outbox_bytes');
    if (bytes > QUOTA + 2048) await new Promise((r) => setTimeout(r, 300));
  }
  expect(bytes).toBeLessThanOrEqual(QUOTA + 2048);

  await w.cloud.start();
  await until(() => violations(w.nodes, w.log).length === 0, 20_000);
  expect(violations(w.nodes, w.log)).toEqual([]);
  const cloudTelemetry = w.log.events.filter((e) => e.kind === 'telemetry').length;
  expect(cloudTelemetry).toBeLessThanOrEqual(telemetry - count);
  expect(await until(() => w.log.events.some((e) => e.kind === 'trouble' && e.trouble === 'quota'), 10_000)).toBe(true);
}, 90_000);
