import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserStore } from '../../gateway/panel/users.ts';
import { gatewayEvent, nodeDown, nodeUp } from '../../protocol/topics.ts';
import { type RunningMosquitto, startMosquitto } from '../../simulator/live/mosquitto.ts';
import { GatewayProcess } from '../bench/gateway-process.ts';
import { CloudLog } from '../chaos/support/cloud-log.ts';
import { until } from '../chaos/support/invariants.ts';
import { mqttLink, ReliableNode } from '../chaos/support/reliable-node.ts';
import { PanelClient } from '../panel/support/panel-server.ts';
import { makeTestCertificates } from '../support/test-certificates.ts';

/**
 * The gateway as installed in a park that takes security seriously: a cloud Mosquitto that
 * requires TLS with a client certificate and a password, local nodes and a read-only consumer
 * on the embedded broker, the panel with a user. The gateway logs at debug level, its most
 * talkative, and no secret may appear in that log.
 */
const dir = mkdtempSync(join(tmpdir(), 'pw-sec-'));
const certs = makeTestCertificates(dir);
const CLOUD_USER = { username: 'gw-park1', password: `cloud-${randomBytes(8).toString('hex')}` };
const TAP_USER = { username: 'tap', password: `tap-${randomBytes(8).toString('hex')}` };
const CONSUMER = { username: 'node-red', password: `consumer-${randomBytes(8).toString('hex')}` };
const ADMIN = { name: 'sec-admin', password: `panel-${randomBytes(8).toString('hex')}` };

let cloud: RunningMosquitto;
let gateway: GatewayProcess;
let log: CloudLog;
const nodes = ['s1', 's2'].map((id) => new ReliableNode(id, randomBytes(32).toString('hex')));

beforeAll(async () => {
  cloud = await startMosquitto({
    users: [CLOUD_USER, TAP_USER],
    persistence: true,
    tls: { certFile: certs.certFile, keyFile: certs.keyFile, caFile: certs.caFile, requireCertificate: true },
  });
  gateway = new GatewayProcess({
    dir: join(dir, 'gw'),
    cloudUrl: cloud.tlsUrl,
    config: {
      log: { level: 'debug' },
      localBroker: { consumers: [CONSUMER] },
      cloud: {
        ...CLOUD_USER,
        tls: { ca: certs.caFile, cert: certs.clientCertFile, key: certs.clientKeyFile },
        backoff: { maxMs: 1000 },
      },
    },
  });
  gateway.provision(nodes.map((n) => ({ id: n.id, keyHex: n.sim.keyHex })));
  const users = UserStore.openInDir(gateway.dataDir);
  await users.add(ADMIN.name, 'admin', ADMIN.password);
  users.close();
  await gateway.start();
  log = await CloudLog.open(cloud.url, TAP_USER);
  for (const n of nodes) mqttLink(n, gateway.brokerUrl);
}, 60_000);

