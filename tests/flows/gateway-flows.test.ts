import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateConfig } from '../../gateway/config/load.ts';
import { type RunningGateway, runGateway } from '../../gateway/run.ts';
import { DecidedEvent } from '../../gateway/wire/events.ts';
import { cloudEvent } from '../../protocol/topics.ts';
import { freePort, type RunningMosquitto, startMosquitto } from '../../simulator/live/mosquitto.ts';
import { NodeClient } from '../../simulator/node-client.ts';
import { NodeRedProcess } from './support/node-red.ts';
import { type ReceivedRequest, WebhookServer } from './support/webhook-server.ts';

/**
 * The contract end to end: a real gateway (embedded broker, node registry, alarm book, outbox,
 * uplink to a real Mosquitto as the cloud) decides signed messages from a simulated node.
 * flows/escalation.json in one Node-RED, logged in to the gateway's broker as a read-only
 * consumer, escalates the alarm until the operator's acknowledge through the gateway's desk;
 * flows/cloud-ingest.json in another reads the cloud broker and forwards to the insurer. This is
 * what breaks if the DecidedEvent the gateway publishes and the one the flows read drift apart.
 */
const dir = mkdtempSync(join(tmpdir(), 'pw-flows-gw-'));
const journalDir = mkdtempSync(join(tmpdir(), 'pw-flows-gw-journal-'));
let running: RunningGateway;
let cloud: RunningMosquitto;
let hooks: WebhookServer;
let red: NodeRedProcess;
let ingest: NodeRedProcess;
let brokerUrl: string;

beforeAll(async () => {
  cloud = await startMosquitto();
  const port = await freePort();
  const config = validateConfig(
    {
      dataDir: dir,
      http: { host: '127.0.0.1', port: 0 },
      localBroker: {
        mode: 'embedded',
        host: '127.0.0.1',
        port,
        consumers: [{ username: 'nodered', password: 'nodered-pass' }],
      },
      panel: { enabled: false },
      cloud: { url: cloud.url, backoff: { minMs: 100, maxMs: 400 } },
    },
    'test',
  );
  running = await runGateway(config, { logger: pino({ level: 'silent' }) });
  brokerUrl = `mqtt://127.0.0.1:${port}`;
  hooks = new WebhookServer();
  await hooks.start();
  red = new NodeRedProcess({
    flowFile: join(import.meta.dirname, '..', '..', 'flows', 'escalation.json'),
    env: {
      // the consumer login in the URL: no credentials file needed in the test
      PW_MQTT_URL: `mqtt://nodered:nodered-pass@127.0.0.1:${port}`,
      PW_ESC_CLIENT_ID: 'nodered-escalation',
      PW_ESC_TOPIC: 'pw/v1/gw/+/event/+',
      PW_ESC_CONTACTS: JSON.stringify({
        enterprises: { 电池一厂: [{ type: 'wecom', url: `${hooks.base}/wecom/battery` }] },
        security: [{ type: 'wecom', url: `${hooks.base}/wecom/security` }],
        duty: [{ type: 'wecom', url: `${hooks.base}/wecom/duty` }],
      }),
      PW_ESC_SECURITY_AFTER_S: '2',
      PW_ESC_DUTY_AFTER_S: '30',
    },
  });
  ingest = new NodeRedProcess({
    flowFile: join(import.meta.dirname, '..', '..', 'flows', 'cloud-ingest.json'),
    env: {
      PW_CLOUD_MQTT_URL: cloud.url,
      PW_INGEST_CLIENT_ID: 'insurer-ingest',
      PW_INGEST_TOPIC: '$share/insurer/pw/v1/park/+/gw/+/event/+',
      PW_INGEST_DIR: journalDir,
      PW_FORWARD_URL: `${hooks.base}/insurer`,
    },
  });
  await Promise.all([red.start(), ingest.start()]);
});

