import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { z } from 'zod';
import { DUMMY_HASH, hashPassword, passwordProblem, verifyPassword } from './password.ts';

/** Panel users and kiosk tokens, in their own SQLite file in the gateway's data dir (mode 0600). */

export const Role = z.enum(['viewer', 'operator', 'admin']);
export type Role = z.infer<typeof Role>;

export const UserName = z
  .string()
  .min(1)
  .max(32)
  .regex(/^[\p{L}\p{N}_.-]+$/u, { message: '用户名只能含字母、数字、_ . - / name may hold letters, digits, _ . -' });

export interface PanelUser {
  name: string;
  role: Role;
  createdAt: number;
}

export const USERS_FILE = 'panel-users.sqlite';

/** A problem the person at the keyboard can fix; the message is bilingual. */
export class UserStoreError extends Error {}

const UserRow = z.object({ name: z.string(), role: Role, hash: z.string(), created_at: z.number() });

function tokenDigest(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export class UserStore {
  /** shared with SessionStore: one private file for everything the panel keeps */
  readonly db: Database.Database;

  constructor(
    readonly file: string,
    private now: () => number = Date.now,
  ) {
    try {
      if (!existsSync(file)) closeSync(openSync(file, 'a', 0o600));
      chmodSync(file, 0o600);
      this.db = new Database(file);
      this.db.pragma('journal_mode = WAL');
      this.db.exec(`
        CREATE TABLE IF NOT EXISTS users (
          name TEXT PRIMARY KEY, role TEXT NOT NULL, hash TEXT NOT NULL, created_at INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS kiosk_tokens (
          digest TEXT PRIMARY KEY, label TEXT NOT NULL, created_at INTEGER NOT NULL);`);
    } catch (err) {
      throw new UserStoreError(
        `无法打开面板用户库 ${file}：${(err as Error).message}；请检查文件权限，或移走损坏的文件后重新添加用户 / ` +
          `cannot open the panel user store ${file}: ${(err as Error).message}; check its permissions, ` +
          'or move a corrupt file away and add the users again',
      );
    }
  }

  static openInDir(dataDir: string, now?: () => number): UserStore {
    mkdirSync(dataDir, { recursive: true });
    return new UserStore(join(dataDir, USERS_FILE), now);
  }

  count(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM users').get() as { n: number }).n;
  }

  list(): PanelUser[] {
    const rows = this.db.prepare('SELECT * FROM users ORDER BY name').all();
    return rows.map((r) => {
      const row = UserRow.parse(r);
      return { name: row.name, role: row.role, createdAt: row.created_at };
    });
  }

  async add(name: string, role: Role, password: string): Promise<void> {
    const validName = UserName.safeParse(name);
    if (!validName.success) throw new UserStoreError(validName.error.issues[0].message);
    const problem = passwordProblem(password);
    if (problem) throw new UserStoreError(problem);
    const hash = await hashPassword(password);
    const info = this.db
      .prepare('INSERT OR IGNORE INTO users (name, role, hash, created_at) VALUES (?, ?, ?, ?)')
      .run(name, role, hash, this.now());
    if (info.changes === 0) throw new UserStoreError(`用户 ${name} 已存在 / user ${name} already exists`);
  }

  async setPassword(name: string, password: string): Promise<void> {
    const problem = passwordProblem(password);
    if (problem) throw new UserStoreError(problem);
    const hash = await hashPassword(password);
    const info = this.db.prepare('UPDATE users SET hash = ? WHERE name = ?').run(hash, name);
    if (info.changes === 0) throw new UserStoreError(`没有用户 ${name} / no user ${name}`);
  }

  remove(name: string): void {
    const info = this.db.prepare('DELETE FROM users WHERE name = ?').run(name);
    if (info.changes === 0) throw new UserStoreError(`没有用户 ${name} / no user ${name}`);
  }

  /** The user when name and password match; always spends one scrypt so timing does not reveal names. */
  async authenticate(name: string, password: string): Promise<PanelUser | undefined> {
    const raw = this.db.prepare('SELECT * FROM users WHERE name = ?').get(name);
    const row = raw === undefined ? undefined : UserRow.parse(raw);
    const ok = await verifyPassword(password, row ? row.hash : DUMMY_HASH);
    return ok && row ? { name: row.name, role: row.role, createdAt: row.created_at } : undefined;
  }

  user(name: string): PanelUser | undefined {
    const raw = this.db.prepare('SELECT * FROM users WHERE name = ?').get(name);
    if (raw === undefined) return undefined;
    const row = UserRow.parse(raw);
    return { name: row.name, role: row.role, createdAt: row.created_at };
  }

  /** Creates a kiosk token (shown once; only its digest is stored). */
  addKioskToken(label: string): string {
    const token = randomBytes(24).toString('base64url');
    this.db
      .prepare('INSERT INTO kiosk_tokens (digest, label, created_at) VALUES (?, ?, ?)')
      .run(tokenDigest(token), label, this.now());
    return token;
  }

  kioskLabel(token: string): string | undefined {
    const row = this.db.prepare('SELECT label FROM kiosk_tokens WHERE digest = ?').get(tokenDigest(token)) as
      | { label: string }
      | undefined;
    return row?.label;
  }

  hasKiosk(label: string): boolean {
    return this.db.prepare('SELECT 1 FROM kiosk_tokens WHERE label = ?').get(label) !== undefined;
  }

  listKiosks(): { label: string; createdAt: number }[] {
    return (
      this.db.prepare('SELECT label, created_at FROM kiosk_tokens ORDER BY label').all() as {
        label: string;
        created_at: number;
      }[]
    ).map((r) => ({ label: r.label, createdAt: r.created_at }));
  }

  removeKiosk(label: string): number {
    return this.db.prepare('DELETE FROM kiosk_tokens WHERE label = ?').run(label).changes;
  }

  close(): void {
    this.db.close();
  }
}
