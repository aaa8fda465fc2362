import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../gateway/config/load.ts';
import { freePort } from '../../simulator/live/mosquitto.ts';
import { writeConfig } from '../gateway/support/gateway-process.ts';
import { tempDir, until } from '../gateway/support/gateway-rig.ts';
import { runNode } from '../support/run-process.ts';

/**
 * The systemd unit `parkwatch service install` writes, checked by systemd-analyze, and the
 * gateway's side of the notify protocol against a real unix datagram socket (socat UNIX-RECV):
 * this machine has no systemd as PID 1, so no real start.
 */
const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'parkwatch.js');
const hasAnalyze = spawnSync('sh', ['-c', 'command -v systemd-analyze']).status === 0;
const dirs: string[] = [];
const children: ChildProcess[] = [];

afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function dir(): string {
  const d = tempDir('pw-svc-');
  dirs.push(d);
  return d;
}

describe('parkwatch service', () => {
  it('prints a hardened unit; serial ports open tty devices, no ports close them all', async () => {
    const d = dir();
    const relative = await runNode([BIN, 'service', 'install', '--dry-run', '--config', writeConfig(d, {})]);
    expect(relative.code).toBe(1);
    expect(relative.stderr).toContain('[relative_data_dir]');
    const plain = await runNode([
      BIN,
      'service',
      'install',
      '--dry-run',
      '--config',
      writeConfig(d, { dataDir: join(d, 'var') }),
    ]);
    expect(plain.code).toBe(0);
    const unit = plain.stdout;
    for (const line of [
      'Type=notify',
      'NotifyAccess=all',
      'User=parkwatch',
      'Restart=always',
      'WatchdogSec=30',
      'ProtectSystem=strict',
      `ReadWritePaths=${join(d, 'var')}`,
      'NoNewPrivileges=true',
      'PrivateDevices=true',
      'StandardOutput=journal',
      `ExecStart=${process.execPath} ${BIN} gateway --config ${join(d, 'gateway.json')}`,
    ])
      expect(unit.split('\n')).toContain(line);
    expect(unit).not.toContain('MemoryDenyWriteExecute=');
    const s = dir();
    const serial = await runNode([
      BIN,
      'service',
      'install',
      '--dry-run',
      '--config',
      writeConfig(s, { dataDir: '/var/lib/parkwatch', serial: [{ path: '/dev/ttyUSB0' }] }),
    ]);
    const lines = serial.stdout.split('\n');
    expect(lines).toContain('DeviceAllow=char-ttyUSB rw');
    expect(lines).toContain('SupplementaryGroups=dialout');
    expect(lines).toContain('StateDirectory=parkwatch');
    expect(lines).not.toContain('PrivateDevices=true');
  }, 120_000);

  it.skipIf(!hasAnalyze)(
    'passes systemd-analyze verify with nothing to say',
    async () => {
      const d = dir();
      const config = writeConfig(d, { dataDir: join(d, 'var') });
      const printed = await runNode([BIN, 'service', 'install', '--dry-run', '--config', config]);
      const file = join(d, 'parkwatch.service');
      writeFileSync(file, printed.stdout);
      const verify = spawnSync('systemd-analyze', ['verify', file], { encoding: 'utf8' });
      expect(verify.stderr).toBe('');
      expect(verify.status).toBe(0);
      // and it does speak up about a broken unit
      writeFileSync(file, printed.stdout.replace('Restart=always', 'Restart=sometimes'));
      expect(spawnSync('systemd-analyze', ['verify', file], { encoding: 'utf8' }).stderr).toContain(
        'restart specifier',
      );
    },
    120_000,
  );

  it('installs under --root: the example config with the system data folder, the unit; uninstall keeps the config', async () => {
    const root = dir();
    const installed = await runNode([BIN, 'service', 'install', '--root', root]);
    expect(installed.stderr).toBe('');
    expect(installed.code).toBe(0);
    const config = loadConfig(join(root, 'etc/parkwatch/gateway.yaml'));
    expect(config.dataDir).toBe('/var/lib/parkwatch');
    const unit = readFileSync(join(root, 'etc/systemd/system/parkwatch.service'), 'utf8');
    expect(unit).toContain('ReadWritePaths=/var/lib/parkwatch\n');
    const removed = await runNode([BIN, 'service', 'uninstall', '--root', root]);
    expect(removed.code).toBe(0);
    expect(existsSync(join(root, 'etc/systemd/system/parkwatch.service'))).toBe(false);
    expect(existsSync(join(root, 'etc/parkwatch/gateway.yaml'))).toBe(true);
  }, 120_000);

  it('tells systemd READY once listening, feeds the watchdog, says STOPPING on SIGTERM', async () => {
    const d = dir();
    const socket = join(d, 'notify.sock');
    const receiver = spawn('socat', ['-u', `UNIX-RECV:${socket}`, 'STDOUT'], { stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(receiver);
    let heard = '';
    receiver.stdout.on('data', (c) => {
      heard += c;
    });
    await until(() => existsSync(socket), 5000, 'the notify socket');
    const localPort = await freePort();
    const config = writeConfig(d, {
      dataDir: join(d, 'data'),
      http: { host: '127.0.0.1', port: 0 },
      localBroker: { mode: 'embedded', host: '127.0.0.1', port: localPort },
      panel: { enabled: false },
      log: { level: 'warn' },
    });
    const gw = spawn(process.execPath, [BIN, 'gateway', '--config', config], {
      env: { ...process.env, NOTIFY_SOCKET: socket, WATCHDOG_USEC: '100000' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(gw);
    const exited = new Promise((r) => gw.once('exit', (code, signal) => r(code ?? signal)));
    let listeningAtReady: boolean | undefined;
    await until(
      async () => {
        if (!heard.includes('READY=1')) return false;
        listeningAtReady ??= await canConnect(localPort);
        return true;
      },
      30_000,
      'READY=1',
    );
    expect(listeningAtReady).toBe(true);
    await until(() => heard.split('WATCHDOG=1').length > 4, 10_000, 'watchdog pings');
    expect(heard.slice(0, 30)).toBe('READY=1\nWATCHDOG=1\nWATCHDOG=1\n');
    gw.kill('SIGTERM');
    expect(await exited).toBe(0);
    await until(() => heard.includes('STOPPING=1\n'), 5000, 'STOPPING=1'); // sent before the stop began
  }, 120_000);
});

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ port, host: '127.0.0.1' });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}
