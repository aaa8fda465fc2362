import { afterAll, beforeAll, expect, it } from 'vitest';
import type { DecidedEvent } from '../../gateway/wire/events.ts';
import { freePort } from '../../simulator/live/mosquitto.ts';
import { type PtyPair, startPtyPair } from '../../simulator/live/pty-pair.ts';
import { describeOnEspruino } from './harness/espruino-bin.ts';
import { Interpreter, type StartOptions } from './harness/interpreter.ts';
import { MqttProxy } from './harness/mqtt-proxy.ts';
import { smokeLevel, testNodeConfig } from './harness/node-config.ts';
import { nodeScript } from './harness/node-script.ts';
import { type Park, startPark } from './harness/park.ts';

/**
 * RAM measured, not modelled: `process.memory().usage` (JsVars in use, after a garbage
 * collection) in the real interpreter, in each state the budget is about, for an MQTT and a
 * serial node. The harness's own cost (the interpreter with the prelude and no node script) is
 * measured the same way and subtracted; the pin-watch and pin-level records the prelude keeps
 * for the node are counted as the node's (a board's setWatch keeps a watch record too).
 * Prints the table; fails over the budget or when running for a while grows the heap.
 */
const BUDGET = 1200;
/** heap variation allowed between samples of a node that only runs (timers, buffers in flight) */
const GROWTH_TOLERANCE = 15;
const RING_SIZE = 8;
/** every part a node can have, as the RAM estimate counted: smoke, water, battery divider, tamper switch */
const FULL = { battery: {}, tamper: {} };
/** clean air, 3.9 V on the battery divider, the case closed */
const INPUTS = `PW.a.D34 = ${smokeLevel(0)};\nPW.a.D35 = 0.6;\nPW.d.D27 = 0;\n`;

let park: Park;
/** the serial node's own gateway: stopping it is the serial node's "gateway away" */
let serialPark: Park;
let pty: PtyPair;
const started: Interpreter[] = [];
const proxies: MqttProxy[] = [];
const rows: string[] = [];
let harnessCost = 0;
/** every state's figure, node only, for the budget check */
const measured: [string, number][] = [];

beforeAll(async () => {
  pty = await startPtyPair();
  park = await startPark();
  serialPark = await startPark({ serial: [pty.gatewayPath] });
  const bare = await start({ bare: true });
  const prelude = await start({ preludeExtra: INPUTS });
  await new Promise((r) => setTimeout(r, 500));
  const bareVars = await bare.memory();
  const preludeVars = await prelude.memory();
  harnessCost = preludeVars;
  rows.push(
    `interpreter alone: ${bareVars} JsVars; with the prelude (harness): ${preludeVars} (prelude ${preludeVars - bareVars})`,
  );
}, 60_000);

afterAll(async () => {
  await Promise.all(started.map((e) => e.dispose()));
  await Promise.all(proxies.map((p) => p.down()));
  await park?.dispose();
  await serialPark?.dispose();
  await pty?.stop();
  console.log(
    `\n内存实测 / RAM measured on Espruino 2v29 (JsVars, node = measured - harness):\n  ${rows.join('\n  ')}\n`,
  );
});

