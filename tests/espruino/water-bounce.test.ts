import { afterAll, beforeAll, expect, it } from 'vitest';
import type { DecidedEvent } from '../../gateway/wire/events.ts';
import { describeOnEspruino } from './harness/espruino-bin.ts';
import { Interpreter } from './harness/interpreter.ts';
import { smokeLevel, testNodeConfig } from './harness/node-config.ts';
import { nodeScript } from './harness/node-script.ts';
import { type Park, startPark } from './harness/park.ts';

/**
 * A water probe whose contact bounces: a storm of watch callbacks (edges 30-60 ms apart, above
 * the 20 ms pin debounce) on the real interpreter, starting at a few times after boot. A leak
 * that ends wet, or keeps bouncing while mostly wet, must become a water alarm at the gateway.
 */
let park: Park;
const nodes: Interpreter[] = [];
beforeAll(async () => {
  park = await startPark();
});
afterAll(async () => {
  await Promise.all(nodes.map((n) => n.dispose()));
  await park?.dispose();
});

const T = 60_000;
const waterAlarm = (id: string) => (e: DecidedEvent) => e.node === id && e.kind === 'alarm' && e.ch === 'water';

async function bootNode(id: string): Promise<Interpreter> {
  const link = { kind: 'mqtt', ssid: 'park', host: '127.0.0.1', port: park.brokerPort };
  const { config, key } = testNodeConfig(id, link);
  park.register(id, key, ['smoke', 'water']);
  const esp = await Interpreter.start({
    script: await nodeScript(),
    config: JSON.stringify(config),
    preludeExtra: `PW.a.D34 = ${smokeLevel(0)};\n`,
  });
  nodes.push(esp);
  await park.waitEvent((e) => e.node === id && e.kind === 'hello', 'hello');
  return esp;
}

/** Toggles the probe (active low) `edges` times, `wetMs` wet and `dryMs` dry, then leaves it at `end`. */
function storm(esp: Interpreter, edges: number, wetMs: number, dryMs: number, end: 0 | 1): Promise<void> {
  return esp.exec(
    `(function () { var n = 0; function step() { if (n >= ${edges}) { PW.set("D32", ${end}); return; } ` +
      `var wet = n % 2 === 0; PW.set("D32", wet ? 0 : 1); n++; setTimeout(step, wet ? ${wetMs} : ${dryMs}); } step(); })()`,
  );
}

describeOnEspruino('water contact bounce on the real interpreter', () => {
  for (const startS of [0, 3, 7]) {
    it(
      `a bounce storm ${startS} s after hello that ends wet becomes an alarm`,
      async () => {
        const id = `esp-bounce-end-${startS}`;
        const esp = await bootNode(id);
        await new Promise((r) => setTimeout(r, startS * 1000));
        const mark = park.events.length;
        await storm(esp, 40, 30, 30, 0);
        const alarm = await park.waitEvent(waterAlarm(id), 'water alarm after the storm', mark);
        expect(alarm.data).toMatchObject({ src: 'water' });
      },
      T,
    );

    // dry moments under CONTACT_CHATTER_MS do not restart the delayed-on: it alarms while bouncing.
    it(
      `a leak that keeps bouncing (mostly wet) from ${startS} s after hello becomes an alarm`,
      async () => {
        const id = `esp-bounce-keep-${startS}`;
        const esp = await bootNode(id);
        await new Promise((r) => setTimeout(r, startS * 1000));
        const mark = park.events.length;
        await storm(esp, 400, 60, 30, 0); // 400 edges: 18 s of bouncing
        const alarm = await park.waitEvent(waterAlarm(id), 'water alarm while bouncing', mark, 15_000);
        expect(alarm.data).toMatchObject({ src: 'water' });
      },
      T,
    );
  }
});
