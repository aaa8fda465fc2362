import { performance } from 'node:perf_hooks';
import { AckWindow, DeliveryLog, percentile } from './delivery-log.ts';
import type { Rig, Sender } from './rig.ts';

/**
 * The four measurements, each on a fresh rig (so one measurement's backlog cannot leak into the
 * next). They return figures; run.ts prints them. No assertions: this is a benchmark.
 */

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** messages per second prepared ahead for the throughput run (more than any system here carries) */
const PREPARED_PER_SECOND = 60_000;

export interface ThroughputResult {
  msgPerSec: number;
  acked: number;
  delivered: number;
}

/** Saturating QoS 1 publishers for `seconds`; rate = acked messages delivered / (start -> last receipt). */
export async function throughput(
  rig: Rig,
  o: { senders: number; seconds: number; window: number },
): Promise<ThroughputResult> {
  const log = new DeliveryLog();
  const tap = await rig.tap(log.onKey);
  const senders = await rig.senders(o.senders, 'tp');
  for (const s of senders) s.prepare?.(Math.ceil((o.seconds * PREPARED_PER_SECOND) / o.senders));
  const windows = senders.map(() => new AckWindow(o.window));
  const start = performance.now();
  const stopAt = start + o.seconds * 1000;
  await Promise.all(
    senders.map(async (s, i) => {
      const w = windows[i];
      while (performance.now() < stopAt) {
        await w.admit();
        const sent = s.send('background');
        w.track(sent.key, sent.acked);
      }
      await w.drained();
    }),
  );
  const acked = windows.flatMap((w) => w.acked);
  const delivered = await log.waitFor(acked, 10_000, 120_000);
  await closeAll(senders);
  await tap.close();
  const elapsed = (log.lastReceiptAt - start) / 1000;
  return { msgPerSec: delivered / elapsed, acked: acked.length, delivered };
}

export interface LatencyResult {
  samples: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** alarms that had not arrived 15 s after the run (counted as infinitely late in the percentiles) */
  late: number;
  backgroundOffered: number;
  backgroundDeliveredPerSec: number;
}

/**
 * Alarm latency under background load: `backgroundRate` msg/s spread over `senders` publishers,
 * plus one alarm sender publishing every `alarmEveryMs`. Latency = the alarm's publish call ->
 * its receipt by the cloud subscriber (same process, same clock).
 */
export async function alarmLatency(
  rig: Rig,
  o: { senders: number; backgroundRate: number; alarmEveryMs: number; seconds: number },
): Promise<LatencyResult> {
  const log = new DeliveryLog();
  const tap = await rig.tap(log.onKey);
  const background = await rig.senders(o.senders, 'bg');
  const [alarmSender] = await rig.senders(1, 'alarm');
  for (const s of background) s.prepare?.(Math.ceil((o.seconds * o.backgroundRate) / o.senders) + 100);
  const alarmSentAt = new Map<string, number>();
  const backgroundKeys: string[] = [];
  const swallow = () => undefined;
  const start = performance.now();
  const stopAt = start + o.seconds * 1000;
  let nextAlarm = start + o.alarmEveryMs;
  let sent = 0;
  for (let now = start; now < stopAt; now = performance.now()) {
    const due = Math.floor(((now - start) * o.backgroundRate) / 1000);
    for (; sent < due; sent++) {
      const m = background[sent % background.length].send('background');
      m.acked.catch(swallow);
      backgroundKeys.push(m.key);
    }
    if (now >= nextAlarm) {
      const t = performance.now();
      const m = alarmSender.send('alarm');
      m.acked.catch(swallow);
      alarmSentAt.set(m.key, t);
      nextAlarm += o.alarmEveryMs;
    }
    await sleep(1);
  }
  const bgInWindow = log.countOf(backgroundKeys);
  const alarmKeys = [...alarmSentAt.keys()];
  await log.waitFor(alarmKeys, 15_000, 15_000);
  const latencies: number[] = [];
  let late = 0;
  for (const [key, t] of alarmSentAt) {
    const r = log.receivedAt(key);
    if (r === undefined) late++;
    else latencies.push(r - t);
  }
  latencies.sort((a, b) => a - b);
  for (let i = 0; i < late; i++) latencies.push(Number.POSITIVE_INFINITY);
  await closeAll([...background, alarmSender]);
  await tap.close();
  return {
    samples: alarmKeys.length,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    maxMs: latencies[latencies.length - 1] ?? Number.NaN,
    late,
    backgroundOffered: sent,
    backgroundDeliveredPerSec: bgInWindow / o.seconds,
  };
}

