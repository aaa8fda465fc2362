import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { Id } from '../wire/schemas.ts';
import type { Db } from './database.ts';

/** One registered node. The key never leaves this module except to verify and seal. */
export const NodeRecord = z
  .object({
    id: Id,
    keyHex: z
      .string()
      .regex(/^([0-9a-f]{2}){16,64}$/, 'must be 32-128 lowercase hex characters (16-64 bytes)')
      .optional(),
    enterprise: z.string().max(64).default(''),
    site: z.string().max(64).default(''),
    zone: z.string().max(64).default(''),
    location: z.string().max(128).default(''),
    channels: z.array(z.string().min(1).max(16)).max(8).default([]),
    installedAt: z.number().int().optional(),
    installedBy: z.string().max(64).default(''),
  })
  .strict();
export type NodeInput = z.input<typeof NodeRecord>;
export type RegisteredNode = Required<z.infer<typeof NodeRecord>>;

interface Row {
  id: string;
  key_hex: string;
  enterprise: string;
  site: string;
  zone: string;
  location: string;
  channels: string;
  installed_at: number;
  installed_by: string;
}

function fromRow(r: Row): RegisteredNode {
  return {
    id: r.id,
    keyHex: r.key_hex,
    enterprise: r.enterprise,
    site: r.site,
    zone: r.zone,
    location: r.location,
    channels: JSON.parse(r.channels) as string[],
    installedAt: r.installed_at,
    installedBy: r.installed_by,
  };
}

/**
 * Node registry. Lookups are served from memory; the `nodes_version` counter in meta (bumped by
 * triggers on every change to the table, schema version 3) tells us when another connection
 * (the `parkwatch nodes` command) changed it, and then the cache is reloaded. Not `PRAGMA
 * data_version`: that changes with every commit of the gateway's store thread.
 */
export class NodeRegistry {
  private cache = new Map<string, RegisteredNode>();
  private seenVersion = -1;
  private checkedAt = 0;

  private versionStmt;

  constructor(private db: Db) {
    this.versionStmt = db.prepare("SELECT value FROM meta WHERE key = 'nodes_version'").pluck();
  }

  /** The node, or undefined. Cheap enough to call per frame. */
  get(id: string): RegisteredNode | undefined {
    const now = Date.now();
    // Checking the version costs a statement; per frame that adds up, so at most every 250 ms
    // unless the node is missing (it may have just been added).
    if (now - this.checkedAt > 250 || !this.cache.has(id)) {
      this.checkedAt = now;
      this.refresh();
    }
    return this.cache.get(id);
  }

  keyOf = (id: string): string | undefined => this.get(id)?.keyHex;

  list(): RegisteredNode[] {
    this.refresh();
    return [...this.cache.values()].sort((a, b) => a.id.localeCompare(b.id));
  }

  /** Adds or replaces nodes in one transaction; generates keys when not given. Returns what was stored. */
  upsert(inputs: NodeInput[], now: number): RegisteredNode[] {
    const parsed = inputs.map((i) => NodeRecord.parse(i));
    const stmt = this.db.prepare(
      `INSERT INTO nodes (id, key_hex, enterprise, site, zone, location, channels, installed_at, installed_by)
       VALUES (@id, @keyHex, @enterprise, @site, @zone, @location, @channels, @installedAt, @installedBy)
       ON CONFLICT (id) DO UPDATE SET key_hex = excluded.key_hex, enterprise = excluded.enterprise,
         site = excluded.site, zone = excluded.zone, location = excluded.location,
         channels = excluded.channels, installed_at = excluded.installed_at, installed_by = excluded.installed_by`,
    );
    const stored: RegisteredNode[] = parsed.map((p) => ({
      ...p,
      keyHex: p.keyHex ?? randomBytes(32).toString('hex'),
      installedAt: p.installedAt ?? now,
    }));
    this.db.transaction(() => {
      for (const n of stored) stmt.run({ ...n, channels: JSON.stringify(n.channels) });
    })();
    this.seenVersion = -1;
    return stored;
  }

  remove(id: string): boolean {
    const changed = this.db.prepare('DELETE FROM nodes WHERE id = ?').run(id).changes > 0;
    this.seenVersion = -1;
    return changed;
  }

  private refresh(): void {
    const version = this.versionStmt.get() as number;
    if (version === this.seenVersion) return;
    this.seenVersion = version;
    this.cache.clear();
    for (const r of this.db.prepare('SELECT * FROM nodes').all() as Row[]) this.cache.set(r.id, fromRow(r));
  }
}
