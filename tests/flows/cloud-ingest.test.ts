import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DecidedEvent } from '../../gateway/wire/events.ts';
import { cloudEvent } from '../../protocol/topics.ts';
import { type RunningMosquitto, startMosquitto } from '../../simulator/live/mosquitto.ts';
import { acknowledgeEvent, alarmEvent, decided } from './support/events.ts';
import { NodeRedProcess } from './support/node-red.ts';
import { type ReceivedRequest, type Reply, WebhookServer } from './support/webhook-server.ts';

// flows/cloud-ingest.json in a real Node-RED on a real Mosquitto (shared subscription, persistent
// session), forwarding to a local HTTP server standing in for the insurer's endpoint.
const ENDPOINT = '/insurer/events';
const OK: Reply = { status: 202, body: '{"ok":true}' };

let broker: RunningMosquitto;
let insurer: WebhookServer;
let red: NodeRedProcess;
let client: MqttClient;
let journalDir: string;
/** ids the endpoint answered 2xx, in order: what the insurer has */
const delivered: string[] = [];
let answer: (request: ReceivedRequest) => Reply = () => OK;

beforeAll(async () => {
  broker = await startMosquitto();
  insurer = new WebhookServer();
  insurer.reply = (request) => {
    const reply = answer(request);
    if (reply.status >= 200 && reply.status < 300) delivered.push(String(request.headers['idempotency-key']));
    return reply;
  };
  await insurer.start();
  journalDir = mkdtempSync(join(tmpdir(), 'pw-ingest-journal-'));
  red = new NodeRedProcess({
    flowFile: join(import.meta.dirname, '..', '..', 'flows', 'cloud-ingest.json'),
    env: {
      PW_CLOUD_MQTT_URL: broker.url,
      PW_INGEST_CLIENT_ID: 'pw-ingest-test',
      PW_INGEST_TOPIC: '$share/pw-ingest/pw/v1/park/+/gw/+/event/+',
      PW_INGEST_DIR: journalDir,
      PW_FORWARD_URL: insurer.base + ENDPOINT,
      PW_FORWARD_TOKEN: 'insurer-token',
      PW_FORWARD_RETRY_S: '0.2',
      PW_FORWARD_MAX_BACKOFF_S: '1',
    },
  });
  await red.start();
  client = await mqtt.connectAsync(broker.url);
});

afterAll(async () => {
  await client?.endAsync();
  await red?.dispose();
  await insurer?.stop();
  await broker?.dispose();
  if (journalDir) rmSync(journalDir, { recursive: true, force: true });
});

function publish(event: DecidedEvent | string, kind = 'alarm'): Promise<unknown> {
  const text = typeof event === 'string' ? event : JSON.stringify(event);
  const topic = cloudEvent('park1', 'gw1', typeof event === 'string' ? kind : event.kind);
  return client.publishAsync(topic, text, { qos: 1 });
}

