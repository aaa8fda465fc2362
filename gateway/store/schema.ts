import type Database from 'better-sqlite3';

/**
 * The database's schema as forward migrations. `PRAGMA user_version` holds how many have run;
 * a fresh file runs them all, an older file the ones it lacks, each in one transaction.
 * Migration 1 is the schema of the releases before versions existed (their files say 0 but
 * hold these tables; it only creates what is missing). Never edit a migration once released:
 * add the next one, and a fixture database made by the code before it (tests/fixtures/).
 */
export const MIGRATIONS: readonly { version: number; why: string; sql: string }[] = [
  {
    version: 1,
    why: 'registry, replay windows, event log, outbox, alarm book, counters',
    sql: `
CREATE TABLE IF NOT EXISTS nodes (
  id TEXT PRIMARY KEY,
  key_hex TEXT NOT NULL,
  enterprise TEXT NOT NULL DEFAULT '',
  site TEXT NOT NULL DEFAULT '',
  zone TEXT NOT NULL DEFAULT '',
  location TEXT NOT NULL DEFAULT '',
  channels TEXT NOT NULL DEFAULT '[]',
  installed_at INTEGER NOT NULL,
  installed_by TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS replay (
  node TEXT PRIMARY KEY,
  boot INTEGER NOT NULL,
  high INTEGER NOT NULL,
  mask INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS events (
  seq INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  node TEXT,
  kind TEXT NOT NULL,
  body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_node ON events (node, seq);
CREATE INDEX IF NOT EXISTS events_origin ON events (node, json_extract(body, '$.origin.seq'), json_extract(body, '$.origin.boot'))
  WHERE kind != 'telemetry';
CREATE TABLE IF NOT EXISTS outbox (
  seq INTEGER PRIMARY KEY,
  cls INTEGER NOT NULL,
  bytes INTEGER NOT NULL,
  expires_at INTEGER
);
CREATE INDEX IF NOT EXISTS outbox_cls ON outbox (cls, seq);
CREATE TABLE IF NOT EXISTS conditions (
  ref TEXT PRIMARY KEY,
  node TEXT,
  ch TEXT NOT NULL,
  body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (
  key TEXT PRIMARY KEY,
  value INTEGER NOT NULL
);`,
  },
  {
    version: 2,
    why: 'one row per event: the outbox is a column of the event log with a partial index (issue 13)',
    sql: `
ALTER TABLE events ADD COLUMN outbox INTEGER;
ALTER TABLE events ADD COLUMN bytes INTEGER NOT NULL DEFAULT 0;
ALTER TABLE events ADD COLUMN expires_at INTEGER;
UPDATE events SET outbox = o.cls, bytes = o.bytes, expires_at = o.expires_at FROM outbox o WHERE o.seq = events.seq;
DROP TABLE outbox;
-- covering: depth, bytes and expiry are read from the index alone, bodies only when sent
CREATE INDEX events_outbox ON events (outbox, seq, bytes, expires_at) WHERE outbox IS NOT NULL;`,
  },
  {
    version: 3,
    why: 'a counter of registry changes: the store thread commits on its own connection, so data_version no longer says whether nodes changed',
    sql: `
INSERT OR IGNORE INTO meta (key, value) VALUES ('nodes_version', 0);
CREATE TRIGGER nodes_inserted AFTER INSERT ON nodes BEGIN UPDATE meta SET value = value + 1 WHERE key = 'nodes_version'; END;
CREATE TRIGGER nodes_updated AFTER UPDATE ON nodes BEGIN UPDATE meta SET value = value + 1 WHERE key = 'nodes_version'; END;
CREATE TRIGGER nodes_deleted AFTER DELETE ON nodes BEGIN UPDATE meta SET value = value + 1 WHERE key = 'nodes_version'; END;`,
  },
  {
    version: 4,
    why: 'tamper-evident log: each event links to the one before, signed heads, tombstones of pruned telemetry (issue 14)',
    sql: `
ALTER TABLE events ADD COLUMN prev_hash TEXT;
ALTER TABLE events ADD COLUMN hash TEXT;
-- pruned telemetry keeps its place in the chain: its link and its body's SHA-256, not the body
CREATE TABLE event_tombstones (
  seq INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  node TEXT,
  kind TEXT NOT NULL,
  body_hash TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);
CREATE TABLE chain_heads (
  seq INTEGER PRIMARY KEY,
  hash TEXT NOT NULL,
  signed_at INTEGER NOT NULL,
  sig TEXT NOT NULL
);`,
  },
  {
    version: 5,
    why: 'drills (events raised during one are marked drill) and hazards followed to closure',
    sql: `
CREATE TABLE drills (
  id INTEGER PRIMARY KEY,
  enterprise TEXT NOT NULL,
  zone TEXT NOT NULL DEFAULT '',
  scenario TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  started_by TEXT NOT NULL,
  stopped_at INTEGER,
  stopped_by TEXT
);
CREATE INDEX drills_open ON drills (enterprise) WHERE stopped_at IS NULL;
INSERT OR IGNORE INTO meta (key, value) VALUES ('drills_version', 0);
CREATE TRIGGER drills_inserted AFTER INSERT ON drills BEGIN UPDATE meta SET value = value + 1 WHERE key = 'drills_version'; END;
CREATE TRIGGER drills_updated AFTER UPDATE ON drills BEGIN UPDATE meta SET value = value + 1 WHERE key = 'drills_version'; END;
CREATE TABLE hazards (
  id INTEGER PRIMARY KEY,
  enterprise TEXT NOT NULL,
  node TEXT,
  cause TEXT NOT NULL,
  severity TEXT NOT NULL,
  state TEXT NOT NULL,
  opened_at INTEGER NOT NULL,
  deadline INTEGER NOT NULL,
  source_seq INTEGER,
  updated_at INTEGER NOT NULL,
  updated_by TEXT NOT NULL DEFAULT '',
  note TEXT NOT NULL DEFAULT '',
  closed_at INTEGER,
  overdue_at INTEGER,
  -- every change bumps version; the gateway stores each version as a 'hazard' event (logged = version stored)
  version INTEGER NOT NULL DEFAULT 1,
  logged INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX hazards_unlogged ON hazards (id) WHERE logged < version;
-- one open hazard per node and cause
CREATE UNIQUE INDEX hazards_open ON hazards (node, cause) WHERE state != 'closed';`,
  },
  {
    version: 6,
    why: 'incident files (one per fire or water alarm, its events with stored and forwarded times, close requests) and chain archives',
    sql: `
CREATE TABLE incidents (
  id TEXT PRIMARY KEY,
  node TEXT,
  ch TEXT NOT NULL,
  priority TEXT NOT NULL,
  enterprise TEXT NOT NULL DEFAULT '',
  state TEXT NOT NULL,
  opened_at INTEGER NOT NULL,
  cause TEXT,
  body TEXT NOT NULL
);
CREATE INDEX incidents_opened ON incidents (opened_at);
CREATE TABLE incident_events (
  incident TEXT NOT NULL,
  seq INTEGER NOT NULL,
  step TEXT NOT NULL,
  stored_at INTEGER, -- null: filed later from the log (stored before incident files existed)
  forwarded_at INTEGER,
  PRIMARY KEY (incident, seq)
);
CREATE INDEX incident_events_seq ON incident_events (seq);
-- a close asked for by "parkwatch incidents close" while the gateway runs: the gateway records it as an event
CREATE TABLE incident_requests (
  id INTEGER PRIMARY KEY,
  incident TEXT NOT NULL,
  cause TEXT NOT NULL,
  note TEXT,
  by TEXT NOT NULL,
  asked_at INTEGER NOT NULL,
  event TEXT,
  error TEXT
);
-- segments moved out by "parkwatch log archive": the live chain continues from last_hash
CREATE TABLE chain_archives (
  last_seq INTEGER PRIMARY KEY,
  last_hash TEXT NOT NULL,
  first_seq INTEGER NOT NULL,
  rows INTEGER NOT NULL,
  file TEXT NOT NULL,
  archived_at INTEGER NOT NULL
);`,
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;

export class SchemaTooNewError extends Error {
  readonly code = 'SCHEMA_TOO_NEW';
}

/** Runs the migrations the file lacks; refuses a file made by a newer release (no downgrades). */
export function migrate(db: Database.Database, file: string): { from: number; to: number } {
  const versionOf = () => db.pragma('user_version', { simple: true }) as number;
  const from = versionOf();
  if (from > SCHEMA_VERSION)
    throw new SchemaTooNewError(
      `数据库 ${file} 的结构版本 ${from} 比本网关支持的 ${SCHEMA_VERSION} 新：不支持降级，请安装较新的版本，或恢复用本版本做的备份 / ` +
        `the database ${file} has schema version ${from}, newer than this gateway's ${SCHEMA_VERSION}: downgrades are refused; ` +
        'install the newer release again, or restore a backup made with this release',
    );
  for (const m of MIGRATIONS) {
    // IMMEDIATE: another process opening the same file (the nodes command) waits, then sees the new version.
    db.transaction(() => {
      if (versionOf() >= m.version) return;
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    }).immediate();
  }
  return { from, to: SCHEMA_VERSION };
}
