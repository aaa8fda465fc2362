import { copyFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { validateConfig } from '../../gateway/config/load.ts';
import { Gateway } from '../../gateway/gateway.ts';
import { DatabaseOpenError, DB_FILE, openDatabase } from '../../gateway/store/database.ts';
import { SCHEMA_VERSION } from '../../gateway/store/schema.ts';
import expectedV1 from '../fixtures/schema-v1/expected.json' with { type: 'json' };
import expectedV2 from '../fixtures/schema-v2/expected.json' with { type: 'json' };
import expectedV3 from '../fixtures/schema-v3/expected.json' with { type: 'json' };
import { type Rig, startRig, tempDir, tick } from './support/gateway-rig.ts';

/**
 * Upgrades: a database made by each earlier release (tests/fixtures/schema-vN, made by
 * make-schema-fixture.ts with that release's code) opens migrated, with everything it held; a
 * database newer than the code is refused.
 */
const FIXTURES = [
  { name: 'schema-v1', version: 0, expected: expectedV1 },
  { name: 'schema-v2', version: 2, expected: expectedV2 },
  { name: 'schema-v3', version: 3, expected: expectedV3 },
];
let rig: Rig | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await rig?.dispose();
  rig = undefined;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function copyOf(fixture: string): string {
  const dir = tempDir('pw-schema-');
  dirs.push(dir);
  copyFileSync(join(import.meta.dirname, '../fixtures', fixture, DB_FILE), join(dir, DB_FILE));
  return dir;
}

describe('schema versions', () => {
  it('a fresh database gets the current version', () => {
    const dir = tempDir('pw-schema-');
    dirs.push(dir);
    const db = openDatabase(dir);
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    db.close();
  });

  it.each(FIXTURES)(
    'migrates a $name database: events, the outbox and its order, nodes, conditions, seqs kept',
    async ({ name, version, expected }) => {
      const dir = copyOf(name);
      const raw = new Database(join(dir, DB_FILE));
      expect(raw.pragma('user_version', { simple: true })).toBe(version);
      raw.close();
      rig = await startRig({}, dir);
      const g = rig.gateway;
      expect(g.db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
      expect(g.db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'outbox'").get()).toBeUndefined();
      expect(g.eventLog.after(0, 100).map((e) => ({ seq: e.seq, kind: e.kind, node: e.node }))).toEqual(
        expected.events,
      );
      expect(g.outbox.peek(0, 0, 100).map((e) => e.seq)).toEqual(expected.pendingUrgent);
      expect(g.outbox.peek(1, 0, 100).map((e) => e.seq)).toEqual(expected.pendingTelemetry);
      expect(g.outbox.stats()).toEqual(expected.stats);
      expect(g.registry.list().map((n) => n.id)).toEqual(expected.nodes);
      expect(g.book.open()).toHaveLength(expected.openConditions);
      expect(g.pipeline.lastSeq()).toBe(expected.lastSeq);
      // The migrated gateway goes on: the next event takes the next seq and waits in the outbox.
      g.raiseTrouble('link', 'mqtt:after-upgrade', true, {});
      await tick(30);
      const [next] = g.outbox.peek(0, expected.lastSeq, 10);
      expect(next.seq).toBe(expected.lastSeq + 1);
      await g.outbox.remove(expected.pendingUrgent);
      expect(g.outbox.stats().depth).toBe(expected.pendingTelemetry.length + 1);
    },
  );

  it('opening twice migrates once (the second open finds the current version)', () => {
    const dir = copyOf('schema-v1');
    openDatabase(dir).close();
    const db = openDatabase(dir);
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect((db.prepare('SELECT COUNT(*) AS n FROM events').get() as { n: number }).n).toBe(expectedV1.events.length);
    db.close();
  });

  it('refuses a database newer than the code, in both languages, and leaves it untouched', () => {
    const dir = copyOf('schema-v1');
    openDatabase(dir).close();
    const raw = new Database(join(dir, DB_FILE));
    raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    raw.close();
    const config = validateConfig({ dataDir: dir, log: { level: 'silent' } }, 't');
    const open = () => new Gateway(config, { logger: pino({ level: 'silent' }) });
    expect(open).toThrow(DatabaseOpenError);
    expect(open).toThrow(
      new RegExp(
        `结构版本 ${SCHEMA_VERSION + 1} .*newer than this gateway's ${SCHEMA_VERSION}: downgrades are refused`,
      ),
    );
    const after = new Database(join(dir, DB_FILE));
    expect(after.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION + 1);
    after.close();
  });
});
