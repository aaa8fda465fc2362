import { chmodSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateConfig } from '../../gateway/config/load.ts';
import { DirectIngest } from '../../gateway/direct-ingest.ts';
import { Gateway } from '../../gateway/gateway.ts';
import type { ClockState, ClockSync } from '../../gateway/ops/clock-sync.ts';
import { systemClockSync } from '../../gateway/ops/clock-sync.ts';
import { diagnose } from '../../gateway/ops/doctor.ts';
import { type Finding, probeMqtt } from '../../gateway/ops/doctor-checks.ts';
import { USERS_FILE, UserStore } from '../../gateway/panel/users.ts';
import { DB_FILE, openDatabase } from '../../gateway/store/database.ts';
import { SCHEMA_VERSION } from '../../gateway/store/schema.ts';
import { type RunningMosquitto, startMosquitto } from '../../simulator/live/mosquitto.ts';
import { type PtyPair, startPtyPair } from '../../simulator/live/pty-pair.ts';
import { writeConfig } from '../gateway/support/gateway-process.ts';
import { tempDir, until } from '../gateway/support/gateway-rig.ts';
import { runNode } from '../support/run-process.ts';

/**
 * `parkwatch doctor` against real parts: Mosquitto as the local broker (the gateway's login
 * checked with a real CONNECT) and as the cloud, a socat serial line, SQLite files on disk.
 * The clock is fed, so both answers are tested on any machine.
 */
const BIN = join(import.meta.dirname, '..', '..', 'bin', 'parkwatch.js');
const fedClock = (state: ClockState): ClockSync => ({ check: async () => ({ state, via: 'test' }) });
const deps = (state: ClockState) => ({ clock: fedClock(state), probeMqtt });
const statusOf = (findings: Finding[]) => Object.fromEntries(findings.map((f) => [f.check, f.status]));

let local: RunningMosquitto;
let cloud: RunningMosquitto;
let pty: PtyPair;
const dirs: string[] = [];

beforeAll(async () => {
  local = await startMosquitto({ users: [{ username: 'parkwatch-gw', password: 'gw-secret' }] });
  cloud = await startMosquitto();
  pty = await startPtyPair();
});

