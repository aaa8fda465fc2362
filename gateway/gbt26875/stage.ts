import type { Logger } from 'pino';
import type { Bus } from '../bus.ts';
import type { Stage } from '../controller.ts';
import type { Condition } from '../decide/conditions.ts';
import type { Metrics } from '../metrics.ts';
import type { Db } from '../store/database.ts';
import type { DecidedEvent } from '../wire/events.ts';
import { GbtAddressBook } from './addresses.ts';
import type { Gbt26875Config } from './config.ts';
import { GbtLink } from './link.ts';
import { type CentreLinkStatus, CentreLinkWatch } from './link-watch.ts';
import { EventMapper } from './mapping.ts';
import { FIRE_LANE, OTHER_LANE, openGbtDatabase, SqliteGbtQueue } from './queue.ts';

/**
 * The GB/T 26875 uplink as a gateway stage. It meets the rest of the gateway only through
 * the bus ('committed'), a read of the event log after a seq, the open conditions at start
 * and the registry's channel lists. On a fresh queue it starts at the newest event (history
 * is not sent to a centre that was just connected); after a crash it re-reads the log from
 * its cursor, so nothing committed is skipped.
 */
export interface GbtStageDeps {
  config: Gbt26875Config;
  dataDir: string;
  bus: Bus;
  eventsAfter: (seq: number, limit: number) => DecidedEvent[];
  lastSeq: () => number;
  openConditions: () => Condition[];
  channelsOf: (node: string) => readonly string[];
  /** raises or clears the gateway trouble `centre_link` */
  trouble: (raised: boolean, data: Record<string, unknown>) => void;
  metrics: Metrics;
  logger: Logger;
  now: () => number;
}

export interface GbtStage extends Stage {
  /** the link as the panel and /healthz show it */
  status(): CentreLinkStatus;
}

export function gbtStage(deps: GbtStageDeps): GbtStage {
  const m = deps.metrics;
  const counters = {
    sent: m.counter(
      'parkwatch_gbt_frames_sent_total',
      'frames sent to the fire monitoring centre by lane (first sends)',
    ),
    confirmed: m.counter('parkwatch_gbt_confirmed_total', 'frames the centre confirmed, by lane'),
    retries: m.counter('parkwatch_gbt_resends_total', 'frames resent after the confirm timeout'),
    denied: m.counter('parkwatch_gbt_denied_total', 'frames the centre denied, by lane'),
    dropped: m.counter('parkwatch_gbt_dropped_total', 'frames given up after repeated denials, by lane'),
    rejects: m.counter('parkwatch_gbt_rejects_total', 'bytes or frames from the centre refused, by reason'),
    disconnects: m.counter('parkwatch_gbt_disconnects_total', 'centre connections lost'),
    dutyChecks: m.counter('parkwatch_gbt_duty_checks_total', 'duty checks (查岗) from the centre'),
    latency: m.histogram(
      'parkwatch_gbt_confirm_seconds',
      'event received by the gateway to confirmed by the centre',
      [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    ),
  };
  let db: Db | undefined;
  let queue: SqliteGbtQueue | undefined;
  let link: GbtLink | undefined;
  let unsubscribe = () => {};
  const watch = new CentreLinkWatch({ config: deps.config, trouble: deps.trouble, now: deps.now });
  const status = () => watch.status(link, queue);
  m.gauge('parkwatch_gbt_connected', 'the centre link is up (1) or not (0)', () => [
    [{}, link?.state === 'connected' ? 1 : 0],
  ]);
  m.gauge('parkwatch_gbt_queue_depth', 'frames waiting for the centre, by lane', () =>
    queue
      ? [
          [{ lane: 'fire' }, queue.depth(FIRE_LANE)],
          [{ lane: 'other' }, queue.depth(OTHER_LANE)],
        ]
      : [],
  );
  m.gauge('parkwatch_gbt_down_seconds', 'how long the centre link has been down, 0 while up', () => {
    const since = watch.downSince;
    return [[{}, since === undefined ? 0 : Math.max(0, (deps.now() - since) / 1000)]];
  });
  m.gauge('parkwatch_gbt_oldest_age_seconds', 'age of the oldest event still unconfirmed by the centre', () => {
    const oldest = queue?.oldestAt();
    return [[{}, oldest === undefined ? 0 : Math.max(0, (deps.now() - oldest) / 1000)]];
  });
  m.gauge('parkwatch_gbt_last_confirm_timestamp_seconds', 'when the centre last confirmed a frame (0: never)', () => [
    [{}, (link?.lastConfirmAt ?? 0) / 1000],
  ]);
  m.gauge('parkwatch_gbt_clock_offset_seconds', 'centre clock minus ours at the last clock sync', () => [
    [{}, link?.clockOffsetS ?? 0],
  ]);

  return {
    name: 'gbt26875',
    status,
    start: () => {
      db = openGbtDatabase(deps.dataDir);
      const q = new SqliteGbtQueue(db);
      queue = q;
      const addresses = new GbtAddressBook(db, deps.config.systemAddress);
      const mapper = new EventMapper(deps.config, (node, ch) => addresses.componentOf(node, deps.channelsOf(node), ch));
      mapper.seed(deps.openConditions());
      const take = (events: readonly DecidedEvent[]) => {
        const cursor = q.cursor() ?? 0;
        const fresh = events.filter((e) => e.seq > cursor);
        if (fresh.length === 0) return;
        const frames = fresh.flatMap((e) => mapper.map(e) ?? []);
        q.enqueue(frames, fresh[fresh.length - 1].seq);
      };
      const catchUp = () => {
        for (;;) {
          const batch = deps.eventsAfter(q.cursor() ?? 0, 1000);
          if (batch.length === 0) return;
          take(batch);
        }
      };
      if (q.cursor() === undefined) q.enqueue([], deps.lastSeq());
      catchUp();
      // set when queueing a batch failed (disk full): the next batch first re-reads the log from the cursor
      let behind = false;
      const l = new GbtLink({
        config: deps.config,
        queue: q,
        logger: deps.logger,
        counters,
        deviceStatus: (at) => mapper.deviceStatusData(at),
        onConfirmed: (f) =>
          deps.logger.info(
            { eventSeq: f.eventSeq, latencyMs: deps.now() - f.receivedAt },
            '监控中心已确认 / confirmed by the fire monitoring centre',
          ),
        onUpDown: (up) => watch.onUpDown(up),
        now: deps.now,
      });
      link = l;
      unsubscribe = deps.bus.on('committed', (events) => {
        try {
          if (behind) catchUp();
          else take(events);
          behind = false;
        } catch (err) {
          behind = true;
          deps.logger.error(
            { err: (err as Error).message },
            'GB/T 26875 队列写入失败，稍后补发 / queueing for the centre failed, will catch up',
          );
        }
        l.notify();
      });
      watch.start();
      l.start();
    },
    stop: () => {
      unsubscribe();
      watch.stop();
      link?.stop();
      // a health read during shutdown must not reach the closed file
      queue = undefined;
      db?.close();
      db = undefined;
    },
  };
}
