import { rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { parseNodesCsv, runNodesCommand } from '../../gateway/cli/nodes-command.ts';
import { DB_FILE } from '../../gateway/store/database.ts';
import { tempDir as makeTempDir } from './support/gateway-rig.ts';

const dirs: string[] = [];
function tempDir(): string {
  const d = makeTempDir('pw-nodes-');
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** `parkwatch nodes ...` in-process, with its console output captured. */
async function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a) => void out.push(a.join(' ')));
  const error = vi.spyOn(console, 'error').mockImplementation((...a) => void err.push(a.join(' ')));
  try {
    const code = await runNodesCommand(args);
    return { code, out: out.join('\n'), err: err.join('\n') };
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
}

afterEach(() => vi.restoreAllMocks());

describe('parkwatch nodes', () => {
  it('adds with a generated key shown once, lists without keys, removes', async () => {
    const dir = tempDir();
    const added = await run(
      'add',
      'n-0101',
      '--enterprise',
      '宁德电池厂',
      '--zone',
      'A1',
      '--channels',
      'smoke,water',
      '--data',
      dir,
    );
    expect(added.code).toBe(0);
    const key = /key.*: ([0-9a-f]{64})$/m.exec(added.out)?.[1];
    expect(key).toBeDefined();
    expect(statSync(join(dir, DB_FILE)).mode & 0o777).toBe(0o600);
    const listed = await run('list', '--json', '--data', dir);
    expect(JSON.parse(listed.out)).toMatchObject([
      { id: 'n-0101', enterprise: '宁德电池厂', channels: ['smoke', 'water'] },
    ]);
    expect(listed.out).not.toContain(key);
    expect((await run('list', '--show-keys', '--json', '--data', dir)).out).toContain(key);
    expect((await run('remove', 'n-0101', '--data', dir)).code).toBe(0);
    expect((await run('remove', 'n-0101', '--data', dir)).code).toBe(1);
  });

  it('refuses a bad id or key with the reason', async () => {
    const dir = tempDir();
    expect((await run('add', 'bad id!', '--data', dir)).code).toBe(2);
    const short = await run('add', 'n1', '--key', 'abcd', '--data', dir);
    expect(short.code).toBe(2);
    expect(short.err).toMatch(/keyHex: must be 32-128 lowercase hex/);
  });

  it('imports a whole enterprise from CSV or JSON, all or nothing', async () => {
    const dir = tempDir();
    const csv = join(dir, 'e1.csv');
    writeFileSync(
      csv,
      'id,enterprise,site,zone,location,channels,installedBy\n' +
        'e1-01,E1,S1,A1,"东墙, 二号车间",smoke;water,张工\n' +
        'e1-02,E1,S1,A2,仓库,water,张工\n',
    );
    const ok = await run('import', csv, '--data', dir);
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/imported 2 nodes/);
    const list = JSON.parse((await run('list', '--json', '--data', dir)).out);
    expect(list[0]).toMatchObject({
      id: 'e1-01',
      location: '东墙, 二号车间',
      channels: ['smoke', 'water'],
      installedBy: '张工',
    });

    const json = join(dir, 'e2.json');
    writeFileSync(
      json,
      JSON.stringify([
        { id: 'e2-01', enterprise: 'E2' },
        { id: 'e2 02', enterprise: 'E2' },
      ]),
    );
    const bad = await run('import', json, '--data', dir);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/record 2: id: must be 1-32/);
    expect(JSON.parse((await run('list', '--json', '--data', dir)).out)).toHaveLength(2);
  });

  it('parses quoted CSV cells', () => {
    expect(parseNodesCsv('id,location\nn1,"a ""b"", c"\n')).toEqual([{ id: 'n1', location: 'a "b", c' }]);
  });
});
