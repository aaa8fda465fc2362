import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Role } from './users.ts';

/**
 * Login sessions, in memory: a gateway restart logs everyone out, which is acceptable for a
 * LAN panel and keeps session secrets off the disk. Each session has its own CSRF token.
 */
export interface Session {
  id: string;
  user: string;
  role: Role;
  /** a wall-screen session opened with a kiosk token: viewer rights, never actions */
  kiosk: boolean;
  csrf: string;
  lastUsed: number;
}

export const SESSION_COOKIE = 'pw_panel';

export class SessionStore {
  private sessions = new Map<string, Session>();

  constructor(
    private idleMs: number,
    private now: () => number,
  ) {}

  create(user: string, role: Role, kiosk: boolean): Session {
    this.sweep();
    const session: Session = {
      id: randomBytes(32).toString('base64url'),
      user,
      role: kiosk ? 'viewer' : role,
      kiosk,
      csrf: randomBytes(24).toString('base64url'),
      lastUsed: this.now(),
    };
    this.sessions.set(session.id, session);
    return session;
  }

  /** The live session for this id, touched; undefined when unknown or idle too long. */
  get(id: string | undefined): Session | undefined {
    if (!id) return undefined;
    const s = this.sessions.get(id);
    if (!s) return undefined;
    if (this.now() - s.lastUsed > this.idleMs) {
      this.sessions.delete(id);
      return undefined;
    }
    s.lastUsed = this.now();
    return s;
  }

  destroy(id: string): void {
    this.sessions.delete(id);
  }

  /** Ends every session of a user (after a password change or removal). */
  destroyUser(user: string): void {
    for (const [id, s] of this.sessions) if (s.user === user) this.sessions.delete(id);
  }

  private sweep(): void {
    const t = this.now();
    for (const [id, s] of this.sessions) if (t - s.lastUsed > this.idleMs) this.sessions.delete(id);
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
    if (eq > 0) out[part.slice(0, eq).trim()] = decodeURIComponent(part.slice(eq + 1).trim());
  }
  return out;
}

export function sessionCookie(id: string, secure: boolean, maxAgeS: number): string {
  return `${SESSION_COOKIE}=${id}; Path=/panel; HttpOnly; SameSite=Strict; Max-Age=${maxAgeS}${secure ? '; Secure' : ''}`;
}
