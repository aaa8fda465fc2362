import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { firmwareHash } from '../../firmware/fw-hash.ts';
import { DB_FILE } from '../../gateway/store/database.ts';
import type { DecidedEvent } from '../../gateway/wire/events.ts';
import { freePort } from '../../simulator/live/mosquitto.ts';
import { GatewayProcess } from '../bench/gateway-process.ts';
import { describeOnEspruino } from './harness/espruino-bin.ts';
import { Interpreter } from './harness/interpreter.ts';
import { MqttProxy } from './harness/mqtt-proxy.ts';
import { configHash, smokeLevel, testNodeConfig } from './harness/node-config.ts';
import { nodeScript } from './harness/node-script.ts';
import { type Park, startPark } from './harness/park.ts';

/**
 * The built node script in the real interpreter, talking MQTT over Espruino's own `net` to the
 * real gateway's embedded broker. Each test is its own node (own interpreter, own Storage);
 * they run at once against one gateway. What counts is what the gateway verified and stored.
 */
let park: Park;
const nodes: Interpreter[] = [];
const proxies: MqttProxy[] = [];

beforeAll(async () => {
  park = await startPark();
});
afterAll(async () => {
  await Promise.all(nodes.map((n) => n.dispose()));
  await Promise.all(proxies.map((p) => p.down()));
  await park?.dispose();
});

/** Registers a node with the gateway and boots it in its own interpreter (smoke reads clean air). */
async function bootNode(id: string, port = park.brokerPort, extra: Record<string, unknown> = {}) {
  const { config, key } = testNodeConfig(
    id,
    { kind: 'mqtt', ssid: '园区物联网-3F', pass: '密码-é', host: '127.0.0.1', port },
    extra,
  );
  park.register(id, key, ['smoke', 'water']);
  const text = JSON.stringify(config);
  const esp = await Interpreter.start({
    script: await nodeScript(),
    config: text,
    preludeExtra: `PW.a.D34 = ${smokeLevel(0)};\n`,
  });
  nodes.push(esp);
  return { esp, text, config };
}

/** Per test: real time passes in the interpreter (the QoS 1 retry alone waits 10 s). */
const T = 90_000;

const from = (node: string, kind: string, ch?: string) => (e: DecidedEvent) =>
  e.node === node && e.kind === kind && (ch === undefined || e.ch === ch);

/** Presses the button (active low) for 300 ms, timed inside the interpreter (stdin may lag under load). */
function press(esp: Interpreter): Promise<void> {
  return esp.exec('PW.set("D0", 0); setTimeout(function () { PW.set("D0", 1); }, 300)');
}