afterAll(async () => {
  await local?.dispose();
  await cloud?.dispose();
  await pty?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function park(overrides: Record<string, unknown> = {}): { dir: string; file: string } {
  const dir = tempDir('pw-doc-');
  dirs.push(dir);
  const dataDir = join(dir, 'data');
  openDatabase(dataDir).close();
  const users = UserStore.openInDir(dataDir);
  users.db.prepare("INSERT INTO users VALUES ('chief', 'admin', 'x', 0)").run();
  users.db.close();
  const file = writeConfig(dir, {
    dataDir,
    localBroker: { mode: 'external', url: local.url, username: 'parkwatch-gw', password: 'gw-secret' },
    cloud: { url: cloud.url },
    serial: [{ path: pty.gatewayPath }],
    outbox: { quotaBytes: 1024 * 1024 },
    ...overrides,
  });
  return { dir, file };
}

describe('parkwatch doctor', () => {
  it('says ok for every check of a healthy gateway', async () => {
    const { file } = park();
    const findings = await diagnose(file, deps('synced'));
    expect(findings.filter((f) => f.status !== 'ok')).toEqual([]);
    expect(Object.keys(statusOf(findings))).toEqual([
      'config',
      'data',
      'disk',
      'database',
      'clock',
      `serial ${pty.gatewayPath}`,
      'local broker',
      'cloud',
      'panel users',
    ]);
  });

  it('fails each broken part with what to do, and exits by the worst', async () => {
    const { dir, file } = park({
      localBroker: { mode: 'external', url: local.url, username: 'parkwatch-gw', password: 'wrong' },
      serial: [{ path: join(tempDir('pw-doc-none-'), 'ttyUSB9') }],
      outbox: { quotaBytes: Number.MAX_SAFE_INTEGER },
    });
    const dataDir = join(dir, 'data');
    chmodSync(dataDir, 0o755);
    writeFileSync(join(dataDir, DB_FILE), 'not a database, a text file in its place');
    rmSync(join(dataDir, USERS_FILE), { force: true });
    const findings = await diagnose(file, deps('unsynced'));
    const byCheck = Object.fromEntries(findings.map((f) => [f.check, f]));
    expect(statusOf(findings)).toMatchObject({
      config: 'ok',
      data: 'warn',
      disk: 'fail',
      database: 'fail',
      clock: 'fail',
      'local broker': 'fail',
      cloud: 'ok',
      'panel users': 'warn',
    });
    expect(findings.find((f) => f.check.startsWith('serial'))?.status).toBe('fail');
    expect(byCheck['local broker'].detail).toContain('Not authorized');
    expect(byCheck.database.todo).toContain('parkwatch restore');
    for (const f of findings.filter((x) => x.status !== 'ok'))
      expect(f.todo).toMatch(/[\u4e00-\u9fff].*\/ [a-zA-Z]|parkwatch users add/);

    const run = await runNode([BIN, 'doctor', '--config', file]);
    expect(run.code).toBe(2);
    expect(run.stdout).toContain('FAIL database');
  }, 60_000);

  it("reads the database's schema version: older warns (migrated at start), newer fails (no downgrades)", async () => {
    const { dir, file } = park();
    const db = new Database(join(dir, 'data', DB_FILE));
    db.pragma(`user_version = ${SCHEMA_VERSION - 1}`);
    const older = (await diagnose(file, deps('synced'))).find((f) => f.check === 'database');
    expect(older?.status).toBe('warn');
    expect(older?.todo).toContain('migrates it when it starts');
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    const newer = (await diagnose(file, deps('synced'))).find((f) => f.check === 'database');
    expect(newer?.status).toBe('fail');
    expect(newer?.detail).toContain(`结构版本 ${SCHEMA_VERSION + 1}`);
    expect(newer?.detail).toContain(`newer than this release's ${SCHEMA_VERSION}`);
  });

  it('fails a config it cannot load', async () => {
    const dir = tempDir('pw-doc-bad-');
    dirs.push(dir);
    const file = writeConfig(dir, { gatewayId: 'no spaces allowed' });
    const findings = await diagnose(file, deps('synced'));
    expect(findings.map((f) => [f.check, f.status])).toEqual([['config', 'fail']]);
  });

  it('reads the clock from timedatectl or chrony, and unknown when neither answers', async () => {
    const answers = (ntp?: string, chrony?: string) =>
      systemClockSync(async (file) => (file === 'timedatectl' ? ntp : chrony));
    expect((await answers('yes\n').check()).state).toBe('synced');
    expect((await answers('no\n').check()).state).toBe('unsynced');
    expect((await answers(undefined, 'Reference ID    : C0A80001\nLeap status     : Normal\n').check()).state).toBe(
      'synced',
    );
    expect((await answers(undefined, 'Leap status     : Not synchronised\n').check()).state).toBe('unsynced');
    expect((await answers(undefined, undefined).check()).state).toBe('unknown');
  });
});

describe('the gateway and its clock', () => {
  it('raises a clock trouble while the clock is not synchronised, and clears it', async () => {
    const dir = tempDir('pw-clock-');
    dirs.push(dir);
    let state: ClockState = 'unsynced';
    const gateway = new Gateway(
      validateConfig({ dataDir: dir, http: { host: '127.0.0.1', port: 0 }, panel: { enabled: false } }, 'test'),
      {
        ingest: [() => new DirectIngest()],
        logger: pino({ level: 'silent' }),
        clock: { sync: { check: async () => ({ state, via: 'test' }) }, everyMs: 20 },
      },
    );
    await gateway.start();
    try {
      const events = () => gateway.eventLog.after(0, 100).map((e) => [e.kind, e.trouble, e.node]);
      await until(() => events().length > 0, 5000, 'a clock trouble');
      expect(events()).toEqual([['trouble', 'clock', null]]);
      state = 'synced';
      await until(() => events().length > 1, 5000, 'the trouble cleared');
      expect(events()).toEqual([
        ['trouble', 'clock', null],
        ['trouble_clear', 'clock', null],
      ]);
    } finally {
      await gateway.stop();
    }
  });
});