afterAll(async () => {
  await Promise.all(nodes.map((n) => n.close()));
  await log?.close();
  await gateway?.kill();
  await cloud?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

describe('cloud uplink over TLS with a client certificate', () => {
  it('delivers alarms to a cloud that requires TLS, a client certificate and a password', async () => {
    for (const n of nodes) n.alarm();
    expect(await until(() => nodes.every((n) => n.acked.size === 1), 10_000)).toBe(true);
    expect(await until(() => log.events.filter((e) => e.kind === 'alarm').length === 2, 10_000)).toBe(true);
    expect(await gateway.metricSum('parkwatch_uplink_connected')).toBe(1);
  });

  it('is refused by the cloud without a client certificate (events stay queued)', async () => {
    const bare = new GatewayProcess({
      dir: join(dir, 'gw-no-cert'),
      cloudUrl: cloud.tlsUrl,
      config: { cloud: { ...CLOUD_USER, tls: { ca: certs.caFile }, backoff: { maxMs: 1000 } } },
    });
    try {
      await bare.start();
      await until(() => false, 2500);
      expect(await bare.metricSum('parkwatch_uplink_connected')).toBe(0);
      expect(await bare.metricSum('parkwatch_uplink_published_total')).toBe(0);
      expect(bare.logText()).toMatch(/cloud uplink error/);
    } finally {
      await bare.kill();
    }
  });
});

describe('local broker authentication and ACL', () => {
  const connect = (o: mqtt.IClientOptions) =>
    new Promise<mqtt.MqttClient | string>((resolve) => {
      const c = mqtt.connect(gateway.brokerUrl, { reconnectPeriod: 0, ...o });
      c.once('connect', () => resolve(c));
      c.once('error', (err) => {
        c.end(true);
        resolve(err.message);
      });
    });

  it('refuses a node with a wrong password or another node id as client id', async () => {
    const [s1, s2] = nodes;
    expect(typeof (await connect({ clientId: s1.id, username: s1.id, password: s2.sim.password() }))).toBe('string');
    expect(typeof (await connect({ clientId: s2.id, username: s1.id, password: s1.sim.password() }))).toBe('string');
    expect(
      await gateway.metricSum('parkwatch_ingest_transport_rejects_total', { reason: 'connect_bad_password' }),
    ).toBe(1);
  });

  it('lets a node publish only on its own up topic and read only its own down topic', async () => {
    const s1 = nodes[0];
    const c = await connect({ clientId: 'sec-s1', username: s1.id, password: s1.sim.password() });
    // client id must equal the node id
    expect(typeof c).toBe('string');
    const spare = new ReliableNode('s2', nodes[1].sim.keyHex);
    const own = (await connect({ clientId: 's2', username: 's2', password: spare.sim.password() })) as mqtt.MqttClient;
    expect(typeof own).not.toBe('string');
    // SUBACK 0x80: MQTT.js turns the refusal into an error
    await expect(own.subscribeAsync(nodeDown('s1'), { qos: 1 })).rejects.toThrow(/Subscribe error/);
    own.on('error', () => undefined);
    own.publish(nodeUp('s1'), spare.sim.alarm(), { qos: 1 });
    expect(await until(() => !own.connected, 5000)).toBe(true);
    own.end(true);
    expect(
      await gateway.metricSum('parkwatch_ingest_transport_rejects_total', { reason: 'subscribe_not_own_down' }),
    ).toBe(1);
    expect(
      await gateway.metricSum('parkwatch_ingest_transport_rejects_total', { reason: 'publish_not_own_topic' }),
    ).toBe(1);
  });

  it('gives a consumer read-only access to decided events', async () => {
    const c = (await connect({ clientId: 'nr-1', ...CONSUMER })) as mqtt.MqttClient;
    expect(typeof c).not.toBe('string');
    const got: string[] = [];
    c.on('message', (topic) => got.push(topic));
    await c.subscribeAsync('pw/v1/gw/#', { qos: 1 });
    nodes[0].alarm();
    expect(await until(() => got.includes(gatewayEvent('gw1', 'alarm')), 10_000)).toBe(true);
    await expect(c.subscribeAsync(nodeDown('s1'), { qos: 1 })).rejects.toThrow(/Subscribe error/);
    c.on('error', () => undefined);
    c.publish(nodeUp('s1'), 'x', { qos: 1 });
    expect(await until(() => !c.connected, 5000)).toBe(true);
    c.end(true);
  });
});

describe('panel authentication and CSRF', () => {
  it('needs a session for data and a CSRF token for actions', async () => {
    expect((await fetch(`${gateway.httpUrl}/panel/api/overview`)).status).toBe(401);
    const admin = new PanelClient(gateway.httpUrl);
    expect((await admin.login(ADMIN.name, 'wrong-password-123')).status).toBe(401);
    expect((await admin.login(ADMIN.name, ADMIN.password)).status).toBe(200);
    expect((await admin.request('GET', '/panel/api/overview')).status).toBe(200);
    const csrf = admin.csrf;
    admin.csrf = '';
    const action = { action: 'note', event: 'gw1:1', note: 'checked on site / 现场确认' };
    expect((await admin.request('POST', '/panel/api/actions', action)).status).toBe(403);
    admin.csrf = 'not-the-token';
    expect((await admin.request('POST', '/panel/api/actions', action)).status).toBe(403);
    admin.csrf = csrf;
    expect((await admin.request('POST', '/panel/api/actions', action)).status).toBeLessThan(300);
  });
});

describe('secrets and file modes', () => {
  it('never writes a node key, a password or the client key to the log', async () => {
    const text = gateway.logText();
    expect(text.length).toBeGreaterThan(1000); // debug level: there is a log to search
    const secrets: [string, string][] = [
      ...nodes.flatMap((n): [string, string][] => [
        [`${n.id} key`, n.sim.keyHex],
        [`${n.id} mqtt password`, n.sim.password()],
      ]),
      ['cloud password', CLOUD_USER.password],
      ['consumer password', CONSUMER.password],
      ['panel password', ADMIN.password],
      ['client key', readFileSync(certs.clientKeyFile, 'utf8').split('\n')[1]],
    ];
    for (const [what, secret] of secrets) expect(text.includes(secret), `${what} in the gateway log`).toBe(false);
  });

  it('creates its data folder 0700 and every file in it 0600', () => {
    const walk = (d: string): [string, number][] =>
      readdirSync(d, { withFileTypes: true }).flatMap((e): [string, number][] => {
        const p = join(d, e.name);
        const mode = statSync(p).mode & 0o777;
        return e.isDirectory() ? [[p, mode], ...walk(p)] : [[p, mode]];
      });
    expect(statSync(gateway.dataDir).mode & 0o777).toBe(0o700);
    const entries = walk(gateway.dataDir);
    expect(entries.length).toBeGreaterThan(0);
    for (const [p, mode] of entries) expect(mode.toString(8), p).toBe(statSync(p).isDirectory() ? '700' : '600');
  });
});
