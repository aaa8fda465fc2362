import { afterAll, expect, it } from 'vitest';
import type { DecidedEvent } from '../../gateway/wire/events.ts';
import { type PtyPair, startPtyPair } from '../../simulator/live/pty-pair.ts';
import { describeOnEspruino } from './harness/espruino-bin.ts';
import { Interpreter } from './harness/interpreter.ts';
import { smokeLevel, testNodeConfig } from './harness/node-config.ts';
import { nodeScript } from './harness/node-script.ts';
import { type Park, startPark } from './harness/park.ts';

/**
 * A serial node: the built script on the real interpreter, its UART (Espruino's own Serial2,
 * opened on a device path as the Linux build does) joined by a socat PTY pair to the real
 * gateway's serial ingest. Frames both ways: events up, signed commands down.
 */
let pty: PtyPair | undefined;
let park: Park | undefined;
let esp: Interpreter | undefined;
afterAll(async () => {
  await esp?.dispose();
  await park?.dispose();
  await pty?.stop();
});

describeOnEspruino('serial node on the real interpreter against the real gateway', () => {
  it('says hello, raises an alarm, takes a signed silence and set_config, answers in Chinese', async () => {
    pty = await startPtyPair();
    park = await startPark({ serial: [pty.gatewayPath] });
    const id = 'esp-serial';
    const { config, key } = testNodeConfig(id, { kind: 'serial', uart: 'Serial2', baud: 115200 });
    park.register(id, key, ['smoke', 'water']);
    esp = await Interpreter.start({
      script: await nodeScript(),
      config: JSON.stringify(config),
      uarts: { Serial2: pty.nodePath },
      preludeExtra: `PW.a.D34 = ${smokeLevel(0)};\n`,
    });
    const from = (kind: string) => (e: DecidedEvent) => e.node === id && e.kind === kind;
    const hello = await park.waitEvent(from('hello'), 'hello over serial');
    expect(hello.origin).toMatchObject({ path: 'serial', boot: 1 });
    await esp.exec(`PW.a.D34 = ${smokeLevel(180)}`);
    const alarm = await park.waitEvent(from('alarm'), 'alarm over serial');
    expect(alarm).toMatchObject({ ch: 'smoke', priority: 'fire' });
    const gw = park.running!.gateway;
    await gw.panel.act({ action: 'silence', ref: alarm.alarm!.ref, by: '值班员', seconds: 30 });
    const hush = await park.waitEvent(from('hush'), 'hush from the silence command');
    expect(hush.data).toMatchObject({ by: 'command' });
    const mark = park.events.length;
    await gw.desk.configure(id, { ...config, channels: [{ name: 'smoke', kind: 'analog', pin: '烟感' }] }, '安装员');
    const refused = await park.waitEvent((e) => from('ack')(e) && e.data.ok === false, 'refused set_config', mark);
    expect(refused.data.err).toBe('channels[0].pin: no pin named "烟感" in pins');
    expect(esp.output()).not.toMatch(/Uncaught|PW-REJECT|No path/);
  }, 90_000);
});
