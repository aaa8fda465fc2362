import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { SerialPort } from 'serialport';
import { afterAll, describe, expect, it } from 'vitest';
import { startMosquitto } from '../../simulator/live/mosquitto.ts';
import { startPtyPair } from '../../simulator/live/pty-pair.ts';
import { makeTestCertificates } from '../support/test-certificates.ts';

/** The shared test helpers work: other suites build on them. */
describe('test support: PTY pair and Mosquitto', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  it('carries bytes between the two ends of a PTY pair, and again after unplug/plug', async () => {
    const pty = await startPtyPair();
    cleanups.push(() => pty.stop());
    for (let round = 0; round < 2; round++) {
      const a = await openPort(pty.gatewayPath);
      const b = await openPort(pty.nodePath);
      // serialport notices a vanished PTY only while it reads
      a.resume();
      const got = new Promise<string>((resolve) => b.once('data', (d: Buffer) => resolve(d.toString())));
      a.write(`hello ${round}\n`);
      expect(await got).toBe(`hello ${round}\n`);
      const closed = new Promise((resolve) => a.once('close', resolve));
      await pty.unplug();
      expect(pty.plugged).toBe(false);
      await closed;
      if (b.isOpen) await new Promise((resolve) => b.close(resolve));
      await pty.plug();
    }
  });

  it('starts Mosquitto with users and an ACL, and restarts it on the same port', async () => {
    const broker = await startMosquitto({
      users: [{ username: 'u1', password: 'secret' }],
      acl: 'user u1\ntopic readwrite t/u1/#\n',
    });
    cleanups.push(() => broker.dispose());
    const refused = mqtt.connect(broker.url, { username: 'u1', password: 'wrong', reconnectPeriod: 0 });
    await expect(new Promise((_, reject) => refused.once('error', reject))).rejects.toThrow(/Not authorized|Bad user/);
    refused.end(true);
    await broker.stop();
    expect(broker.running).toBe(false);
    await broker.start();
    const client = await mqtt.connectAsync(broker.url, { username: 'u1', password: 'secret', reconnectPeriod: 0 });
    await client.subscribeAsync('t/u1/x');
    const got = new Promise<string>((resolve) => client.once('message', (_t, p) => resolve(p.toString())));
    await client.publishAsync('t/u1/x', 'ok', { qos: 1 });
    expect(await got).toBe('ok');
    await client.endAsync();
  });

  it('serves TLS with test certificates', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pw-certs-'));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    const certs = makeTestCertificates(dir);
    const broker = await startMosquitto({ tls: { ...certs, requireCertificate: true } });
    cleanups.push(() => broker.dispose());
    const { readFileSync } = await import('node:fs');
    const client = await mqtt.connectAsync(broker.tlsUrl!, {
      ca: readFileSync(certs.caFile),
      cert: readFileSync(certs.clientCertFile),
      key: readFileSync(certs.clientKeyFile),
      reconnectPeriod: 0,
    });
    expect(client.connected).toBe(true);
    await client.endAsync();
  });
});

function openPort(path: string): Promise<SerialPort> {
  return new Promise((resolve, reject) => {
    const port = new SerialPort({ path, baudRate: 115200 }, (err) => (err ? reject(err) : resolve(port)));
  });
}