export interface DrainResult {
  queued: number;
  /** edge RSS with everything queued, bytes */
  rssQueued: number;
  /** highest edge RSS seen while draining, bytes (sampled every 200 ms) */
  rssDrainPeak: number;
  /** publishing the backlog into the edge during the outage, msg/s */
  ingestPerSec: number;
  /** cloud back up -> last message received, s */
  drainSeconds: number;
  /** first -> last receipt, msg/s */
  drainPerSec: number;
  delivered: number;
  duplicates: number;
}

/**
 * Cloud down, `count` alarms queued at the edge (all acknowledged), cloud back up, time the drain.
 * Alarms, because they are what must never be lost (telemetry may expire by design).
 */
export async function drain(rig: Rig, o: { senders: number; count: number; window: number }): Promise<DrainResult> {
  const log = new DeliveryLog();
  const tap = await rig.tap(log.onKey);
  await rig.cloudDown();
  const senders = await rig.senders(o.senders, 'dr');
  const acked = await publishAcked(senders, o.count, o.window);
  const ingestSeconds = acked.seconds;
  await sleep(500);
  const rssQueued = rig.edgeRss();
  let rssDrainPeak = rssQueued;
  const sampler = setInterval(() => {
    rssDrainPeak = Math.max(rssDrainPeak, rig.edgeRss());
  }, 200);
  const upAt = performance.now();
  await rig.cloudUp();
  // The edge may wait out its reconnect back-off (the gateway's grows to 30 s over a long
  // outage) before the first message moves; only then does silence mean "done".
  for (const deadline = performance.now() + 120_000; log.distinct === 0 && performance.now() < deadline; )
    await sleep(50);
  const delivered = await log.waitFor(acked.keys, 15_000, 600_000);
  clearInterval(sampler);
  await closeAll(senders);
  await tap.close();
  return {
    queued: acked.keys.length,
    rssQueued,
    rssDrainPeak,
    ingestPerSec: acked.keys.length / ingestSeconds,
    drainSeconds: (log.lastReceiptAt - upAt) / 1000,
    drainPerSec: delivered / ((log.lastReceiptAt - log.firstReceiptAt) / 1000),
    delivered,
    duplicates: log.duplicates,
  };
}

export interface KillResult {
  acked: number;
  delivered: number;
  lost: number;
  duplicates: number;
}

/**
 * Cloud down, `count` messages acknowledged by the edge, the edge SIGKILLed right after the last
 * acknowledgement, edge and cloud restarted: how many acknowledged messages never arrive.
 */
export async function killLoss(rig: Rig, o: { senders: number; count: number; window: number }): Promise<KillResult> {
  const log = new DeliveryLog();
  const tap = await rig.tap(log.onKey);
  await rig.cloudDown();
  const senders = await rig.senders(o.senders, 'kill');
  const acked = await publishAcked(senders, o.count, o.window);
  await rig.crashEdge();
  await closeAll(senders);
  await rig.restartEdge();
  await rig.cloudUp();
  const delivered = await log.waitFor(acked.keys, 8_000, 300_000);
  await tap.close();
  return { acked: acked.keys.length, delivered, lost: acked.keys.length - delivered, duplicates: log.duplicates };
}

async function publishAcked(
  senders: Sender[],
  count: number,
  window: number,
): Promise<{ keys: string[]; seconds: number }> {
  const windows = senders.map(() => new AckWindow(window));
  const start = performance.now();
  let issued = 0;
  await Promise.all(
    senders.map(async (s, i) => {
      const w = windows[i];
      while (issued < count) {
        issued++;
        await w.admit();
        const sent = s.send('alarm');
        w.track(sent.key, sent.acked);
      }
      await w.drained();
    }),
  );
  const keys = windows.flatMap((w) => w.acked);
  return { keys, seconds: (performance.now() - start) / 1000 };
}

async function closeAll(senders: Sender[]): Promise<void> {
  await Promise.all(senders.map((s) => s.close()));
}
