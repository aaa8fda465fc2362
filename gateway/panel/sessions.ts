import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type Database from 'better-sqlite3';
import { z } from 'zod';
import { Role } from './users.ts';

/**
 * Login sessions, kept in the panel's SQLite file so a gateway restart (power cut, update)
 * does not log out the control room's wall screen. Only a digest of the session id is stored;
 * the CSRF token is derived from the id, so neither can be read back from the file.
 */
export interface Session {
  /** the cookie value; never stored */
  id: string;
  user: string;
  role: Role;
  /** a wall-screen session opened with a kiosk token: viewer rights, never actions */
  kiosk: boolean;
  csrf: string;
}

export const SESSION_COOKIE = 'pw_panel';
/** lastUsed is written at most this often per session, not on every request */
const TOUCH_EVERY_MS = 60_000;

const Row = z.object({ user: z.string(), role: Role, kiosk: z.number(), last_used: z.number() });

function digest(id: string): string {
  return createHash('sha256').update(id).digest('hex');
}

function csrfOf(id: string): string {
  return createHash('sha256').update(`csrf:${id}`).digest('base64url');
}

export class SessionStore {
  constructor(
    private db: Database.Database,
    private idleMs: number,
    private now: () => number,
  ) {
    db.exec(`CREATE TABLE IF NOT EXISTS sessions (
      digest TEXT PRIMARY KEY, user TEXT NOT NULL, role TEXT NOT NULL, kiosk INTEGER NOT NULL,
      last_used INTEGER NOT NULL)`);
  }

  create(user: string, role: Role, kiosk: boolean): Session {
    this.db.prepare('DELETE FROM sessions WHERE last_used < ?').run(this.now() - this.idleMs);
    const id = randomBytes(32).toString('base64url');
    const effective: Role = kiosk ? 'viewer' : role;
    this.db
      .prepare('INSERT INTO sessions (digest, user, role, kiosk, last_used) VALUES (?, ?, ?, ?, ?)')
      .run(digest(id), user, effective, kiosk ? 1 : 0, this.now());
    return { id, user, role: effective, kiosk, csrf: csrfOf(id) };
  }

  /** The live session for this id, touched; undefined when unknown or idle too long. */
  get(id: string | undefined): Session | undefined {
    if (!id || id.length > 100) return undefined;
    const key = digest(id);
    const raw = this.db.prepare('SELECT user, role, kiosk, last_used FROM sessions WHERE digest = ?').get(key);
    if (raw === undefined) return undefined;
    const row = Row.parse(raw);
    const t = this.now();
    if (t - row.last_used > this.idleMs) {
      this.db.prepare('DELETE FROM sessions WHERE digest = ?').run(key);
      return undefined;
    }
    if (t - row.last_used > TOUCH_EVERY_MS) {
      this.db.prepare('UPDATE sessions SET last_used = ? WHERE digest = ?').run(t, key);
    }
    return { id, user: row.user, role: row.role, kiosk: row.kiosk === 1, csrf: csrfOf(id) };
  }

  destroy(id: string): void {
    this.db.prepare('DELETE FROM sessions WHERE digest = ?').run(digest(id));
  }
}

export function csrfMatches(session: Session, given: string | undefined): boolean {
  if (!given) return false;
  const a = Buffer.from(session.csrf);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!header) return out;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    try {
      out[part.slice(0, eq).trim()] = decodeURIComponent(part.slice(eq + 1).trim());
    } catch {
      // a malformed cookie from another app on the same host: ignore it
    }
  }
  return out;
}

export function sessionCookie(id: string, secure: boolean, maxAgeS: number): string {
  return `${SESSION_COOKIE}=${id}; Path=/panel; HttpOnly; SameSite=Strict; Max-Age=${maxAgeS}${secure ? '; Secure' : ''}`;
}
