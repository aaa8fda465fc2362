import { createHmac } from 'node:crypto';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DecidedEvent } from '../../gateway/wire/events.ts';
import { cloudEvent, gatewayEvent } from '../../protocol/topics.ts';
import { type RunningMosquitto, startMosquitto } from '../../simulator/live/mosquitto.ts';
import { acknowledgeEvent, alarmEvent, clearEvent, decided } from './support/events.ts';
import { NodeRedProcess } from './support/node-red.ts';
import { type ReceivedRequest, WebhookServer } from './support/webhook-server.ts';

// flows/escalation.json in a real Node-RED, fed through a real Mosquitto, calling a local HTTP
// server as the WeCom / DingTalk robots and the SMS gateway. Timers shortened by environment.
const SECURITY_AFTER_S = 2;
const DUTY_AFTER_S = 4;
const SECURITY_SECRET = 'SEC-security-robot';

let broker: RunningMosquitto;
let hooks: WebhookServer;
let red: NodeRedProcess;
let client: MqttClient;

beforeAll(async () => {
  broker = await startMosquitto();
  hooks = new WebhookServer();
  await hooks.start();
  const contacts = {
    enterprises: {
      'ent-a': [{ type: 'wecom', url: `${hooks.base}/wecom/ent-a?key=a`, to: ['13800000001'] }],
      'ent-b': [{ type: 'dingtalk', url: `${hooks.base}/dingtalk/ent-b?access_token=b` }],
      'ent-c': [{ type: 'wecom', url: `${hooks.base}/wecom/ent-c?key=c` }],
    },
    fallback: [{ type: 'wecom', url: `${hooks.base}/wecom/fallback?key=f` }],
    security: [{ type: 'dingtalk', url: `${hooks.base}/dingtalk/security?access_token=s`, secret: SECURITY_SECRET }],
    duty: [{ type: 'sms', to: ['+8610012345678'] }],
  };
  red = new NodeRedProcess({
    flowFile: join(import.meta.dirname, '..', '..', 'flows', 'escalation.json'),
    env: {
      PW_MQTT_URL: broker.url,
      PW_ESC_CLIENT_ID: 'pw-esc-test',
      PW_ESC_TOPIC: 'pw/v1/gw/+/event/+',
      PW_ESC_CONTACTS: JSON.stringify(contacts),
      PW_ESC_SECURITY_AFTER_S: String(SECURITY_AFTER_S),
      PW_ESC_DUTY_AFTER_S: String(DUTY_AFTER_S),
      PW_ESC_RETRY_DELAY_S: '0.2',
      PW_ESC_RETRIES: '3',
      PW_SMS_URL: `${hooks.base}/sms`,
      PW_SMS_TOKEN: 'sms-token',
      PW_PANEL_URL: 'http://panel.park.local/',
    },
    fileContext: true,
  });
  await red.start();
  client = await mqtt.connectAsync(broker.url);
});

afterAll(async () => {
  await client?.endAsync();
  await red?.dispose();
  await hooks?.stop();
  await broker?.dispose();
});

function publish(event: DecidedEvent | string, kind = 'alarm'): Promise<unknown> {
  const text = typeof event === 'string' ? event : JSON.stringify(event);
  return client.publishAsync(gatewayEvent('gw1', typeof event === 'string' ? kind : event.kind), text, { qos: 1 });
}

/** robot / SMS text of a request */
function textOf(request: ReceivedRequest): string {
  const body = JSON.parse(request.body);
  return body.text?.content ?? body.text;
}

