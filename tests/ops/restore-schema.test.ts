import { copyFileSync, existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { INFO_TABLE } from '../../gateway/ops/backup.ts';
import { restoreInto } from '../../gateway/ops/restore.ts';
import { DB_FILE } from '../../gateway/store/database.ts';
import { SCHEMA_VERSION } from '../../gateway/store/schema.ts';
import expectedV1 from '../fixtures/schema-v1/expected.json' with { type: 'json' };
import expectedV3 from '../fixtures/schema-v3/expected.json' with { type: 'json' };
import { writeConfig } from '../gateway/support/gateway-process.ts';
import { type Rig, startRig, tempDir } from '../gateway/support/gateway-rig.ts';
import { runNode } from '../support/run-process.ts';

/**
 * `parkwatch restore` across releases. tests/fixtures/schema-v3/backup.sqlite was written by the
 * v3 release's own `parkwatch backup` (a1635cf) from the v3 fixture database: restored by this
 * release it is migrated and the gateway started on it has everything the fixture held. A
 * schema-v1 database (before `parkwatch backup` existed) in the backup's form migrates the same
 * way. A backup from a newer release is refused in both languages and the data folder is left
 * as it was.
 */
const BIN = join(import.meta.dirname, '..', '..', 'bin', 'parkwatch.js');
const FIXTURES = join(import.meta.dirname, '..', 'fixtures');
const V3_BACKUP = join(FIXTURES, 'schema-v3', 'backup.sqlite');

let rig: Rig | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await rig?.dispose();
  rig = undefined;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function dir(prefix: string): string {
  const d = tempDir(prefix);
  dirs.push(d);
  return d;
}

/** What the migration test checks, on the gateway started on the restored folder. */
async function expectFixtureContents(dataDir: string, expected: typeof expectedV3): Promise<void> {
  rig = await startRig({}, dataDir);
  const g = rig.gateway;
  expect(g.db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
  expect(g.eventLog.after(0, 100).map((e) => ({ seq: e.seq, kind: e.kind, node: e.node }))).toEqual(expected.events);
  expect(g.outbox.peek(0, 0, 100).map((e) => e.seq)).toEqual(expected.pendingUrgent);
  expect(g.outbox.peek(1, 0, 100).map((e) => e.seq)).toEqual(expected.pendingTelemetry);
  expect(g.registry.list().map((n) => n.id)).toEqual(expected.nodes);
  expect(g.book.open()).toHaveLength(expected.openConditions);
  expect(g.pipeline.lastSeq()).toBe(expected.lastSeq);
}

describe('parkwatch restore and schema versions', () => {
  it('restores a backup made by the v3 release and migrates it', async () => {
    const raw = new Database(V3_BACKUP, { readonly: true });
    expect(raw.pragma('user_version', { simple: true })).toBe(3);
    raw.close();
    const dataDir = dir('pw-rs-v3-');
    const config = writeConfig(dataDir, { gatewayId: 'gw1', dataDir, log: { level: 'silent' } });
    const restored = await runNode([BIN, 'restore', V3_BACKUP, '--config', config]);
    expect(restored.stderr).toBe('');
    expect(restored.code).toBe(0);
    expect(restored.stdout).toContain(`${expectedV3.stats.depth} events in the outbox`);
    expect(restored.stdout).toContain(`schema migrated from version 3 to ${SCHEMA_VERSION}`);
    await expectFixtureContents(dataDir, expectedV3);
  }, 120_000);

  it('restores a schema-v1 database in backup form and migrates it (outbox table into the event log)', async () => {
    const files = dir('pw-rs-f-');
    const backup = join(files, 'v1.backup.sqlite');
    copyFileSync(join(FIXTURES, 'schema-v1', DB_FILE), backup);
    const db = new Database(backup);
    db.exec(
      `CREATE TABLE ${INFO_TABLE} (gateway_id TEXT NOT NULL, park_id TEXT NOT NULL, created_at INTEGER NOT NULL)`,
    );
    db.prepare(`INSERT INTO ${INFO_TABLE} VALUES ('gw1', 'park1', 1780000000000)`).run();
    db.close();
    const dataDir = dir('pw-rs-v1-');
    const r = restoreInto(dataDir, backup, 'gw1');
    expect(r.schema).toEqual({ from: 0, to: SCHEMA_VERSION });
    expect(r.outbox).toBe(expectedV1.stats.depth);
    await expectFixtureContents(dataDir, expectedV1);
  });

  it('refuses a backup from a newer release in both languages and leaves the data folder alone', async () => {
    const files = dir('pw-rs-f-');
    const newer = join(files, 'newer.backup.sqlite');
    copyFileSync(V3_BACKUP, newer);
    const db = new Database(newer);
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    const dataDir = dir('pw-rs-new-');
    copyFileSync(join(FIXTURES, 'schema-v3', DB_FILE), join(dataDir, DB_FILE));
    const before = readdirSync(dataDir).sort();
    const config = writeConfig(dataDir, { gatewayId: 'gw1', dataDir, log: { level: 'silent' } });
    const refused = await runNode([BIN, 'restore', newer, '--config', config]);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toContain('[schema_too_new]');
    expect(refused.stderr).toContain(`结构版本 ${SCHEMA_VERSION + 1} 比本网关支持的 ${SCHEMA_VERSION} 新：不支持降级`);
    expect(refused.stderr).toContain(
      `schema version ${SCHEMA_VERSION + 1}, newer than this gateway's ${SCHEMA_VERSION}: downgrades are refused`,
    );
    expect(refused.stderr).toContain('install the release that made the backup');
    expect(readdirSync(dataDir).sort()).toEqual([...before, 'gateway.json'].sort());
    expect(existsSync(join(dataDir, `${DB_FILE}.restoring`))).toBe(false);
    const kept = new Database(join(dataDir, DB_FILE), { readonly: true });
    expect(kept.pragma('user_version', { simple: true })).toBe(3);
    kept.close();
  }, 120_000);
});
