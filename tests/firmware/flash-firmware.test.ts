import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildFirmware } from '../../firmware/build.ts';
import { firmwareHash } from '../../firmware/fw-hash.ts';
import { configText } from '../../firmware/node-config-schema.ts';
import { startPtyPair } from '../../simulator/live/pty-pair.ts';
import { fakeBoardOnSerial } from '../support/fake-board.ts';
import { runNode } from '../support/run-process.ts';

/**
 * The real built firmware through `parkwatch flash`: the fake board stores what it receives and,
 * on load(), runs the uploaded .bootcde in the simulator's VirtualBoard with the config it was
 * given. The hello, readings and heartbeat in the summary are the firmware's own.
 */

const NODE = {
  id: 'fab3-smoke-07',
  key: '0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a6978',
  link: { kind: 'serial', uart: 'Serial2' },
  channels: [
    { name: 'smoke', kind: 'analog' },
    { name: 'water', kind: 'contact' },
  ],
};

let dir: string;
let script: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pw-flash-fw-'));
  const built = await buildFirmware({ typecheck: false });
  script = built.script;
  writeFileSync(join(dir, 'parkwatch-node.js'), script, 'latin1');
  writeFileSync(join(dir, 'node.json'), JSON.stringify(NODE));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('flashes the built firmware and reads its own hello, readings and heartbeat', async () => {
  const pty = await startPtyPair();
  const fake = await fakeBoardOnSerial(pty.nodePath, { firmware: 'virtual' });
  try {
    const args = ['--port', pty.gatewayPath, '--node', join(dir, 'node.json')];
    const res = await runNode([
      'bin/parkwatch.js',
      'flash',
      ...args,
      '--script',
      join(dir, 'parkwatch-node.js'),
      '--fast',
      '--timeout',
      '10',
    ]);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(fake.board.storage.get('.bootcde')).toBe(script);
    expect(fake.board.storage.get('pw.cfg')).toBe(configText(NODE as never));
    expect(res.stdout).toContain(`hash ${firmwareHash(script).slice(0, 16)}`);
    expect(res.stdout).toContain('✓ 固件与上传的一致 / firmware matches what was uploaded');
    expect(res.stdout).toContain('✓ 配置与写入的一致 / config matches what was written');
    expect(res.stdout).toContain('✓ 签名用节点密钥验证通过');
    expect(res.stdout).toMatch(/smoke \(analog, D34\):\s+-?\d+ \(基线 \/ baseline -?\d+, normal\)/);
    expect(res.stdout).toMatch(/water \(contact, D32\):\s+未动作 \/ inactive \(normal\)/);
    expect(res.stdout).toContain('✓ 调试通过');
  } finally {
    await fake.close();
    await pty.stop();
  }
});
