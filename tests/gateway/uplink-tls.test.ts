import { rmSync } from 'node:fs';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLOUD_ALL_EVENTS } from '../../protocol/topics.ts';
import { type RunningMosquitto, startMosquitto } from '../../simulator/live/mosquitto.ts';
import { makeTestCertificates } from '../support/test-certificates.ts';
import { type Rig, startRig, tempDir, tick, until } from './support/gateway-rig.ts';

/** The uplink to a Mosquitto that requires a client certificate. */
const certDir = tempDir('pw-gw-tls-');
let certs: ReturnType<typeof makeTestCertificates>;
let broker: RunningMosquitto;
let rig: Rig | undefined;

beforeAll(async () => {
  certs = makeTestCertificates(certDir);
  broker = await startMosquitto({
    tls: { certFile: certs.certFile, keyFile: certs.keyFile, caFile: certs.caFile, requireCertificate: true },
  });
});
afterAll(async () => {
  await rig?.dispose();
  await broker?.dispose();
  rmSync(certDir, { recursive: true, force: true });
});

describe('uplink over TLS with a client certificate', () => {
  it('delivers with the certificate and stays queued without it', async () => {
    const seen: string[] = [];
    const watcher = await mqtt.connectAsync(broker.url);
    watcher.on('message', (_t, p) => seen.push(JSON.parse(p.toString()).kind));
    await watcher.subscribeAsync(CLOUD_ALL_EVENTS, { qos: 1 });

    const url = broker.tlsUrl as string;
    rig = await startRig({ cloud: { url, tls: { ca: certs.caFile }, backoff: { minMs: 100, maxMs: 200 } } });
    const n = rig.node('t1');
    rig.direct.push(n.alarm(), 't1');
    await tick(600);
    expect(rig.gateway.uplink?.state).not.toBe('connected');
    expect(rig.gateway.outbox.stats().depth).toBe(1);
    const dir = rig.dir;
    await rig.gateway.stop();

    rig = await startRig(
      { cloud: { url, tls: { ca: certs.caFile, cert: certs.clientCertFile, key: certs.clientKeyFile } } },
      dir,
    );
    await until(() => seen.includes('alarm'), 10_000, 'alarm over TLS');
    await until(() => rig?.gateway.outbox.stats().depth === 0, 5000, 'outbox empty');
    watcher.end(true);
  });
});
