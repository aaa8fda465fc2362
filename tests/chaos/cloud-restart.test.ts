import { afterEach, expect, it } from 'vitest';
import { alarmLoad, type ChaosWorld, startChaosWorld } from './support/chaos-world.ts';
import { until, violations } from './support/invariants.ts';
import { mqttLink } from './support/reliable-node.ts';

/** The cloud broker restarted while the gateway is replaying its backlog. */
let world: ChaosWorld | undefined;
afterEach(async () => {
  await world?.dispose();
  world = undefined;
});

it('delivers the whole backlog when the cloud restarts twice mid-replay', async () => {
  world = await startChaosWorld(['c1', 'c2'], { config: { cloud: { backoff: { maxMs: 1000 } } } });
  const w = world;
  for (const n of w.nodes) mqttLink(n, w.gateway.brokerUrl);
  await w.cloud.stop();
  // a backlog large enough that its replay takes a noticeable time even at full speed
  const load = alarmLoad(w.nodes, 3000);
  await new Promise((r) => setTimeout(r, 3000));
  load.stop();
  await until(() => w.nodes.every((n) => n.unacked.size === 0), 15_000);
  const queued = w.nodes.reduce((s, n) => s + n.alarms.length, 0);
  let restarts = 0;
  for (const fraction of [0.2, 0.6]) {
    // take the cloud away the moment part of the backlog arrived: in the middle of the replay
    const part = w.log.whenCount(Math.ceil(queued * fraction)).then(() => true);
    await w.cloud.start();
    const reached = await Promise.race([part, new Promise<boolean>((r) => setTimeout(() => r(false), 20_000))]);
    expect(reached, `cloud got ${w.log.events.length} of ${queued}`).toBe(true);
    if (w.log.events.length < queued) {
      await w.cloud.stop();
      restarts++;
      await new Promise((r) => setTimeout(r, 300));
    }
  }
  await w.cloud.start();
  await until(() => violations(w.nodes, w.log).length === 0, 30_000);
  expect(violations(w.nodes, w.log)).toEqual([]);
  expect(queued).toBeGreaterThan(3000);
  expect(restarts).toBeGreaterThan(0);
}, 90_000);
