import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { expect } from 'vitest';
import { UserStore } from '../../gateway/panel/users.ts';
import { DB_FILE, openDatabase } from '../../gateway/store/database.ts';
import { NodeRegistry } from '../../gateway/store/registry.ts';
import { freePort } from '../../simulator/live/mosquitto.ts';
import { spawnGateway, waitForPort } from '../gateway/support/gateway-process.ts';
import { runNode } from '../support/run-process.ts';
import { type Block, ROOT, runRecipe } from './support/recipes.ts';

/**
 * docs/operations.md: the service unit's dry run and verify, doctor, backup while a real
 * gateway runs, and restore into a fresh data folder. Each gets a temp folder holding
 * gateway.yaml (absolute dataDir, a registered node, a panel admin) as the docs assume.
 */
type Cleanup = (f: () => unknown) => void;

async function parkFolder(): Promise<{ dir: string; dataDir: string; localPort: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'pw-recipe-ops-'));
  const dataDir = join(dir, 'data');
  const db = openDatabase(dataDir);
  new NodeRegistry(db).upsert([{ id: 'n1', channels: ['smoke'] }], Date.now());
  db.close();
  const users = UserStore.openInDir(dataDir);
  users.db.prepare("INSERT INTO users VALUES ('chief', 'admin', 'x', 0)").run();
  users.db.close();
  const localPort = await freePort();
  writeFileSync(
    join(dir, 'gateway.yaml'),
    `gatewayId: gw-ops
dataDir: ${dataDir}
http: { host: 127.0.0.1, port: 0 }
localBroker: { mode: embedded, host: 127.0.0.1, port: ${localPort} }
log: { level: warn }
`,
  );
  return { dir, dataDir, localPort };
}

export async function checkServiceDryRun(recipe: Block, _files: Block[], bin: string) {
  const { dir, dataDir } = await parkFolder();
  const ran = await runRecipe(recipe.text, dir, bin);
  expect(ran.stderr).toBe(''); // systemd-analyze verify had nothing to say
  expect(ran.code).toBe(0);
  const unit = readFileSync(join(dir, 'parkwatch.service'), 'utf8');
  expect(unit).toContain('Type=notify\n');
  expect(unit).toContain(`ReadWritePaths=${dataDir}\n`);
}

export async function checkDoctor(recipe: Block, _files: Block[], bin: string) {
  const { dir } = await parkFolder();
  const ran = await runRecipe(recipe.text, dir, bin);
  expect(ran.code === 0 || ran.code === 1, `exit ${ran.code}\n${ran.stdout}${ran.stderr}`).toBe(true); // 1: warnings only
  expect(ran.stdout).not.toContain('FAIL');
  for (const check of ['config', 'data', 'disk', 'database', 'clock', 'panel users'])
    expect(ran.stdout).toMatch(new RegExp(`^(ok  |WARN) ${check}`, 'm'));
}

export async function checkBackup(recipe: Block, _files: Block[], bin: string, cleanup: Cleanup) {
  const { dir, localPort } = await parkFolder();
  const gw = spawnGateway(join(dir, 'gateway.yaml'));
  cleanup(() => gw.child.kill('SIGKILL'));
  await waitForPort(localPort);
  const ran = await runRecipe(recipe.text, dir, bin);
  expect(ran.stderr).toBe('');
  expect(ran.code).toBe(0);
  expect(ran.stdout).toContain('backup written');
  const made = readdirSync(dir).filter((f) => /^parkwatch-\d{8}-\d{4}\.backup\.sqlite$/.test(f));
  expect(made).toHaveLength(1);
  const copy = new Database(join(dir, made[0]), { readonly: true });
  expect(copy.prepare('SELECT id FROM nodes').all()).toEqual([{ id: 'n1' }]);
  copy.close();
  gw.child.kill('SIGTERM');
  expect(await gw.exited).toBe(0);
}

export async function checkRestore(recipe: Block, _files: Block[], bin: string) {
  const old = await parkFolder();
  const file = /parkwatch restore (\S+)/.exec(recipe.text)?.[1];
  if (!file) throw new Error('the restore recipe names no file');
  const fresh = await parkFolder();
  const made = await runNode([
    join(ROOT, 'bin', 'parkwatch.js'),
    'backup',
    '--config',
    join(old.dir, 'gateway.yaml'),
    '--out',
    join(fresh.dir, file),
  ]);
  expect(made.code).toBe(0);
  const ran = await runRecipe(recipe.text, fresh.dir, bin);
  expect(ran.stderr).toBe('');
  expect(ran.code).toBe(0);
  expect(ran.stdout).toContain('restored');
  expect(readdirSync(fresh.dataDir).some((f) => f.startsWith(`${DB_FILE}.before-restore-`))).toBe(true);
  expect(existsSync(join(fresh.dataDir, DB_FILE))).toBe(true);
}