function journal(): { ingestedAt: number; topic: string; event: DecidedEvent }[] {
  return readdirSync(journalDir)
    .filter((n) => n.startsWith('events-'))
    .sort()
    .flatMap((n) => readFileSync(join(journalDir, n), 'utf8').split('\n'))
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(check: () => boolean, what: string, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}; delivered: ${delivered.join(', ')}\n${red.log().slice(-3000)}`);
    }
    await sleep(25);
  }
}

const count = (id: string) => delivered.filter((d) => d === id).length;

describe('cloud ingest flow', () => {
  it('keeps every event once and forwards each once, in order, with its id as idempotency key', async () => {
    const fire = alarmEvent('ent-a', 'n1', 'smoke', 'fire');
    const trouble = decided({
      kind: 'trouble',
      priority: 'trouble',
      trouble: 'battery_low',
      data: { code: 'battery_low' },
    });
    const reading = decided({ kind: 'telemetry', priority: 'telemetry', data: { v: 12, b: 10, st: 'normal' } });
    const ack = acknowledgeEvent(fire, '王工');
    await publish(fire);
    await publish(trouble);
    await publish(trouble); // an MQTT re-delivery or a gateway replay: same id
    await publish('{"truncated": ');
    await publish(JSON.stringify({ id: 'x' }));
    await publish(reading);
    await publish(fire);
    await publish(ack);
    await until(() => delivered.length >= 3, 'three deliveries');
    await sleep(1500);
    expect(delivered).toEqual([fire.id, trouble.id, ack.id]); // telemetry is kept, not forwarded
    expect(journal().map((e) => e.event.id)).toEqual([fire.id, trouble.id, reading.id, ack.id]);
    expect(journal()[0].event).toEqual(fire);

    const first = insurer.to(ENDPOINT)[0];
    expect(first.method).toBe('POST');
    expect(first.headers['idempotency-key']).toBe(fire.id);
    expect(first.headers.authorization).toBe('Bearer insurer-token');
    expect(JSON.parse(first.body)).toEqual(fire);
    expect(red.log()).toContain('invalid event ignored');
    expect(red.log()).toContain('not JSON');
  });

  it('retries while the endpoint fails, holds back later events, and sets aside what it refuses', async () => {
    const failures = new Map<string, number>();
    const water = alarmEvent('ent-b', 'n2', 'leak', 'water');
    const later = decided({ kind: 'trouble', priority: 'trouble', trouble: 'tamper', data: { code: 'tamper' } });
    const refused = decided({
      kind: 'note',
      priority: 'info',
      data: { by: 'ops', note: '误报：焊接烟雾 / welding fumes' },
    });
    const after = decided({ kind: 'trouble_clear', priority: 'trouble', trouble: 'tamper', data: { code: 'tamper' } });
    answer = (request) => {
      const id = String(request.headers['idempotency-key']);
      if (id === refused.id) return { status: 422, body: '{"error":"unknown kind"}' };
      const failed = failures.get(id) ?? 0;
      if (id === water.id && failed < 2) {
        failures.set(id, failed + 1);
        return { status: 503, body: 'maintenance' };
      }
      return OK;
    };
    const before = insurer.to(ENDPOINT).length;
    await publish(water);
    await publish(later);
    await publish(refused);
    await publish(after);
    await until(() => delivered.includes(after.id), 'the event after the refused one');
    await sleep(800);
    const tries = insurer
      .to(ENDPOINT)
      .slice(before)
      .map((r) => r.headers['idempotency-key']);
    expect(tries).toEqual([water.id, water.id, water.id, later.id, refused.id, after.id]);
    expect(count(water.id)).toBe(1);
    expect(delivered.slice(-3)).toEqual([water.id, later.id, after.id]);
    const rejected = readFileSync(join(journalDir, 'rejected.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(rejected).toHaveLength(1);
    expect(rejected[0]).toMatchObject({ id: refused.id, status: 422 });
    expect(red.log()).toContain('retrying in');
    answer = () => OK;
  });

  it('drops duplicates and resumes forwarding across a full redeploy', async () => {
    const before = [...delivered];
    const kept = journal().at(-1)?.event;
    expect(kept).toBeDefined();
    await red.redeploy();
    await publish(kept as DecidedEvent);
    const fresh = decided({
      kind: 'trouble',
      priority: 'trouble',
      trouble: 'sensor_open',
      data: { code: 'sensor_open' },
    });
    await publish(fresh);
    await until(() => delivered.includes(fresh.id), 'the event published after the redeploy');
    await sleep(800);
    expect(delivered).toEqual([...before, fresh.id]);
  });

  it('after a crash (SIGKILL), forwards nothing twice and still drops duplicates of what it kept', async () => {
    const beforeCrash = [...delivered];
    await red.kill();
    const whileDown = alarmEvent('ent-c', 'n3', 'smoke', 'fire');
    await publish(whileDown); // held by the broker for the persistent session
    await red.start();
    const old = journal()[0].event; // the first fire alarm, forwarded long ago
    await publish(old);
    const fresh = decided({ kind: 'trouble', priority: 'trouble', trouble: 'dirty', data: { code: 'dirty' } });
    await publish(fresh);
    await until(() => delivered.includes(fresh.id), 'the event published after the restart');
    await sleep(1000);
    expect(delivered).toEqual([...beforeCrash, whileDown.id, fresh.id]);
    const ids = journal().map((e) => e.event.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.slice(-2)).toEqual([whileDown.id, fresh.id]);
  });
});
