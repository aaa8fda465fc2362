import { afterEach, expect, it } from 'vitest';
import { alarmLoad, type ChaosWorld, startChaosWorld } from './support/chaos-world.ts';
import { storedButUnacknowledged, until, violations } from './support/invariants.ts';
import { mqttLink } from './support/reliable-node.ts';

/**
 * The gateway SIGKILLed at random moments, again and again, while nodes keep raising alarms
 * during a cloud outage; then the cloud comes back. Nothing acknowledged may be lost.
 */
let world: ChaosWorld | undefined;
afterEach(async () => {
  await world?.dispose();
  world = undefined;
});

const ROUNDS = Number(process.env.CHAOS_KILL_ROUNDS ?? 5);
/** the shipped config except a shorter uplink backoff cap, so the test need not wait 30 s for a reconnect */
const CHAOS_GATEWAY = { config: { cloud: { backoff: { maxMs: 2000 } } } };

it(`keeps every acknowledged alarm through ${ROUNDS} SIGKILLs during a cloud outage`, async () => {
  world = await startChaosWorld(['k1', 'k2', 'k3'], CHAOS_GATEWAY);
  const w = world;
  for (const n of w.nodes) mqttLink(n, w.gateway.brokerUrl);
  await w.cloud.stop();
  const load = alarmLoad(w.nodes, 300);
  const killedAfter: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const wait = 200 + Math.floor(Math.random() * 1300);
    killedAfter.push(wait);
    await new Promise((r) => setTimeout(r, wait));
    await w.gateway.kill();
    await w.gateway.start();
  }
  load.stop();
  await w.cloud.start();
  await until(() => violations(w.nodes, w.log).length === 0, 30_000);
  // and no node is left re-sending: every stored alarm was (re-)acknowledged
  await until(() => w.nodes.every((n) => n.unacked.size === 0), 10_000);
  const acked = w.nodes.reduce((s, n) => s + n.acked.size, 0);
  const stuck = storedButUnacknowledged(w.nodes, w.log);
  expect(violations(w.nodes, w.log), `kills at ${killedAfter.join(', ')} ms`).toEqual([]);
  expect(stuck, `stored alarms never re-acknowledged (kills at ${killedAfter.join(', ')} ms)`).toBe(0);
  expect(w.nodes.map((n) => n.unacked.size)).toEqual(w.nodes.map(() => 0));
  expect(acked).toBeGreaterThan(ROUNDS * 50);
}, 120_000);
