import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { csrfMatches, parseCookies, SessionStore } from '../../gateway/panel/sessions.ts';

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pw-sessions-'));
  file = join(dir, 'panel.sqlite');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('SessionStore', () => {
  it('expires idle sessions and keeps used ones alive', () => {
    let now = 0;
    const sessions = new SessionStore(new Database(':memory:'), 100_000, () => now);
    const s = sessions.create('amy', 'admin', false);
    now = 90_000;
    expect(sessions.get(s.id)?.user).toBe('amy');
    now = 180_000;
    expect(sessions.get(s.id)).toBeDefined();
    now = 280_001;
    expect(sessions.get(s.id)).toBeUndefined();
  });

  it('survives a gateway restart, and stores neither the session id nor the CSRF token', () => {
    const db1 = new Database(file);
    const s = new SessionStore(db1, 60_000, () => 0).create('wall', 'viewer', true);
    db1.close();
    const raw = readFileSync(file, 'latin1');
    expect(raw).not.toContain(s.id);
    expect(raw).not.toContain(s.csrf);
    const db2 = new Database(file);
    const again = new SessionStore(db2, 60_000, () => 1).get(s.id);
    expect(again).toEqual({ ...s });
    db2.close();
  });

  it('gives kiosk sessions viewer rights whatever the role asked, and checks CSRF exactly', () => {
    const sessions = new SessionStore(new Database(':memory:'), 1000, () => 0);
    const s = sessions.create('kiosk:wall', 'admin', true);
    expect(s.role).toBe('viewer');
    expect(csrfMatches(s, s.csrf)).toBe(true);
    expect(csrfMatches(s, s.csrf.slice(1))).toBe(false);
    expect(csrfMatches(s, undefined)).toBe(false);
    sessions.destroy(s.id);
    expect(sessions.get(s.id)).toBeUndefined();
  });

  it('reads cookies and skips malformed ones', () => {
    expect(parseCookies('a=1; pw_panel=abc%20d; bad=%E0%A4%A')).toEqual({ a: '1', pw_panel: 'abc d' });
  });
});
