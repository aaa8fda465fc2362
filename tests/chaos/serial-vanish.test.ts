import { afterEach, expect, it } from 'vitest';
import { type PtyPair, startPtyPair } from '../../simulator/live/pty-pair.ts';
import { alarmLoad, type ChaosWorld, startChaosWorld } from './support/chaos-world.ts';
import { storedButUnacknowledged, until, violations } from './support/invariants.ts';
import { serialLink } from './support/reliable-node.ts';

/**
 * The serial line between a node and the gateway vanishes (USB adapter pulled) and returns, under
 * load: 50 alarms/s from one node (a storm; a real node sends a few per minute), so the node's
 * ring holds more than the 32-wide replay window after each outage and its late re-sends must
 * still be stored once and acknowledged.
 */
const RATE = Number(process.env.CHAOS_SERIAL_RATE ?? 50);
const SERIAL = { linkKeepsOrder: false };
let world: ChaosWorld | undefined;
let pty: PtyPair | undefined;
afterEach(async () => {
  await world?.dispose();
  await pty?.stop();
  world = undefined;
  pty = undefined;
});

it('keeps every alarm of a serial node across three unplug/plug cycles', async () => {
  pty = await startPtyPair();
  const p = pty;
  world = await startChaosWorld(['s1'], {
    config: { serial: [{ path: p.gatewayPath }], cloud: { backoff: { minMs: 100, maxMs: 1000 } } },
  });
  const w = world;
  const [node] = w.nodes;
  serialLink(node, p.nodePath);
  node.alarm();
  expect(await until(() => node.acked.size > 0, 15_000), 'first alarm over the serial line').toBe(true);
  const load = alarmLoad(w.nodes, RATE);
  for (let i = 0; i < 3; i++) {
    await new Promise((r) => setTimeout(r, 700));
    await p.unplug();
    await new Promise((r) => setTimeout(r, 600));
    await p.plug();
  }
  await new Promise((r) => setTimeout(r, 500));
  load.stop();
  await until(() => node.unacked.size === 0, 10_000);
  await until(() => violations(w.nodes, w.log, SERIAL).length === 0, 15_000);
  const stuck = storedButUnacknowledged(w.nodes, w.log);
  expect(violations(w.nodes, w.log, SERIAL)).toEqual([]);
  expect(stuck, 'stored alarms never re-acknowledged').toBe(0);
  expect(node.unacked.size).toBe(0);
  expect(node.alarms.length).toBeGreaterThan(RATE * 3);
  // the gateway saw the line go and said so: a link trouble reached the cloud
  expect(w.log.events.some((e) => e.kind === 'trouble' && e.trouble === 'link')).toBe(true);
}, 90_000);
