import { Counter, type Metrics } from './metrics.ts';
import type { Outbox, OutboxStats } from './store/outbox.ts';
import type { Supervisor } from './supervision/supervisor.ts';
import type { Uplink } from './uplink/uplink.ts';

/** The gateway's /metrics families: counters the stages increment, gauges read at scrape time. */
export function gatewayCounters(m: Metrics) {
  return {
    ingest: m.counter('parkwatch_ingest_frames_total', 'accepted node messages by ingest path and kind'),
    rejects: m.counter('parkwatch_rejects_total', 'refused node messages by reason'),
    transportRejects: m.counter('parkwatch_ingest_transport_rejects_total', 'framing rejects by transport and reason'),
    /** by claimed node id, for the panel only (not exported); bounded against floods of made-up ids */
    rejectsBySource: new Counter(1000),
    late: m.counter('parkwatch_late_events_total', 're-sent events below the replay window, stored because new'),
    storeErrors: m.counter('parkwatch_store_errors_total', 'batches whose commit failed (not acknowledged)'),
    batches: m.histogram('parkwatch_batch_size', 'frames and actions per committed batch', [1, 10, 100, 1000, 10000]),
    dropped: m.counter('parkwatch_outbox_dropped_total', 'telemetry dropped from the outbox by reason'),
    published: m.counter('parkwatch_uplink_published_total', 'events acknowledged by the cloud broker'),
    disconnects: m.counter('parkwatch_uplink_disconnects_total', 'cloud connections lost'),
    latency: m.histogram(
      'parkwatch_uplink_publish_seconds',
      'publish to PUBACK time',
      [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5],
    ),
  };
}
export type GatewayCounters = ReturnType<typeof gatewayCounters>;

/** Outbox figures counted at most once a second: a scrape reads three of them. */
export class CachedOutboxStats {
  private cached: { at: number; stats: OutboxStats } | undefined;

  constructor(private outbox: Outbox) {}

  get(): OutboxStats {
    const now = Date.now();
    if (!this.cached || now - this.cached.at > 1000) this.cached = { at: now, stats: this.outbox.stats() };
    return this.cached.stats;
  }
}

export interface GaugeSources {
  outbox: () => OutboxStats;
  now: () => number;
  uplink: () => Uplink | undefined;
  supervisor: Supervisor;
  lastSeq: () => number;
}

export function registerGauges(m: Metrics, src: GaugeSources): void {
  m.gauge('parkwatch_outbox_depth', 'events waiting for the cloud broker', () => [[{}, src.outbox().depth]]);
  m.gauge('parkwatch_outbox_bytes', 'bytes of events waiting for the cloud broker', () => [[{}, src.outbox().bytes]]);
  m.gauge('parkwatch_outbox_oldest_age_seconds', 'age of the oldest waiting event', () => {
    const oldest = src.outbox().oldestAt;
    return [[{}, oldest === null ? 0 : Math.max(0, (src.now() - oldest) / 1000)]];
  });
  m.gauge('parkwatch_uplink_connected', '1 when the cloud uplink is connected', () => {
    const state = src.uplink()?.state ?? 'none';
    return [[{ state }, state === 'connected' ? 1 : 0]];
  });
  m.gauge('parkwatch_uplink_inflight', 'publishes awaiting PUBACK', () => [[{}, src.uplink()?.inflightCount ?? 0]]);
  m.gauge('parkwatch_nodes', 'registered nodes by supervision state', () => {
    const c = src.supervisor.counts();
    return [
      [{ state: 'online' }, c.online],
      [{ state: 'offline' }, c.offline],
    ];
  });
  m.gauge('parkwatch_gateway_seq', 'last gateway sequence number stored', () => [[{}, src.lastSeq()]]);
}
