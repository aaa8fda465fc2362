import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import mqtt, { type MqttClient } from 'mqtt';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExternalMqttIngest } from '../../gateway/ingest/external-broker.ts';
import type { InboundFrame } from '../../gateway/ingest/inbound.ts';
import type { LinkChange } from '../../gateway/ports.ts';
import { GatewayState } from '../../gateway/wire/events.ts';
import { nodeSha256 } from '../../gateway/wire/node-sha256.ts';
import { gatewayEvent, gatewayState, mqttPassword, nodeDown, nodeUp, seal } from '../../protocol/index.ts';
import { type RunningMosquitto, startMosquitto } from '../../simulator/live/mosquitto.ts';
import { KEY, OTHER_KEY, SAMPLE_MESSAGES } from '../protocol/samples.ts';
import { waitFor } from './ingest-wait.ts';

/** The ACL file docs/ingest.md tells operators to use, tested as written. */
const ACL = readFileSync(new URL('../../docs/mosquitto-acl.example', import.meta.url), 'utf8');
const KEYS: Record<string, string> = { n1: KEY, n2: OTHER_KEY };
const pw = (node: string) => mqttPassword(nodeSha256, KEYS[node])!;
const wire = (node: string, seq: number) => seal(nodeSha256, KEYS[node], { ...SAMPLE_MESSAGES[1], node, seq });

let broker: RunningMosquitto;
let ingest: ExternalMqttIngest;
const frames: InboundFrame[] = [];
const links: LinkChange[] = [];
const clients: MqttClient[] = [];

async function connect(username: string, password: string): Promise<MqttClient> {
  const client = await mqtt.connectAsync(broker.url, {
    username,
    password,
    clientId: `${username}-c`,
    reconnectPeriod: 0,
  });
  clients.push(client);
  return client;
}

beforeAll(async () => {
  broker = await startMosquitto({
    users: [
      { username: 'parkwatch-gw', password: 'gw-secret' },
      { username: 'nodered', password: 'nr-secret' },
      { username: 'n1', password: pw('n1') },
      { username: 'n2', password: pw('n2') },
    ],
    acl: ACL,
    extraConfig: 'use_username_as_clientid true',
  });
  ingest = new ExternalMqttIngest({
    url: broker.url,
    username: 'parkwatch-gw',
    password: 'gw-secret',
    gw: 'gw1',
    park: 'park1',
    backoff: { minMs: 50, maxMs: 300 },
    ctx: { onLink: (c) => links.push(c), count: () => {}, log: pino({ level: 'silent' }) },
  });
  await ingest.start((f) => frames.push(f));
  await waitFor(() => ingest.connected, 'gateway connected to Mosquitto');
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.endAsync(true)));
  await ingest?.stop();
  await broker?.dispose();
});