function about(path: string, event: DecidedEvent): ReceivedRequest[] {
  return hooks.to(path).filter((r) => textOf(r).includes(event.id));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(read: () => T[], count: number, timeoutMs = 8000): Promise<T[]> {
  const deadline = Date.now() + timeoutMs;
  while (read().length < count) {
    if (Date.now() > deadline) throw new Error(`expected ${count}, got ${read().length}\n${red.log().slice(-3000)}`);
    await sleep(25);
  }
  return read();
}

describe('escalation flow', () => {
  it('tells the enterprise at once, then security, then the duty line while nobody acknowledges', async () => {
    const alarm = alarmEvent('ent-a', 'n-a1', 'smoke', 'fire');
    const t0 = Date.now();
    await publish(alarm);

    const [first] = await until(() => about('/wecom/ent-a', alarm), 1);
    expect(first.at - t0).toBeLessThan(1500);
    const body = JSON.parse(first.body);
    expect(body.msgtype).toBe('text');
    expect(body.text.mentioned_mobile_list).toEqual(['13800000001']);
    const text = body.text.content as string;
    expect(text.indexOf('火警')).toBeGreaterThanOrEqual(0);
    expect(text.indexOf('火警')).toBeLessThan(text.indexOf('FIRE'));
    expect(text).toContain('ent-a');
    expect(text).toContain('总装车间');
    expect(text).toContain('http://panel.park.local/');
    expect(first.query.get('key')).toBe('a');
    // an operator acknowledging a trouble on the same channel does not stop the alarm's escalation
    const dirty = decided({
      kind: 'trouble',
      priority: 'trouble',
      node: 'n-a1',
      ch: 'smoke',
      trouble: 'dirty',
      data: { code: 'dirty' },
    });
    await publish({ ...acknowledgeEvent(dirty, '维修 / maintenance'), priority: 'trouble' });

    const [second] = await until(() => about('/dingtalk/security', alarm), 1);
    expect(second.at - t0).toBeGreaterThanOrEqual(SECURITY_AFTER_S * 1000 - 100);
    expect(second.at - t0).toBeLessThan(SECURITY_AFTER_S * 1000 + 1600);
    expect(textOf(second)).toContain('升级');
    // DingTalk "加签": sign = base64(HMAC-SHA256(secret, timestamp + "\n" + secret))
    const timestamp = second.query.get('timestamp') ?? '';
    const expected = createHmac('sha256', SECURITY_SECRET).update(`${timestamp}\n${SECURITY_SECRET}`).digest('base64');
    expect(second.query.get('sign')).toBe(expected);
    expect(second.query.get('access_token')).toBe('s');

    const [third] = await until(() => about('/sms', alarm), 1);
    expect(third.at - t0).toBeGreaterThanOrEqual(DUTY_AFTER_S * 1000 - 100);
    expect(third.at - t0).toBeLessThan(DUTY_AFTER_S * 1000 + 1600);
    expect(third.headers.authorization).toBe('Bearer sms-token');
    expect(JSON.parse(third.body).to).toEqual(['+8610012345678']);

    // everyone told exactly once; then an acknowledge tells all three that it is in hand
    expect(about('/wecom/ent-a', alarm)).toHaveLength(1);
    expect(about('/dingtalk/security', alarm)).toHaveLength(1);
    await publish(acknowledgeEvent(alarm, '王工'));
    for (const path of ['/wecom/ent-a', '/dingtalk/security', '/sms']) {
      const [, ack] = await until(() => about(path, alarm), 2);
      expect(textOf(ack)).toContain('已确认');
      expect(textOf(ack)).toContain('王工');
    }
  });

  it('says 演练 / DRILL first in every notice about a drill alarm, through escalation and acknowledgement', async () => {
    const alarm = { ...alarmEvent('ent-c', 'n-c9', 'smoke', 'fire'), drill: { id: 7, scenario: 'fire' as const } };
    await publish(alarm);
    const [first] = await until(() => about('/wecom/ent-c', alarm), 1);
    const text = textOf(first);
    expect(text.startsWith('【演练 / DRILL】')).toBe(true);
    expect(text).toContain('drill #7, not a real alarm');
    const [escalated] = await until(() => about('/dingtalk/security', alarm), 1);
    expect(textOf(escalated)).toMatch(/^【演练 \/ DRILL】[\s\S]*演练 \/ DRILL 【火警/);
    await publish(acknowledgeEvent(alarm, '演练员'));
    const [, ack] = await until(() => about('/wecom/ent-c', alarm), 2);
    expect(textOf(ack).startsWith('【演练 / DRILL】')).toBe(true);
    expect(textOf(ack)).toContain('演练员');
    // a real alarm's notice never says drill
    const real = alarmEvent('ent-c', 'n-c8', 'smoke', 'fire');
    await publish(real);
    const [told] = await until(() => about('/wecom/ent-c', real), 1);
    expect(textOf(told)).not.toContain('DRILL');
    await publish(acknowledgeEvent(real, '王工'));
  });

  it('tells the owner and park security once when a hazard is overdue, and the duty line too when it is high', async () => {
    const hazard = (severity: string, overdue: boolean) =>
      decided({
        kind: 'hazard',
        priority: 'trouble',
        node: 'n-a7',
        ch: '',
        placement: alarmEvent('ent-a', 'n-a7', 'smoke', 'fire').placement,
        data: { hazard: 4, cause: 'tamper', severity, state: 'open', deadline: Date.now(), overdue },
      });
    const medium = hazard('medium', true);
    await publish(medium);
    const [owner] = await until(() => about('/wecom/ent-a', medium), 1);
    expect(textOf(owner)).toMatch(/^【隐患逾期 \/ HAZARD OVERDUE】隐患 #4 \(tamper, medium\)/);
    await until(() => about('/dingtalk/security', medium), 1);
    const high = hazard('high', true);
    await publish(high);
    await until(() => about('/sms', high), 1);
    // a hazard not overdue, or a repeat of the same event, tells nobody
    const fresh = hazard('high', false);
    await publish(fresh);
    await publish(medium);
    await sleep(1500);
    expect(about('/wecom/ent-a', fresh)).toHaveLength(0);
    expect(about('/wecom/ent-a', medium)).toHaveLength(1);
    expect(about('/sms', medium)).toHaveLength(0);
  });

  it('stops escalating when the alarm is acknowledged or clears', async () => {
    const acked = alarmEvent('ent-b', 'n-b1', 'leak', 'water');
    const cleared = alarmEvent('ent-b', 'n-b2', 'leak', 'water');
    await publish(acked);
    await publish(cleared);
    const [tellAcked] = await until(() => about('/dingtalk/ent-b', acked), 1);
    expect(textOf(tellAcked)).toContain('漏水');
    await until(() => about('/dingtalk/ent-b', cleared), 1);

    await publish(acknowledgeEvent(acked, '李四'));
    await publish(clearEvent(cleared));
    const [, ack] = await until(() => about('/dingtalk/ent-b', acked), 2);
    expect(textOf(ack)).toContain('李四');
    const [, clear] = await until(() => about('/dingtalk/ent-b', cleared), 2);
    expect(textOf(clear)).toContain('已恢复');

    // past the security time: nobody else was told
    await sleep(SECURITY_AFTER_S * 1000 + 1500);
    expect(about('/dingtalk/security', acked)).toHaveLength(0);
    expect(about('/dingtalk/security', cleared)).toHaveLength(0);
    expect(about('/dingtalk/ent-b', acked)).toHaveLength(2);
  });

  it('tells an unlisted enterprise through the fallback once, ignoring duplicates, troubles and bad input', async () => {
    await publish('not json at all {');
    await publish(JSON.stringify({ kind: 'alarm', priority: 'fire' }));
    await publish(
      decided({ kind: 'trouble', priority: 'trouble', trouble: 'dirty', placement: null, data: { code: 'dirty' } }),
    );
    const alarm = alarmEvent('ent-unlisted', 'n-z1', 'smoke', 'fire');
    await publish(alarm);
    await publish(alarm); // a re-delivery: same id
    await publish({ ...alarmEvent('ent-unlisted', 'n-z1', 'smoke', 'fire') }); // the node repeating its alarm
    await until(() => about('/wecom/fallback', alarm), 1);
    await sleep(1200);
    expect(about('/wecom/fallback', alarm)).toHaveLength(1);
    expect(hooks.to('/wecom/fallback')).toHaveLength(1);
    expect(red.log()).toContain('invalid event ignored');
    expect(red.log()).toContain('not JSON');
    expect(red.log()).toContain('field "id" must be a non-empty string');
    await publish(acknowledgeEvent(alarm, 'ops'));
    await until(() => about('/wecom/fallback', alarm), 2);
  });

  it('retries a webhook that fails, including a robot error inside HTTP 200', async () => {
    let calls = 0;
    hooks.reply = (request) => {
      if (request.path !== '/wecom/ent-c') return { status: 200, body: '{"errcode":0,"errmsg":"ok"}' };
      calls++;
      if (calls === 1) return { status: 503, body: 'busy' };
      if (calls === 2) return { status: 200, body: '{"errcode":45009,"errmsg":"api freq out of limit"}' };
      return { status: 200, body: '{"errcode":0,"errmsg":"ok"}' };
    };
    const alarm = alarmEvent('ent-c', 'n-c1', 'smoke', 'fire');
    await publish(alarm);
    const tries = await until(() => about('/wecom/ent-c', alarm), 3);
    expect(new Set(tries.map((t) => t.body)).size).toBe(1);
    await sleep(800);
    expect(about('/wecom/ent-c', alarm)).toHaveLength(3);
    expect(red.log()).toContain('errcode 45009');
    expect(red.log()).toContain('notification delivered');
    hooks.reply = () => ({ status: 200, body: '{"errcode":0,"errmsg":"ok"}' });
    await publish(acknowledgeEvent(alarm, 'ops'));
  });

  it('carries on after Node-RED is killed: the escalation resumes and alarms sent meanwhile arrive', async () => {
    const before = alarmEvent('ent-a', 'n-r1', 'smoke', 'fire');
    const t0 = Date.now();
    await publish(before);
    await until(() => about('/wecom/ent-a', before), 1);
    await sleep(1800); // the file context store writes every second here
    await red.kill();
    const during = alarmEvent('ent-c', 'n-r2', 'smoke', 'fire');
    await publish(during); // held by the broker for the persistent session
    await red.start();
    const [security] = await until(() => about('/dingtalk/security', before), 1);
    expect(security.at - t0).toBeGreaterThanOrEqual(SECURITY_AFTER_S * 1000 - 100);
    await until(() => about('/wecom/ent-c', during), 1);
    await publish(before); // a re-delivery after the restart is still known
    await sleep(1200);
    expect(about('/wecom/ent-a', before)).toHaveLength(1);
    await publish(acknowledgeEvent(before, 'ops'));
    await publish(acknowledgeEvent(during, 'ops'));
    await until(() => about('/wecom/ent-c', during), 2);
  });
});

describe('escalation flow with a broken contact routing', () => {
  it('reports which entry is wrong, in Chinese and English, and keeps Node-RED running', async () => {
    const broken = new NodeRedProcess({
      flowFile: join(import.meta.dirname, '..', '..', 'flows', 'escalation.json'),
      env: {
        PW_MQTT_URL: broker.url,
        PW_ESC_CLIENT_ID: 'pw-esc-broken',
        // the cloud topics, which the other runtime does not read
        PW_ESC_TOPIC: 'pw/v1/park/+/gw/+/event/+',
        PW_ESC_CONTACTS: JSON.stringify({
          enterprises: { 'ent-a': [{ type: 'fax', url: 'x' }] },
          security: [],
          duty: [],
        }),
      },
    });
    try {
      await broken.start();
      await broken.waitForLog(
        /升级通知配置错误 \/ escalation config error: PW_ESC_CONTACTS.enterprises.ent-a\[0\].type/,
      );
      const alarm = alarmEvent('ent-a', 'n-x1', 'smoke', 'fire');
      await client.publishAsync(cloudEvent('park1', 'gw1', 'alarm'), JSON.stringify(alarm), { qos: 1 });
      await sleep(1200);
      expect(hooks.requests.filter((r) => r.body.includes(alarm.id))).toHaveLength(0);
      expect(broken.log()).toContain('escalation book');
      expect(broken.log()).not.toMatch(/TypeError|uncaught/i);
    } finally {
      await broken.dispose();
    }
  });
});
