import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GENESIS, link, sha256Hex, withChain } from '../../gateway/store/chain.ts';
import type { DecidedEvent } from '../../gateway/wire/events.ts';
import { cloudEvent } from '../../protocol/topics.ts';
import { type RunningMosquitto, startMosquitto } from '../../simulator/live/mosquitto.ts';
import { decided } from './support/events.ts';
import { NodeRedProcess } from './support/node-red.ts';

// flows/cloud-ingest.json's chain check in a real Node-RED on a real Mosquitto: events linked as
// the gateway links them (gateway/store/chain.ts), published out of order with a gap, then an
// altered one and a forged one. Only the last two are flagged.
let broker: RunningMosquitto;
let red: NodeRedProcess;
let client: MqttClient;
let dir: string;

beforeAll(async () => {
  broker = await startMosquitto();
  dir = mkdtempSync(join(tmpdir(), 'pw-ingest-chain-'));
  red = new NodeRedProcess({
    flowFile: join(import.meta.dirname, '..', '..', 'flows', 'cloud-ingest.json'),
    env: {
      PW_CLOUD_MQTT_URL: broker.url,
      PW_INGEST_CLIENT_ID: 'pw-ingest-chain-test',
      PW_INGEST_TOPIC: 'pw/v1/park/+/gw/+/event/+',
      PW_INGEST_DIR: dir,
    },
  });
  await red.start();
  client = await mqtt.connectAsync(broker.url);
});

afterAll(async () => {
  await client?.endAsync();
  await red?.dispose();
  await broker?.dispose();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A gateway's events seq 1..n, each linked to the one before as the store thread links them. */
function chained(n: number): { event: DecidedEvent; wire: string }[] {
  let prev = GENESIS;
  return Array.from({ length: n }, (_, i) => {
    const seq = i + 1;
    const event = decided({ kind: i % 2 ? 'clear' : 'alarm', priority: 'fire', gw: 'gw9', data: { v: 100 * seq } });
    const body = JSON.stringify({ ...event, id: `gw9:${seq}`, seq });
    const l = link(prev, { seq, at: event.at, node: event.node, kind: event.kind, bodyHash: sha256Hex(body) });
    prev = l.hash;
    return { event: JSON.parse(body), wire: withChain(body, l.prevHash, l.hash) };
  });
}

const breaks = () =>
  existsSync(join(dir, 'chain-breaks.jsonl'))
    ? readFileSync(join(dir, 'chain-breaks.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { seq: number; reasons: string[] })
    : [];

async function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${red.log().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('cloud ingest: chain continuity', () => {
  it('accepts gaps and late arrivals, flags an altered event and a forged link', async () => {
    const events = chained(7);
    const publish = (wire: string, kind = 'alarm') =>
      client.publishAsync(cloudEvent('park1', 'gw9', kind), wire, { qos: 1 });
    // in order but with a gap, the missing one late, and a duplicate: no break
    for (const i of [0, 1, 3, 2, 1]) await publish(events[i].wire);
    // seq 5 with its body changed after the gateway linked it
    await publish(events[4].wire.replace('"v":500', '"v":5'));
    // seq 7 whose own hash is right but whose prev is not seq 6's hash
    const seven = events[6].event;
    const body = JSON.stringify(seven);
    const forged = link('ab'.repeat(32), { ...seven, bodyHash: sha256Hex(body) });
    await publish(events[5].wire);
    await publish(withChain(body, forged.prevHash, forged.hash));
    await until(() => breaks().length >= 2, 'two chain breaks');
    await new Promise((r) => setTimeout(r, 800));
    expect(breaks().map((b) => [b.seq, b.reasons])).toEqual([
      [5, ['altered']],
      [7, ['unlinked_before']],
    ]);
    expect(red.log()).toContain('chain break at gw9:5');
  });
});
