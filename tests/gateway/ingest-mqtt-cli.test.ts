import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { ConsumerBook } from '../../gateway/ingest/consumer-credentials.ts';
import { startMosquitto } from '../../simulator/live/mosquitto.ts';

const BIN = new URL('../../bin/parkwatch.js', import.meta.url).pathname;
const KEY = '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f';
const dir = mkdtempSync(join(tmpdir(), 'pw-mqtt-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const parkwatch = (args: string[], input?: string) =>
  execFileSync(process.execPath, [BIN, ...args], { input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });

describe('parkwatch mqtt', () => {
  it('hash-password prints a scrypt hash the embedded broker accepts for that password only', async () => {
    const hash = parkwatch(['mqtt', 'hash-password'], 'nodered-secret\n').trim();
    const book = new ConsumerBook([{ username: 'nodered', passwordHash: hash }]);
    expect(await book.verify('nodered', 'nodered-secret')).toBe(true);
    expect(await book.verify('nodered', 'nodered-secreT')).toBe(false);
  });

  it('node-passwords exports lines that mosquitto_passwd -U turns into a password file Mosquitto accepts', async () => {
    parkwatch(['nodes', 'add', 'n-7', '--data', dir, '--key', KEY]);
    const lines = parkwatch(['mqtt', 'node-passwords', '--data', dir]);
    expect(lines).toBe('n-7:d1f054d36ff71732e8b43f83a42c80ad\n');
    const file = join(dir, 'passwd');
    writeFileSync(file, lines, { mode: 0o600 });
    execFileSync('mosquitto_passwd', ['-U', file]);
    const broker = await startMosquitto({ extraConfig: `password_file ${file}\nallow_anonymous false` });
    try {
      const client = await mqtt.connectAsync(broker.url, {
        username: 'n-7',
        password: 'd1f054d36ff71732e8b43f83a42c80ad',
        clientId: 'n-7',
        reconnectPeriod: 0,
      });
      await client.endAsync();
      const wrong = mqtt.connectAsync(broker.url, {
        username: 'n-7',
        password: 'x',
        clientId: 'n-7',
        reconnectPeriod: 0,
      });
      await expect(wrong).rejects.toThrow(/Not authorized|Bad user/);
    } finally {
      await broker.dispose();
    }
  });
});
