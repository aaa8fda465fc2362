import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, expect, it } from 'vitest';
import type { DecidedEvent } from '../../gateway/wire/events.ts';
import { gatewayEvent } from '../../protocol/topics.ts';
import { runNode } from '../support/run-process.ts';
import { describeOnEspruino } from './harness/espruino-bin.ts';
import { Interpreter } from './harness/interpreter.ts';
import { smokeLevel } from './harness/node-config.ts';
import { CONSUMER, type Park, startPark } from './harness/park.ts';

/**
 * An installer's path, on the real interpreter instead of a board: `parkwatch firmware build`,
 * then `parkwatch flash --port tcp://127.0.0.1:2323` into `espruino --telnet` with the node.json
 * of docs/installing.md (only the gateway's address changed). The commissioning summary is read
 * back; the node reaches the real gateway and raises an alarm that the gateway stores and
 * forwards; a power cut and restart keep the config and count the boot.
 */
const ROOT = join(import.meta.dirname, '..', '..');
let park: Park | undefined;
let esp: Interpreter | undefined;
afterAll(async () => {
  await esp?.dispose();
  await park?.dispose();
});

describeOnEspruino('flash over tcp:// into the real interpreter', () => {
  it('flashes, commissions, reaches the gateway, raises a forwarded alarm, and keeps its config over a restart', async () => {
    park = await startPark();
    const node = {
      id: 'fab3-smoke-07',
      key: '3f6c0e2a9b1d4c7e8f0a1b2c3d4e5f60',
      link: { kind: 'mqtt', ssid: '园区物联网-3F', pass: '…', host: '127.0.0.1', port: park.brokerPort },
      channels: [
        { name: 'smoke', kind: 'analog' },
        { name: 'water', kind: 'contact' },
      ],
      battery: {},
    };
    park.register(node.id, node.key, ['smoke', 'water']);
    // clean air on the smoke chamber, 3.9 V on the battery divider (6600 mV full scale)
    esp = await Interpreter.start({ telnet: true, preludeExtra: `PW.a.D34 = ${smokeLevel(0)};\nPW.a.D35 = 0.6;\n` });
    const nodeFile = join(esp.dir, 'node.json');
    const text = JSON.stringify(node, null, 2);
    writeFileSync(nodeFile, text);
    execFileSync(process.execPath, [join(ROOT, 'bin', 'parkwatch.js'), 'firmware', 'build'], { cwd: ROOT });
    const flash = await runNode([
      join(ROOT, 'bin', 'parkwatch.js'),
      'flash',
      '--port',
      'tcp://127.0.0.1:2323',
      '--node',
      nodeFile,
    ]);
    const out = flash.stdout + flash.stderr;
    expect(flash.code, out).toBe(0);
    expect(out).toMatch(/节点 \/ node: +fab3-smoke-07 \(boot 1/);
    expect(out).toContain('✓ 签名用节点密钥验证通过 / signature verified with the node key');
    expect(out).toContain('✓ 配置与写入的一致 / config matches what was written');
    expect(out).toContain('✓ 固件与上传的一致 / firmware matches what was uploaded');
    expect(out).toMatch(/smoke \(analog, D34\): +0 \(基线 \/ baseline 0, normal\)/);
    expect(out).toMatch(/心跳 \/ heartbeat: +battery 3960 mV/);
    expect(out).not.toContain('✗');

    const hello = await park.waitEvent((e) => e.node === node.id && e.kind === 'hello', 'hello at the gateway');
    // the flash writes the config as it checked it; the summary shows the start of its hash
    const cfh = String(hello.data.cfh);
    expect(out).toContain(`hash ${cfh.slice(0, 16)}`);
    expect(esp.lines.join('')).not.toMatch(/Uncaught|PW-UNCONFIGURED/);
    const consumer = await mqtt.connectAsync(`mqtt://127.0.0.1:${park.brokerPort}`, {
      ...CONSUMER,
      reconnectPeriod: 0,
    });
    const forwarded: DecidedEvent[] = [];
    consumer.on('message', (_t, p) => forwarded.push(JSON.parse(p.toString())));
    await consumer.subscribeAsync(gatewayEvent('+', 'alarm'), { qos: 1 });
    // the telnet session has ended: the interpreter's own console takes input again
    await esp.exec(`PW.a.D34 = ${smokeLevel(200)}`);
    const alarm = await park.waitEvent((e) => e.node === node.id && e.kind === 'alarm', 'alarm (8 s verification)');
    await expect.poll(() => forwarded.map((e) => e.id), { timeout: 10_000 }).toContain(alarm.id);
    await consumer.endAsync();

    // power cut and restart, no telnet: the same config from Storage, the next boot
    await esp.restart(false);
    const again = await park.waitEvent(
      (e) => e.node === node.id && e.kind === 'hello' && e.origin?.boot === 2,
      'hello after restart',
    );
    expect(again.data.cfh).toBe(cfh);
    expect(again.data.fwh).toBe(hello.data.fwh);
  }, 120_000);
});
