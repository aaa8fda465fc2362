import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hashPassword, verifyPassword } from '../../gateway/panel/password.ts';
import { USERS_FILE, UserStore, UserStoreError } from '../../gateway/panel/users.ts';

let dir: string;
let store: UserStore;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pw-users-'));
  store = UserStore.openInDir(dir);
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('passwords', () => {
  it('hashes with scrypt and a fresh salt, and verifies only the right password', async () => {
    const a = await hashPassword('correct horse battery');
    const b = await hashPassword('correct horse battery');
    expect(a).toMatch(/^scrypt\$16384\$8\$1\$[0-9a-f]{32}\$[0-9a-f]{64}$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword('correct horse battery', a)).toBe(true);
    expect(await verifyPassword('correct horse batterY', a)).toBe(false);
    expect(await verifyPassword('x', 'not-a-hash')).toBe(false);
  });
});

describe('UserStore', () => {
  it('keeps its file private (mode 0600) in the data dir', () => {
    expect(statSync(join(dir, USERS_FILE)).mode & 0o777).toBe(0o600);
  });

  it('adds users with roles and authenticates them', async () => {
    await store.add('王工', 'operator', 'long-enough-pw');
    expect(store.count()).toBe(1);
    expect(await store.authenticate('王工', 'long-enough-pw')).toMatchObject({ name: '王工', role: 'operator' });
    expect(await store.authenticate('王工', 'wrong-password')).toBeUndefined();
    expect(await store.authenticate('nobody', 'long-enough-pw')).toBeUndefined();
  });

  it('refuses short passwords, bad names and duplicates with bilingual messages', async () => {
    await expect(store.add('amy', 'admin', 'short')).rejects.toThrow(/至少 10 个字符 .* at least 10/);
    await expect(store.add('a b', 'admin', 'long-enough-pw')).rejects.toThrow(UserStoreError);
    await store.add('amy', 'admin', 'long-enough-pw');
    await expect(store.add('amy', 'viewer', 'long-enough-pw')).rejects.toThrow(/已存在 .* already exists/);
  });

  it('changes passwords and removes users', async () => {
    await store.add('amy', 'admin', 'long-enough-pw');
    await store.setPassword('amy', 'another-long-pw');
    expect(await store.authenticate('amy', 'long-enough-pw')).toBeUndefined();
    expect(await store.authenticate('amy', 'another-long-pw')).toBeDefined();
    store.remove('amy');
    expect(store.list()).toEqual([]);
    expect(() => store.remove('amy')).toThrow(/no user amy/);
  });

  it('stores only a digest of kiosk tokens', () => {
    const token = store.addKioskToken('control-room');
    expect(store.kioskLabel(token)).toBe('control-room');
    expect(store.kioskLabel(token + 'x')).toBeUndefined();
    expect(store.listKiosks().map((k) => k.label)).toEqual(['control-room']);
    expect(store.removeKiosk('control-room')).toBe(1);
    expect(store.kioskLabel(token)).toBeUndefined();
  });

  it('reports a corrupt store file with its path and what to do', () => {
    const bad = join(dir, 'corrupt.sqlite');
    writeFileSync(bad, 'this is not a database, just text that is long enough to be read as a header....');
    expect(() => new UserStore(bad)).toThrow(/corrupt\.sqlite.*move a corrupt file away/);
  });
});