describeOnEspruino('MQTT node on the real interpreter against the real gateway', () => {
  it.concurrent(
    'says hello (firmware and config hash), sends telemetry and heartbeats',
    async () => {
      const { esp, text } = await bootNode('esp-hello');
      const hello = await park.waitEvent(from('esp-hello', 'hello'), 'hello');
      expect(hello.data).toMatchObject({
        fw: '0.1.0',
        fwh: firmwareHash(await nodeScript()),
        cfh: configHash(text),
        chs: ['smoke', 'water'],
      });
      expect(hello.origin).toMatchObject({ path: 'mqtt', boot: 1 });
      await park.waitEvent(from('esp-hello', 'telemetry', 'smoke'), 'telemetry');
      // the boot heartbeat goes before Wi-Fi is up (rssi 0, unknown); the next ones carry it
      const state = await park.waitState((s) => s.node === 'esp-hello' && s.rssi === -55, 'heartbeat with rssi');
      expect(state).toMatchObject({ online: true });
      expect(state.mem).toBeGreaterThan(0);
      expect(esp.output()).not.toMatch(/Uncaught|PW-REJECT|PW-WATCHDOG/);
    },
    T,
  );

  it.concurrent(
    'smoke: a short spike is not verified; pre-alarm and alarm each after verification; clear with hysteresis',
    async () => {
      const id = 'esp-smoke';
      const { esp } = await bootNode(id);
      await park.waitEvent(from(id, 'hello'), 'hello');
      // over the alarm threshold for 1 s, less than verifyS (2 s), timed inside the interpreter
      let mark = park.events.length;
      await esp.exec(`PW.a.D34 = ${smokeLevel(180)}; setTimeout(function () { PW.a.D34 = ${smokeLevel(0)}; }, 1000)`);
      await new Promise((r) => setTimeout(r, 4000));
      expect(park.events.slice(mark).filter((e) => e.node === id && e.kind !== 'telemetry')).toEqual([]);
      // over pre-alarm (80) only: pre-alarm after verification
      mark = park.events.length;
      const rose = Date.now();
      await esp.exec(`PW.a.D34 = ${smokeLevel(100)}`);
      const pre = await park.waitEvent(from(id, 'prealarm', 'smoke'), 'pre-alarm', mark);
      expect(Date.now() - rose).toBeGreaterThanOrEqual(2000);
      expect(pre.data).toMatchObject({ v: 100, th: 80 });
      await esp.exec(`PW.a.D34 = ${smokeLevel(180)}`);
      const alarm = await park.waitEvent(from(id, 'alarm', 'smoke'), 'alarm', mark);
      expect(alarm).toMatchObject({
        priority: 'fire',
        data: { v: 180, th: 150, src: 'smoke' },
        alarm: { state: 'active' },
      });
      // 60 is under pre-alarm (80) but within its hysteresis (30): no clear yet
      mark = park.events.length;
      await esp.exec(`PW.a.D34 = ${smokeLevel(60)}`);
      await new Promise((r) => setTimeout(r, 2000));
      expect(park.events.slice(mark).filter((e) => e.node === id && e.kind !== 'telemetry')).toEqual([]);
      await esp.exec(`PW.a.D34 = ${smokeLevel(40)}`);
      const clear = await park.waitEvent(from(id, 'clear', 'smoke'), 'clear', mark);
      expect(clear.data).toMatchObject({ v: 40 });
    },
    T,
  );

  it.concurrent(
    'button: a self test when quiet; hush in alarm, and the alarm re-sounds when smoke rises further',
    async () => {
      const id = 'esp-button';
      const { esp } = await bootNode(id);
      await park.waitEvent(from(id, 'hello'), 'hello');
      let mark = park.events.length;
      await press(esp);
      const test = await park.waitEvent(from(id, 'test'), 'test', mark);
      expect(test.data).toMatchObject({ by: 'button', ok: true });
      mark = park.events.length;
      await esp.exec(`PW.a.D34 = ${smokeLevel(180)}`);
      await park.waitEvent(from(id, 'alarm', 'smoke'), 'alarm', mark);
      expect(await esp.eval('PW.d.D25')).toBeDefined();
      await press(esp);
      const hush = await park.waitEvent(from(id, 'hush', 'smoke'), 'hush', mark);
      expect(hush.data).toMatchObject({ by: 'button' });
      mark = park.events.length;
      await esp.exec(`PW.a.D34 = ${smokeLevel(260)}`);
      const again = await park.waitEvent(from(id, 'alarm', 'smoke'), 're-sounded alarm', mark);
      expect(again.data).toMatchObject({ src: 'smoke' });
    },
    T,
  );

  it.concurrent(
    'water: delayed-on, latched until the button resets it once the probe is dry',
    async () => {
      const id = 'esp-water';
      const { esp } = await bootNode(id);
      await park.waitEvent(from(id, 'hello'), 'hello');
      let mark = park.events.length;
      await esp.exec('PW.set("D32", 0)'); // the probe is wet: active low
      const alarm = await park.waitEvent(from(id, 'alarm', 'water'), 'water alarm', mark);
      expect(alarm).toMatchObject({ priority: 'water', data: { src: 'water' } });
      await esp.exec('PW.set("D32", 1)');
      await new Promise((r) => setTimeout(r, 1000));
      expect(park.events.slice(mark).filter(from(id, 'clear'))).toEqual([]); // latched
      mark = park.events.length;
      await press(esp); // first press hushes the alarm
      await park.waitEvent(from(id, 'hush', 'water'), 'hush', mark);
      await new Promise((r) => setTimeout(r, 1000));
      await press(esp); // then resets the latch: the probe is dry
      await park.waitEvent(from(id, 'clear', 'water'), 'reset of the latch', mark);
    },
    T,
  );

  it.concurrent(
    'QoS 1: a publish the broker does not acknowledge is sent again (DUP) until it is',
    async () => {
      const id = 'esp-qos';
      const proxy = new MqttProxy(await freePort(), park.brokerPort);
      proxies.push(proxy);
      await proxy.up();
      const { esp } = await bootNode(id, proxy.port);
      await park.waitEvent(from(id, 'hello'), 'hello');
      proxy.dropPubacks = true;
      const mark = park.events.length;
      await esp.exec(`PW.a.D34 = ${smokeLevel(100)}`);
      await park.waitEvent(from(id, 'prealarm', 'smoke'), 'pre-alarm', mark);
      const isPre = (p: { type: number; dup: boolean; payload?: string }) =>
        p.type === 3 && /"kind":"prealarm"/.test(p.payload ?? '');
      // the node's retry comes after RETRY_MS (10 s): wait for the re-send, then let PUBACKs through
      await new Promise<void>((resolve, reject) => {
        const end = Date.now() + 25_000;
        const look = () => {
          if (proxy.seen.some((p) => p.dir === 'up' && isPre(p) && p.dup)) resolve();
          else if (Date.now() > end) reject(new Error('no DUP re-send'));
          else setTimeout(look, 200);
        };
        look();
      });
      proxy.dropPubacks = false;
      // the re-send after this one (RETRY_MS later) gets its PUBACK; after that, silence
      await new Promise((r) => setTimeout(r, 13_000));
      const sent = proxy.seen.filter((p) => p.dir === 'up' && isPre(p)).length;
      await new Promise((r) => setTimeout(r, 12_000));
      expect(proxy.seen.filter((p) => p.dir === 'up' && isPre(p)).length).toBe(sent);
      expect(park.events.filter(from(id, 'prealarm'))).toHaveLength(1);
    },
    T,
  );

  it.concurrent(
    'broker away (net.connect throws at once) and back: the alarm raised meanwhile arrives',
    async () => {
      const id = 'esp-down';
      const proxy = new MqttProxy(await freePort(), park.brokerPort);
      proxies.push(proxy);
      await proxy.up();
      const { esp } = await bootNode(id, proxy.port);
      await park.waitEvent(from(id, 'hello'), 'hello');
      await proxy.down();
      const mark = park.events.length;
      await esp.exec(`PW.a.D34 = ${smokeLevel(180)}`);
      await esp.waitFor(/Unable to create socket|Connect failed/, 'a refused reconnect');
      await new Promise((r) => setTimeout(r, 4000));
      expect(esp.output()).not.toMatch(/Uncaught/);
      await proxy.up();
      const alarm = await park.waitEvent(from(id, 'alarm', 'smoke'), 'alarm after the broker came back', mark);
      expect(alarm.origin).toMatchObject({ boot: 1 });
    },
    T,
  );

  it.concurrent(
    'gateway killed (SIGKILL) and restarted: the alarm raised while it was down arrives after the restart',
    async () => {
      // its own gateway as a child process, as installed (`parkwatch gateway`), on its own data
      const dir = mkdtempSync(join(tmpdir(), 'pw-espruino-gwkill-'));
      const gw = new GatewayProcess({ dir, config: { log: { level: 'warn' } } });
      gw.brokerPort = await freePort();
      gw.httpPort = await freePort();
      const id = 'esp-gwkill';
      const { config, key } = testNodeConfig(id, {
        kind: 'mqtt',
        ssid: 'park',
        host: '127.0.0.1',
        port: gw.brokerPort,
      });
      gw.provision([{ id, keyHex: key }]);
      const stored = (kind: string) => {
        const db = new Database(join(gw.dataDir, DB_FILE), { readonly: true, fileMustExist: true });
        try {
          const rows = db.prepare('SELECT body FROM events WHERE node = ? AND kind = ?').all(id, kind) as {
            body: string;
          }[];
          return rows.map((r) => JSON.parse(r.body) as DecidedEvent);
        } finally {
          db.close();
        }
      };
      const until = async <T>(find: () => T | undefined, what: string, timeoutMs = 30_000): Promise<T> => {
        const end = Date.now() + timeoutMs;
        for (;;) {
          const found = find();
          if (found !== undefined) return found;
          if (Date.now() > end) throw new Error(`gateway stored no ${what}; log:\n${gw.logText().slice(-2000)}`);
          await new Promise((r) => setTimeout(r, 250));
        }
      };
      let esp: Interpreter | undefined;
      try {
        await gw.start();
        esp = await Interpreter.start({
          script: await nodeScript(),
          config: JSON.stringify(config),
          preludeExtra: `PW.a.D34 = ${smokeLevel(0)};\n`,
        });
        await until(() => stored('hello')[0], 'hello');
        const killedAt = esp.mark();
        await gw.kill();
        await esp.exec(`PW.a.D34 = ${smokeLevel(180)}`);
        await esp.waitFor(/Unable to create socket|Connect failed/, 'a refused reconnect', killedAt);
        await new Promise((r) => setTimeout(r, 4000)); // verified (2 s) while the gateway is dead
        expect(stored('alarm')).toEqual([]);
        await gw.start();
        const alarm = await until(() => stored('alarm')[0], 'alarm after the restart');
        expect(alarm).toMatchObject({ ch: 'smoke', data: { v: 180, src: 'smoke' }, origin: { boot: 1 } });
        expect(esp.output()).not.toMatch(/Uncaught/);
      } finally {
        await esp?.dispose();
        await gw.kill();
        rmSync(dir, { recursive: true, force: true });
      }
    },
    T,
  );

  it.concurrent(
    'signed commands: silence hushes, acknowledge, test; set_config with Chinese text reboots into it',
    async () => {
      const id = 'esp-cmd';
      const { esp, config } = await bootNode(id);
      await park.waitEvent(from(id, 'hello'), 'hello');
      const gw = () => park.running!.gateway;
      let mark = park.events.length;
      await esp.exec(`PW.a.D34 = ${smokeLevel(180)}`);
      const alarm = await park.waitEvent(from(id, 'alarm', 'smoke'), 'alarm', mark);
      const ref = alarm.alarm!.ref;
      await gw().panel.act({ action: 'acknowledge', ref, by: '值班员 Li' });
      await gw().panel.act({ action: 'silence', ref, by: '值班员 Li', seconds: 60 });
      const hush = await park.waitEvent(from(id, 'hush', 'smoke'), 'hush from the silence command', mark);
      expect(hush.data).toMatchObject({ by: 'command' });
      await park.waitEvent((e) => from(id, 'ack')(e) && e.data.ok === true, 'ack of the hush', mark);
      await esp.exec(`PW.a.D34 = ${smokeLevel(0)}`);
      await park.waitEvent(from(id, 'clear', 'smoke'), 'clear', mark);
      mark = park.events.length;
      await gw().panel.act({ action: 'test', node: id, by: '值班员 Li' });
      await park.waitEvent((e) => from(id, 'test')(e) && e.data.by === 'command', 'test by command', mark);
      // refused: an unknown pin named in Chinese; the node's signed ack carries it (Espruino escapes it as \uXXXX)
      mark = park.events.length;
      const badPin = { ...config, channels: [{ name: 'smoke', kind: 'analog', pin: '烟感' }] };
      await gw().desk.configure(id, badPin, '安装员');
      const refused = await park.waitEvent(from(id, 'ack'), 'ack of the refused config', mark);
      expect(refused.data).toMatchObject({ ok: false, err: 'channels[0].pin: no pin named "烟感" in pins' });
      // accepted: a new SSID in Chinese; the node stores it and reboots into it
      const next = { ...config, link: { ...(config.link as object), ssid: '二号楼-物联网' }, heartbeatS: 6 };
      await gw().desk.configure(id, next, '安装员');
      const hello = await park.waitEvent(
        (e) => from(id, 'hello')(e) && e.origin?.boot === 2,
        'hello after reboot',
        mark,
      );
      expect(hello.data.rst).toBe('software');
      expect(await esp.eval('require("Storage").readJSON("pw.cfg").link.ssid')).toBe('二号楼-物联网');
    },
    T,
  );
});
