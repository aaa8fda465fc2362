import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import type { DecidedEvent } from '../../gateway/wire/events.ts';
import { cloudEvent } from '../../protocol/topics.ts';
import { type RunningMosquitto, startMosquitto } from '../../simulator/live/mosquitto.ts';
import { alarmEvent } from './support/events.ts';
import { NodeRedProcess } from './support/node-red.ts';
import { WebhookServer } from './support/webhook-server.ts';

/**
 * flows/cloud-ingest.json as two Node-RED runtimes sharing one subscription
 * ($share/pw-ingest/...) on a real Mosquitto, forwarding to one HTTP endpoint. One runtime is
 * SIGKILLed mid-stream; the other carries on; the killed one is started again on its own
 * journal and session, as its supervisor would, as soon as the rest is published. What holds, and what the test checks:
 * every event reaches the endpoint at least once, every request carries the event id as its
 * Idempotency-Key, so an endpoint that drops repeated keys has each event exactly once; and
 * each node's events are in order within what one runtime forwarded (sequence), not across
 * runtimes (the broker hands consecutive messages to different members). Figures are printed,
 * who had which event taken from each runtime's journal.
 */
const FLOW = join(import.meta.dirname, '..', '..', 'flows', 'cloud-ingest.json');
// three nodes, two runtimes: a node's consecutive events go to different runtimes
const NODES = ['n1', 'n2', 'n3'];
const PER_NODE = 400;

let broker: RunningMosquitto | undefined;
let sink: WebhookServer | undefined;
const reds: NodeRedProcess[] = [];
let publisher: MqttClient | undefined;

afterAll(async () => {
  await publisher?.endAsync(true);
  for (const r of reds) await r.dispose();
  await sink?.stop();
  await broker?.dispose();
  for (const d of journals) rmSync(d, { recursive: true, force: true });
});

interface Delivery {
  key: string;
  node: string;
  seq: number;
}

const journals: string[] = [];
function journal(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pw-ingest-scaled-'));
  journals.push(dir);
  return dir;
}

function readJournal(dir: string): { ingestedAt: number; id: string }[] {
  return readdirSync(dir)
    .filter((n) => n.startsWith('events-'))
    .sort()
    .flatMap((n) => readFileSync(join(dir, n), 'utf8').split('\n'))
    .filter((l) => l !== '')
    .map((l) => {
      const line = JSON.parse(l) as { ingestedAt: number; event: DecidedEvent };
      return { ingestedAt: line.ingestedAt, id: line.event.id };
    });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(check: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

describe('cloud ingest on two Node-RED runtimes sharing one subscription', () => {
  it('forwards every event at least once with its id as Idempotency-Key when one runtime is killed', async () => {
    broker = await startMosquitto({ extraConfig: 'max_queued_messages 0' });
    const deliveries: Delivery[] = [];
    sink = new WebhookServer();
    sink.reply = (request) => {
      const event = JSON.parse(request.body) as DecidedEvent;
      deliveries.push({
        key: String(request.headers['idempotency-key']),
        node: event.node ?? '',
        seq: event.seq,
      });
      expect(request.headers['idempotency-key']).toBe(event.id);
      return { status: 202, body: '{"ok":true}' };
    };
    await sink.start();
    for (const name of ['a', 'b']) {
      const red = new NodeRedProcess({
        flowFile: FLOW,
        env: {
          PW_CLOUD_MQTT_URL: broker.url,
          PW_INGEST_CLIENT_ID: `pw-ingest-${name}`,
          PW_INGEST_TOPIC: '$share/pw-ingest/pw/v1/park/+/gw/+/event/+',
          PW_INGEST_DIR: journal(),
          PW_FORWARD_URL: `${sink.base}/insurer/events`,
          PW_FORWARD_RETRY_S: '0.2',
          PW_FORWARD_MAX_BACKOFF_S: '1',
        },
      });
      reds.push(red);
    }
    await Promise.all(reds.map((r) => r.start()));
    const [a] = reds;

    publisher = await mqtt.connectAsync(broker.url, { clientId: 'gw-standin' });
    const events: DecidedEvent[] = [];
    for (let i = 0; i < PER_NODE; i++) for (const n of NODES) events.push(alarmEvent('ent-a', n, 'smoke', 'fire'));
    const half = events.length / 2;
    const send = async (from: number, to: number) => {
      for (let i = from; i < to; i += 50)
        await Promise.all(
          events
            .slice(i, Math.min(i + 50, to))
            .map((e) => publisher?.publishAsync(cloudEvent(e.park, e.gw, e.kind), JSON.stringify(e), { qos: 1 })),
        );
    };
    await send(0, half);
    await until(() => deliveries.length >= 200, 'the first deliveries');
    await a.kill(); // mid-stream: it holds kept-but-unforwarded events and in-flight messages
    const atKill = new Set(deliveries.map((d) => d.key));
    const killedAt = Date.now();
    await send(half, events.length);
    await a.start();
    const all = events.map((e) => e.id);
    await until(() => {
      const have = new Set(deliveries.map((d) => d.key));
      return all.every((id) => have.has(id));
    }, 'every event at the endpoint');

    const keys = deliveries.map((d) => d.key);
    const unique = new Set(keys);
    expect(unique.size).toBe(events.length);
    expect([...unique].every((k) => all.includes(k))).toBe(true);
    // the endpoint that keeps the first of each key has each node's events; sorted by seq they are the published order
    for (const n of NODES) {
      const firsts = deliveries.filter((d, i) => d.node === n && keys.indexOf(d.key) === i).map((d) => d.seq);
      expect([...firsts].sort((x, y) => x - y)).toEqual(events.filter((e) => e.node === n).map((e) => e.seq));
    }
    // who had what, from each runtime's own journal (written before an event counts as seen)
    const [journalA, journalB] = journals.map(readJournal);
    const keptByAAtKill = journalA.filter((j) => j.ingestedAt <= killedAt).map((j) => j.id);
    const unforwardedAtKill = keptByAAtKill.filter((id) => !atKill.has(id)).length;
    const queuedWhileDown = journalA.filter((j) => j.ingestedAt > killedAt).length;
    const inBoth = journalA.filter((j) => journalB.some((k) => k.id === j.id)).length;
    const inversions = NODES.reduce((sum, n) => {
      const seqs = deliveries.filter((d) => d.node === n).map((d) => d.seq);
      return sum + seqs.filter((s, i) => i > 0 && s < seqs[i - 1]).length;
    }, 0);
    console.log(
      `cloud ingest, 2 runtimes, ${events.length} events, runtime A SIGKILLed after ${atKill.size} deliveries: ` +
        `${keys.length} requests, ${keys.length - unique.size} repeated keys, ` +
        `A kept ${keptByAAtKill.length} before the kill (${unforwardedAtKill} not yet forwarded) and got ${queuedWhileDown} ` +
        `after its restart (queued in its session while down), B kept ${journalB.length}, ${inBoth} kept by both, ` +
        `${inversions} per-node arrivals out of sequence order`,
    );
  }, 180_000);
});
