import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { USERS_FILE, UserStore } from '../../gateway/panel/users.ts';

const dir = mkdtempSync(join(tmpdir(), 'pw-users-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function parkwatch(args: string[], input = '') {
  return spawnSync(process.execPath, ['bin/parkwatch.js', 'users', ...args, '--data', dir], {
    input,
    encoding: 'utf8',
  });
}

describe('parkwatch users', () => {
  it('adds the first admin from stdin, lists users, makes a kiosk URL, and refuses bad calls', async () => {
    const add = parkwatch(['add', '李工', '--role', 'admin'], 'a-long-password\n');
    expect(add.stderr).toBe('');
    expect(add.status).toBe(0);
    expect(add.stdout).toContain('已添加用户 李工（admin）/ added user 李工 (admin)');
    expect(statSync(join(dir, USERS_FILE)).mode & 0o777).toBe(0o600);

    const store = new UserStore(join(dir, USERS_FILE));
    expect(await store.authenticate('李工', 'a-long-password')).toMatchObject({ role: 'admin' });
    store.close();

    expect(parkwatch(['list']).stdout).toMatch(/^李工\tadmin\t\d{4}-/);

    const kiosk = parkwatch(['kiosk', 'add', 'wall', '--url', 'http://10.0.0.5:8080/']);
    expect(kiosk.stdout).toMatch(/http:\/\/10\.0\.0\.5:8080\/panel\/kiosk\?token=[\w-]{32}\n/);

    const short = parkwatch(['add', 'bob', '--role', 'operator'], 'short\n');
    expect(short.status).toBe(1);
    expect(short.stderr).toContain('密码至少 10 个字符 / password must be at least 10 characters');

    const badRole = parkwatch(['add', 'bob', '--role', 'boss']);
    expect(badRole.status).toBe(2);
    expect(badRole.stderr).toContain('--role must be viewer, operator or admin');
  });
});
