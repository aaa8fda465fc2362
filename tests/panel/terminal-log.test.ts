import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../gateway/store/database.ts';
import { NodeRegistry } from '../../gateway/store/registry.ts';
import { freePort } from '../../simulator/live/mosquitto.ts';
import { NodeClient } from '../../simulator/node-client.ts';
import { writeConfig } from '../gateway/support/gateway-process.ts';

/**
 * `parkwatch gateway` as a person starts it, on a real pseudo-terminal (util-linux `script`):
 * readable lines for an alarm, the setup token boxed in the banner; piped, the same run logs JSON.
 */
const ROOT = join(import.meta.dirname, '..', '..');
/** colour codes the pty passes through */
const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');
const dirs: string[] = [];
const children: ChildProcess[] = [];
const clients: MqttClient[] = [];

async function gatewayIn(dir: string): Promise<{ config: string; node: NodeClient; port: number }> {
  const db = openDatabase(dir);
  const [stored] = new NodeRegistry(db).upsert(
    [
      {
        id: 'smoke-a1',
        channels: ['smoke'],
        enterprise: '宁德电池',
        site: 'A区',
        zone: '二号车间',
        location: '涂布线东侧',
      },
    ],
    Date.now(),
  );
  db.close();
  const port = await freePort();
  const config = writeConfig(dir, {
    dataDir: dir,
    http: { host: '127.0.0.1', port: 0 },
    localBroker: { mode: 'embedded', host: '127.0.0.1', port },
  });
  return { config, node: new NodeClient(stored.id, stored.keyHex), port };
}

/** Runs the command and collects what it prints; `tty` runs it inside `script` (a real pty). */
function run(args: string[], tty: boolean): { output: () => string } {
  const command = [process.execPath, join(ROOT, 'bin', 'parkwatch.js'), ...args].map((a) => `'${a}'`).join(' ');
  const child = tty
    ? spawn('script', ['-qfc', command, '/dev/null'], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] })
    : spawn('sh', ['-c', command], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let text = '';
  child.stdout?.on('data', (c) => {
    text += c;
  });
  child.stderr?.on('data', (c) => {
    text += c;
  });
  return { output: () => text.replace(ANSI, '') };
}

async function alarmFrom(node: NodeClient, port: number): Promise<void> {
  const client = await node.connect(`mqtt://127.0.0.1:${port}`);
  clients.push(client);
  await node.publish(client, node.alarm('smoke', 356));
}

afterAll(async () => {
  for (const c of clients) await c.endAsync(true);
  for (const c of children) if (c.pid) process.kill(c.pid, 'SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('the gateway in a terminal', () => {
  it('on a TTY: the setup token boxed in the banner, one readable line per alarm', { timeout: 60_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pw-tty-'));
    dirs.push(dir);
    const { config, node, port } = await gatewayIn(dir);
    const gw = run(['gateway', '--config', config], true);
    await expect.poll(() => gw.output(), { timeout: 30_000 }).toContain('└');
    const out = gw.output();
    expect(out).toMatch(/┌─+┐/);
    expect(out).toMatch(/│ 一次性设置令牌 \/ one-time setup token: {2}[\w-]{24} +│/);
    // the banner is not preceded by a JSON line carrying the token
    expect(out).not.toContain('"setupToken"');
    await alarmFrom(node, port);
    await expect.poll(() => gw.output(), { timeout: 15_000 }).toContain('火警 FIRE');
    const line =
      gw
        .output()
        .split(/\r?\n/)
        .find((l) => l.includes('火警 FIRE')) ?? '';
    expect(line).toMatch(
      /^\d\d:\d\d:\d\d {2}火警 FIRE 报警 \/ alarm {2}宁德电池 \/ A区 \/ 二号车间 \/ 涂布线东侧 {2}smoke-a1\/smoke/,
    );
    expect(line.startsWith('{')).toBe(false);
  });

  it('piped: JSON lines, as a service manager reads them', { timeout: 60_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pw-json-'));
    dirs.push(dir);
    const { config, node, port } = await gatewayIn(dir);
    const gw = run(['gateway', '--config', config], false);
    await expect.poll(() => gw.output(), { timeout: 30_000 }).toContain('gateway running');
    await alarmFrom(node, port);
    await expect.poll(() => gw.output(), { timeout: 15_000 }).toContain('"kind":"alarm"');
    const line =
      gw
        .output()
        .split('\n')
        .find((l) => l.includes('"kind":"alarm"')) ?? '';
    expect(JSON.parse(line)).toMatchObject({ node: 'smoke-a1', priority: 'fire', msg: '报警 / alarm' });
    expect(gw.output()).toContain('"setupToken"');
  });
});