async function start(o: StartOptions): Promise<Interpreter> {
  const esp = await Interpreter.start(o);
  started.push(esp);
  return esp;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Measures the node in every state and checks each against the budget. */
async function measure(
  link: 'mqtt' | 'serial',
  park: Park,
  esp: Interpreter,
  id: string,
  away: () => Promise<void>,
  back: () => Promise<void>,
): Promise<void> {
  const figures: [string, number][] = [];
  const take = async (state: string, quiet = false) => {
    // quiet: the least of three readings 300 ms apart, so a message that happens to be in flight
    // (a heartbeat in a socket buffer or the QoS 1 window, ~10-20 JsVars) is not taken for growth
    let used = await esp.memory();
    for (let i = 0; quiet && i < 2; i++) {
      await sleep(300);
      used = Math.min(used, await esp.memory());
    }
    if (!(used > harnessCost))
      throw new Error(`${link} ${state}: usage ${used}; console:\n${esp.output().slice(-2000)}`);
    const node = used - harnessCost;
    figures.push([state, node]);
    return node;
  };
  const from = (kind: string) => (e: DecidedEvent) => e.node === id && e.kind === kind;
  await esp.waitFor(/"kind":"heartbeat"/, 'boot heartbeat on the console');
  await take('after boot');
  await park.waitEvent(from('hello'), 'hello');
  await sleep(1500);
  await take('connected');
  let mark = park.events.length;
  await esp.exec(`PW.a.D34 = ${smokeLevel(180)}`);
  await park.waitEvent((e) => from('alarm')(e) && park.events.indexOf(e) >= mark, 'alarm');
  await take('in alarm');
  await esp.exec(`PW.a.D34 = ${smokeLevel(0)}`);
  await park.waitEvent((e) => from('clear')(e) && park.events.indexOf(e) >= mark, 'clear');
  await away();
  // self tests while the gateway is away: more events than the ring holds
  await esp.exec(
    `(function () { var n = 0; var t = setInterval(function () { PW.set("D0", n % 2); if (++n >= ${2 * (RING_SIZE + 2)}) clearInterval(t); }, 150); })()`,
  );
  await sleep(4000);
  await take(`gateway away, ring full (${RING_SIZE + 2} tests)`);
  mark = park.events.length;
  await back();
  await park.waitEvent((e) => from('test')(e) && park.events.indexOf(e) >= mark, 'tests after the gateway came back');
  await take('gateway back');
  // running for a while once the ring is delivered: sampling every 200 ms, telemetry every 3 s,
  // heartbeats every 5 s, keepalive; every figure after a garbage collection
  await sleep(3000);
  const samples: number[] = [];
  for (let i = 0; i < 6; i++) {
    samples.push(await take(`running, +${i * 5} s`, true));
    await sleep(5000);
  }
  const worst = Math.max(...figures.map((f) => f[1]));
  rows.push(`${link}: ${figures.map(([s, n]) => `${s} ${n}`).join(', ')}; worst ${worst}`);
  measured.push(...figures.map(([state, n]): [string, number] => [`${link} ${state}`, n]));
  expect(esp.output()).not.toMatch(/Uncaught|PW-WATCHDOG|Out of Memory|LOW_MEMORY/);
  // growth, not jitter (a message in flight is a few vars): the last samples against the first
  expect(
    Math.max(...samples.slice(-3)) - Math.min(...samples.slice(0, 3)),
    `${link}: heap grows while running: ${samples}`,
  ).toBeLessThanOrEqual(GROWTH_TOLERANCE);
}

describeOnEspruino('RAM of the node on the real interpreter', () => {
  it.concurrent('MQTT node: measured in every state, no growth while running', async () => {
    const id = 'esp-ram-mqtt';
    const proxy = new MqttProxy(await freePort(), park.brokerPort);
    proxies.push(proxy);
    await proxy.up();
    const { config, key } = testNodeConfig(
      id,
      { kind: 'mqtt', ssid: 'park', host: '127.0.0.1', port: proxy.port },
      FULL,
    );
    park.register(id, key, ['smoke', 'water']);
    const esp = await start({
      script: await nodeScript(),
      config: JSON.stringify(config),
      preludeExtra: INPUTS,
    });
    await measure(
      'mqtt',
      park,
      esp,
      id,
      () => proxy.down(),
      () => proxy.up(),
    );
  }, 150_000);

  it.concurrent('serial node: measured in every state, no growth while running', async () => {
    const id = 'esp-ram-serial';
    const { config, key } = testNodeConfig(id, { kind: 'serial', uart: 'Serial2', baud: 115200 }, FULL);
    serialPark.register(id, key, ['smoke', 'water']);
    const esp = await start({
      script: await nodeScript(),
      config: JSON.stringify(config),
      uarts: { Serial2: pty.nodePath },
      preludeExtra: INPUTS,
    });
    // the gateway away: the serial line stays, but nobody reads it or acknowledges
    await measure(
      'serial',
      serialPark,
      esp,
      id,
      () => serialPark.stop(),
      () => serialPark.start(),
    );
  }, 150_000);

  it.concurrent('MQTT node: an hour of running at 30x speed (faketime) does not grow the heap', async () => {
    // Debian's faketime runs the interpreter's clock (getTime, timers, sleeps) 30 times faster:
    // an hour of sampling, telemetry, heartbeats and keepalive in two minutes, against the real
    // gateway. A tick made late by a loaded machine is 30 times later in node time, so the
    // prelude's watchdog stand-in may complain here; a leak shows as a rising floor.
    const id = 'esp-ram-hour';
    const { config, key } = testNodeConfig(
      id,
      { kind: 'mqtt', ssid: 'park', host: '127.0.0.1', port: park.brokerPort },
      FULL,
    );
    park.register(id, key, ['smoke', 'water']);
    const esp = await start({
      script: await nodeScript(),
      config: JSON.stringify(config),
      preludeExtra: INPUTS,
      speed: 30,
    });
    await park.waitEvent((e) => e.node === id && e.kind === 'hello', 'hello at 30x');
    const floor = async () => {
      let used = await esp.memory();
      for (let i = 0; i < 2; i++) {
        await sleep(300);
        used = Math.min(used, await esp.memory());
      }
      return used - harnessCost;
    };
    const t0 = await esp.eval<number>('getTime()');
    const samples: number[] = [];
    for (;;) {
      samples.push(await floor());
      if ((await esp.eval<number>('getTime()')) - t0 >= 3600) break;
      await sleep(10_000);
    }
    const beats = park.states.filter((s) => s.node === id).length;
    rows.push(`mqtt, an hour at 30x (faketime): ${samples.join(', ')}; ${beats} heartbeats`);
    expect(esp.output()).not.toMatch(/Uncaught|Out of Memory|LOW_MEMORY/);
    // the node lived the hour (720 heartbeats when the machine keeps up; fewer when it is loaded)
    expect(beats, 'heartbeats during the hour').toBeGreaterThan(60);
    // At 30x a heartbeat or telemetry is in flight at most readings (~20 JsVars), so the floors
    // are compared, with room for one message: a leak of even one JsVar per heartbeat would be 720.
    expect(
      Math.min(...samples.slice(-3)) - Math.min(...samples.slice(0, 3)),
      `heap grows over an hour: ${samples}`,
    ).toBeLessThanOrEqual(2 * GROWTH_TOLERANCE + 10);
  }, 300_000);

  it(`fits the ${BUDGET} JsVar budget in every state`, () => {
    expect(measured.length).toBeGreaterThan(0);
    for (const [state, n] of measured) expect(n, state).toBeLessThanOrEqual(BUDGET);
  });
});