describe('ExternalMqttIngest against a real Mosquitto with the documented ACL', () => {
  it('takes node messages from their own up topic; Mosquitto drops one published on another node topic', async () => {
    const n1 = await connect('n1', pw('n1'));
    await n1.publishAsync(nodeUp('n2'), wire('n1', 1), { qos: 1 }); // denied by the ACL: dropped silently
    await n1.publishAsync(nodeUp('n1'), wire('n1', 2), { qos: 1 });
    await waitFor(() => frames.length === 1, 'n1 frame');
    // per-connection order: had the forged one passed, it would have arrived first
    expect(frames).toHaveLength(1);
    expect(frames[0]).toMatchObject({ path: 'mqtt', via: 'n1', topicNode: 'n1', raw: wire('n1', 2) });
  });

  it('delivers commands on the node down topic only to that node', async () => {
    const n1 = await connect('n1', pw('n1'));
    const n2 = await connect('n2', pw('n2'));
    const snooped: string[] = [];
    n1.on('message', (t) => snooped.push(t));
    await n1.subscribeAsync(nodeDown('n2'), { qos: 1 }).catch(() => undefined);
    await n2.subscribeAsync(nodeDown('n2'), { qos: 1 });
    await n2.publishAsync(nodeUp('n2'), wire('n2', 1), { qos: 1 });
    await waitFor(() => frames.some((f) => f.topicNode === 'n2'), 'n2 frame');
    const got = new Promise<string>((resolve) => n2.once('message', (_t, p) => resolve(p.toString())));
    expect(ingest.sendToNode('n2', '{"cmd":2}')).toBe(true);
    expect(await got).toBe('{"cmd":2}');
    expect(ingest.sendToNode('n9', '{}')).toBe(false); // never heard of
    await new Promise((r) => setTimeout(r, 100));
    expect(snooped).toEqual([]);
  });

  it('publishes decided events for read-only consumers, who cannot write node topics', async () => {
    const consumer = await connect('nodered', 'nr-secret');
    const seen: string[] = [];
    consumer.on('message', (t) => seen.push(t));
    await consumer.subscribeAsync('pw/v1/gw/#', { qos: 1 });
    ingest.publisher.publishGatewayState({ gw: 'gw1', park: 'park1', state: 'online', since: 1 });
    ingest.publisher.publishEvents([
      {
        id: 'gw1:1',
        seq: 1,
        gw: 'gw1',
        park: 'park1',
        kind: 'trouble',
        priority: 'trouble',
        at: 1,
        receivedAt: 1,
        node: null,
        ch: '',
        placement: null,
        data: {},
        trouble: 'link',
      },
    ]);
    await waitFor(() => seen.length === 2, 'state and event at the consumer');
    expect(seen).toEqual([gatewayState('gw1'), gatewayEvent('gw1', 'trouble')]);
    const before = frames.length;
    await consumer.publishAsync(nodeUp('n1'), wire('n1', 3), { qos: 1 });
    const n1 = await connect('n1', pw('n1'));
    await n1.publishAsync(nodeUp('n1'), wire('n1', 4), { qos: 1 });
    await waitFor(() => frames.length === before + 1, 'marker frame');
    expect(frames.at(-1)?.raw).toBe(wire('n1', 4));
  });

  it('reports the broker going away as a link trouble, reconnects with backoff, and flows again', async () => {
    await broker.stop();
    await waitFor(() => links.length === 1, 'link down');
    expect(links[0]).toMatchObject({ path: 'mqtt', via: broker.url, up: false });
    await new Promise((r) => setTimeout(r, 400)); // several failed attempts: still one report
    expect(links).toHaveLength(1);
    await broker.start();
    await waitFor(() => links.length === 2, 'link up', 8000);
    expect(links[1]).toEqual({ path: 'mqtt', via: broker.url, up: true });
    const before = frames.length;
    const n1 = await connect('n1', pw('n1'));
    await n1.publishAsync(nodeUp('n1'), wire('n1', 5), { qos: 1 });
    await waitFor(() => frames.length === before + 1, 'frame after the outage');
  });

  it('leaves the retained offline state through its last-will when the gateway process is SIGKILLed', async () => {
    // the child logs in as parkwatch-gw too, and the broker uses the username as client id: with
    // this file's gateway still connected, each would take the other's session over in turn
    await ingest.stop();
    const consumer = await connect('nodered', 'nr-secret');
    const states: GatewayState[] = [];
    consumer.on('message', (t, p) => {
      if (t === gatewayState('gw9')) states.push(GatewayState.parse(JSON.parse(p.toString())));
    });
    await consumer.subscribeAsync(gatewayState('gw9'), { qos: 1 });
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        new URL('./ingest-will-child.ts', import.meta.url).pathname,
        broker.url,
        'parkwatch-gw',
        'gw-secret',
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const exited = new Promise((resolve) => child.once('exit', resolve));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
      child.once('exit', (code) => reject(new Error(`child exited early: ${code}`)));
    });
    await waitFor(() => states.some((s) => s.state === 'online'), 'online state');
    child.kill('SIGKILL');
    await exited;
    await waitFor(() => states.at(-1)?.state === 'offline', 'offline state from the will');
    expect(states.at(-1)).toMatchObject({ gw: 'gw9', park: 'park1', state: 'offline' });
  });
});