afterAll(async () => {
  await red?.dispose();
  await ingest?.dispose();
  await hooks?.stop();
  await running?.stop();
  await cloud?.dispose();
  rmSync(dir, { recursive: true, force: true });
  rmSync(journalDir, { recursive: true, force: true });
});

const text = (r: ReceivedRequest) => JSON.parse(r.body).text.content as string;

describe('flows on a real gateway', () => {
  it('escalates a node alarm the gateway decided and stops on the operator acknowledge', async () => {
    const gw = running.gateway;
    const [stored] = gw.registry.upsert(
      [{ id: 's1', channels: ['smoke'], enterprise: '电池一厂', site: '一号厂区', zone: 'A3', location: '化成车间' }],
      Date.now(),
    );
    const node = new NodeClient('s1', stored.keyHex);
    const client = await node.connect(brokerUrl);
    try {
      await node.publish(client, node.heartbeat());
      await node.publish(client, node.alarm('smoke', 900));
      const [first] = await hooks.waitFor('/wecom/battery', 1, 8000);
      expect(text(first)).toContain('火警 / FIRE ALARM');
      expect(text(first)).toContain('化成车间');
      expect(text(first)).toContain('s1 (smoke)');
      const [escalated] = await hooks.waitFor('/wecom/security', 1, 8000);
      expect(text(escalated)).toContain('升级');

      const open = gw.book.findByRef(eventIdIn(text(first)));
      expect(open).toBeDefined();
      await gw.desk.act({ action: 'acknowledge', ref: eventIdIn(text(first)), by: '值班长 / shift lead' });
      const [, acked] = await hooks.waitFor('/wecom/battery', 2, 8000);
      expect(text(acked)).toContain('已确认');
      expect(text(acked)).toContain('值班长');
      await hooks.waitFor('/wecom/security', 2, 8000);
      expect(hooks.to('/wecom/duty')).toHaveLength(0);
    } finally {
      await client.endAsync();
    }
  });

  it('forwards what the gateway sent to the cloud once, as the DecidedEvent it is', async () => {
    const gw = running.gateway;
    const [stored] = gw.registry.upsert(
      [{ id: 'w1', channels: ['water'], enterprise: '电池一厂', zone: 'B1' }],
      Date.now(),
    );
    const node = new NodeClient('w1', stored.keyHex);
    const client = await node.connect(brokerUrl);
    let alarm: DecidedEvent | undefined;
    try {
      await node.publish(client, node.heartbeat());
      await node.publish(client, node.alarm('water', 40));
      const deadline = Date.now() + 8000;
      while (!alarm) {
        const found = hooks
          .to('/insurer')
          .map((r) => DecidedEvent.parse(JSON.parse(r.body)))
          .find((e) => e.node === 'w1' && e.kind === 'alarm');
        if (found) alarm = found;
        else if (Date.now() > deadline) throw new Error(`no alarm forwarded\n${ingest.log().slice(-2000)}`);
        else await new Promise((r) => setTimeout(r, 25));
      }
    } finally {
      await client.endAsync();
    }
    expect(alarm).toMatchObject({ priority: 'water', gw: 'gw1', park: 'park1', placement: { enterprise: '电池一厂' } });
    const request = hooks.to('/insurer').find((r) => r.headers['idempotency-key'] === alarm?.id);
    expect(request).toBeDefined();
    // the same event again, as after an uplink reconnect: kept and forwarded once
    const replay = await mqtt.connectAsync(cloud.url);
    await replay.publishAsync(cloudEvent('park1', 'gw1', 'alarm'), JSON.stringify(alarm), { qos: 1 });
    await replay.endAsync();
    await new Promise((r) => setTimeout(r, 1500));
    expect(hooks.to('/insurer').filter((r) => r.headers['idempotency-key'] === alarm?.id)).toHaveLength(1);
  });
});

/** the event id ("gw:seq") a notification names */
function eventIdIn(message: string): string {
  const match = /事件 \/ Event: (\S+)/.exec(message);
  if (!match) throw new Error(`no event id in:\n${message}`);
  return match[1];
}
