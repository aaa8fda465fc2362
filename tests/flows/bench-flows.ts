/**
 * Figures for the Node-RED flows, printed, never asserted: run `npx tsx tests/flows/bench-flows.ts`.
 * - escalation: time from an alarm published on the broker to the enterprise's webhook call
 * - cloud ingest: events/s kept in the journal and forwarded, for a burst published at once
 * Real Mosquitto, real Node-RED 4 child processes, a local HTTP server answering at once.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { cloudEvent, gatewayEvent } from '../../protocol/topics.ts';
import { startMosquitto } from '../../simulator/live/mosquitto.ts';
import { acknowledgeEvent, alarmEvent, decided } from './support/events.ts';
import { NodeRedProcess } from './support/node-red.ts';
import { WebhookServer } from './support/webhook-server.ts';

const FLOWS = join(import.meta.dirname, '..', '..', 'flows');
const ALARMS = 30;
const BURST = Number(process.argv[2] ?? 2000);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];

// Mosquitto's default queue of 1000 messages per client would drop part of a bigger burst.
const broker = await startMosquitto({ extraConfig: 'max_queued_messages 100000' });
const hooks = new WebhookServer();
await hooks.start();
const client = await mqtt.connectAsync(broker.url);
const journalDir = mkdtempSync(join(tmpdir(), 'pw-bench-journal-'));
const escalation = new NodeRedProcess({
  flowFile: join(FLOWS, 'escalation.json'),
  env: {
    PW_MQTT_URL: broker.url,
    PW_ESC_CLIENT_ID: 'pw-bench-esc',
    PW_ESC_TOPIC: 'pw/v1/gw/+/event/+',
    PW_ESC_CONTACTS: JSON.stringify({
      enterprises: { 'ent-a': [{ type: 'wecom', url: `${hooks.base}/wecom` }] },
      security: [],
      duty: [],
    }),
  },
});
const ingest = new NodeRedProcess({
  flowFile: join(FLOWS, 'cloud-ingest.json'),
  env: {
    PW_CLOUD_MQTT_URL: broker.url,
    PW_INGEST_CLIENT_ID: 'pw-bench-ingest',
    PW_INGEST_TOPIC: '$share/pw-bench/pw/v1/park/+/gw/+/event/+',
    PW_INGEST_DIR: journalDir,
    PW_FORWARD_URL: `${hooks.base}/insurer`,
  },
});
try {
  let started = Date.now();
  await escalation.start();
  process.stdout.write(`Node-RED start-up to "connected" (escalation flow): ${Date.now() - started} ms\n`);
  started = Date.now();
  await ingest.start();
  process.stdout.write(`Node-RED start-up to "connected" (cloud-ingest flow): ${Date.now() - started} ms\n`);

  const latencies: number[] = [];
  for (let i = 0; i < ALARMS; i++) {
    const alarm = alarmEvent('ent-a', `n${i}`, 'smoke', 'fire');
    const sent = Date.now();
    await client.publishAsync(gatewayEvent('gw1', 'alarm'), JSON.stringify(alarm), { qos: 1 });
    while (!hooks.to('/wecom').some((r) => r.body.includes(alarm.id))) await sleep(2);
    latencies.push((hooks.to('/wecom').find((r) => r.body.includes(alarm.id))?.at ?? 0) - sent);
    await client.publishAsync(gatewayEvent('gw1', 'acknowledge'), JSON.stringify(acknowledgeEvent(alarm, 'bench')), {
      qos: 1,
    });
  }
  latencies.sort((a, b) => a - b);
  process.stdout.write(
    `escalation, alarm published -> enterprise webhook called (${ALARMS} alarms): ` +
      `median ${percentile(latencies, 0.5)} ms, p90 ${percentile(latencies, 0.9)} ms, max ${latencies[latencies.length - 1]} ms\n`,
  );

  const events = Array.from({ length: BURST }, (_, i) =>
    i % 10 === 0
      ? alarmEvent('ent-a', `n${i}`, 'smoke', 'fire')
      : decided({ kind: 'trouble', priority: 'trouble', trouble: 'dirty', data: { code: 'dirty' } }),
  );
  const t0 = Date.now();
  await Promise.all(
    events.map((e) => client.publishAsync(cloudEvent('park1', 'gw1', e.kind), JSON.stringify(e), { qos: 1 })),
  );
  const published = Date.now();
  const journaled = () =>
    readdirSync(journalDir)
      .filter((n) => n.startsWith('events-'))
      .reduce((sum, n) => sum + readFileSync(join(journalDir, n), 'utf8').split('\n').length - 1, 0);
  let keptAt = 0;
  while (hooks.to('/insurer').length < BURST) {
    if (!keptAt && journaled() >= BURST) keptAt = Date.now();
    await sleep(20);
  }
  const forwardedAt = Date.now();
  keptAt ||= forwardedAt;
  process.stdout.write(
    `cloud ingest, ${BURST} events (10% alarms, fsync each alarm and trouble): published in ${published - t0} ms; ` +
      `all kept after ${keptAt - t0} ms (${Math.round((BURST * 1000) / (keptAt - t0))}/s); ` +
      `all forwarded one at a time after ${forwardedAt - t0} ms (${Math.round((BURST * 1000) / (forwardedAt - t0))}/s)\n`,
  );
} finally {
  await client.endAsync();
  await escalation.dispose();
  await ingest.dispose();
  await hooks.stop();
  await broker.dispose();
  rmSync(journalDir, { recursive: true, force: true });
}
