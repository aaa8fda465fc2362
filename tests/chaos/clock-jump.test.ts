import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, it } from 'vitest';
import { alarmLoad, type ChaosWorld, startChaosWorld } from './support/chaos-world.ts';
import { until, violations } from './support/invariants.ts';
import { mqttLink } from './support/reliable-node.ts';

/**
 * The gateway's wall clock jumps an hour forward, then two hours back, under load during a
 * cloud outage. The clock is shifted inside the gateway process by a preload
 * (support/clock-offset.mjs) because there is no honest way to step the machine's clock for one
 * process here (no faketime, and the real clock is shared with everyone). Ids, order and
 * delivery must not depend on the wall clock; event times follow it.
 */
let world: ChaosWorld | undefined;
afterEach(async () => {
  await world?.dispose();
  world = undefined;
});

const PRELOAD = fileURLToPath(new URL('./support/clock-offset.mjs', import.meta.url));
const HOUR = 3_600_000;

it('keeps ids, order and every alarm when the wall clock jumps +1 h and -2 h', async () => {
  const offsetDir = mkdtempSync(join(tmpdir(), 'pw-clock-'));
  const offsetFile = join(offsetDir, 'offset-ms');
  writeFileSync(offsetFile, '0');
  world = await startChaosWorld(['t1', 't2'], {
    nodeArgs: ['--import', PRELOAD],
    env: { PW_CLOCK_OFFSET_FILE: offsetFile },
    config: { cloud: { backoff: { maxMs: 1000 } } },
  });
  const w = world;
  const jump = async (ms: number) => {
    writeFileSync(offsetFile, String(ms));
    w.gateway.poke('SIGUSR2');
    await new Promise((r) => setTimeout(r, 1000));
  };
  try {
    for (const n of w.nodes) mqttLink(n, w.gateway.brokerUrl);
    await w.cloud.stop();
    const load = alarmLoad(w.nodes, 100);
    await new Promise((r) => setTimeout(r, 1000));
    await jump(HOUR);
    await jump(-HOUR);
    await jump(0);
    load.stop();
    await w.cloud.start();
    await until(() => violations(w.nodes, w.log).length === 0, 20_000);
    expect(violations(w.nodes, w.log)).toEqual([]);
    // the jumps took effect: event times follow the gateway's wall clock
    const now = Date.now();
    const alarms = w.log.events.filter((e) => e.kind === 'alarm');
    expect(alarms.some((e) => e.at > now + 0.5 * HOUR)).toBe(true);
    expect(alarms.some((e) => e.at < now - 0.5 * HOUR)).toBe(true);
    // silence is measured on the monotonic clock: the steps raise no offline trouble
    const offline = w.log.events.filter((e) => e.kind === 'trouble' && e.trouble === 'offline');
    expect(offline).toEqual([]);
  } finally {
    rmSync(offsetDir, { recursive: true, force: true });
  }
}, 60_000);
