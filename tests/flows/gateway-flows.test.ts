import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateConfig } from '../../gateway/config/load.ts';
import { type RunningGateway, runGateway } from '../../gateway/run.ts';
import { SimNode } from '../../simulator/node-client.ts';
import { freePort } from '../support/mosquitto.ts';
import { NodeRedProcess } from './support/node-red.ts';
import { type ReceivedRequest, WebhookServer } from './support/webhook-server.ts';

/**
 * The contract end to end: a real gateway (embedded broker, node registry, alarm book) decides a
 * signed alarm from a simulated node; flows/escalation.json in a real Node-RED, logged in to the
 * gateway's broker as a read-only consumer, escalates it; the operator's acknowledge through the
 * gateway's desk stops it. This is what breaks if the DecidedEvent the gateway publishes and
 * the one the flow reads drift apart.
 */
const dir = mkdtempSync(join(tmpdir(), 'pw-flows-gw-'));
let running: RunningGateway;
let hooks: WebhookServer;
let red: NodeRedProcess;
let brokerUrl: string;

beforeAll(async () => {
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
  await red.start();
});

afterAll(async () => {
  await red?.dispose();
  await hooks?.stop();
  await running?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const text = (r: ReceivedRequest) => JSON.parse(r.body).text.content as string;

describe('escalation flow on a real gateway', () => {
  it('escalates a node alarm the gateway decided and stops on the operator acknowledge', async () => {
    const gw = running.gateway;
    const [stored] = gw.registry.upsert(
      [{ id: 's1', channels: ['smoke'], enterprise: '电池一厂', site: '一号厂区', zone: 'A3', location: '化成车间' }],
      Date.now(),
    );
    const node = new SimNode('s1', stored.keyHex);
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
});

/** the event id ("gw:seq") a notification names */
function eventIdIn(message: string): string {
  const match = /事件 \/ Event: (\S+)/.exec(message);
  if (!match) throw new Error(`no event id in:\n${message}`);
  return match[1];
}
