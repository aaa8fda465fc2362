import type { Db } from '../store/database.ts';

/**
 * Where a node's channels sit in the centre's address space: system address (1 B) and a
 * component address (4 B) per channel. A node has a base address; its channels take base,
 * base + 1, ... in the order of the node's channel list (node-wide events use the base).
 * Set with `parkwatch nodes add ID --gbt-address SYS:BASE`; otherwise derived from the node
 * id (FNV-1a, low 3 bits cleared for up to 8 channels), so it never changes between runs.
 */
export interface GbtAddress {
  systemAddress: number;
  base: number;
}

export function derivedBase(nodeId: string): number {
  let h = 0x811c9dc5;
  for (const ch of Buffer.from(nodeId, 'utf8')) h = Math.imul(h ^ ch, 0x01000193) >>> 0;
  return (h & ~7) >>> 0;
}

/** "SYS:BASE" or "BASE" (system address from the config). */
export function parseGbtAddress(text: string, defaultSystem: number): GbtAddress {
  const m = /^(?:(\d{1,3}):)?(\d{1,10})$/.exec(text.trim());
  const systemAddress = m?.[1] === undefined ? defaultSystem : Number(m[1]);
  const base = m ? Number(m[2]) : Number.NaN;
  if (!m || systemAddress > 255 || base > 0xfffffff8)
    throw new Error(
      `GB/T 26875 地址应为 系统地址:部件基址 / --gbt-address must be SYS:BASE (SYS 0-255, BASE 0-4294967288), got "${text}"`,
    );
  return { systemAddress, base };
}

export class GbtAddressBook {
  constructor(
    private db: Db,
    private defaultSystem: number,
  ) {
    db.exec(
      'CREATE TABLE IF NOT EXISTS addresses (node TEXT PRIMARY KEY, system_address INTEGER NOT NULL, base INTEGER NOT NULL)',
    );
  }

  set(node: string, address: GbtAddress): void {
    this.db
      .prepare(
        'INSERT INTO addresses (node, system_address, base) VALUES (?, ?, ?) ON CONFLICT (node) DO UPDATE SET system_address = excluded.system_address, base = excluded.base',
      )
      .run(node, address.systemAddress, address.base);
  }

  get(node: string): GbtAddress {
    const row = this.db.prepare('SELECT system_address, base FROM addresses WHERE node = ?').get(node) as
      | { system_address: number; base: number }
      | undefined;
    return row
      ? { systemAddress: row.system_address, base: row.base }
      : { systemAddress: this.defaultSystem, base: derivedBase(node) };
  }

  /** The component address of a channel: base + its index in the node's channels (0 when unknown or node-wide). */
  componentOf(
    node: string,
    channels: readonly string[],
    ch: string,
  ): { systemAddress: number; componentAddress: number } {
    const a = this.get(node);
    return { systemAddress: a.systemAddress, componentAddress: a.base + Math.max(0, channels.indexOf(ch)) };
  }
}
