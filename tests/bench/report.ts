import type { DrainResult, KillResult, LatencyResult, ThroughputResult } from './measure.ts';

/** Figures of one system, and how they are printed. */
export interface SystemFigures {
  name: string;
  throughput?: ThroughputResult;
  latency?: LatencyResult;
  drain?: DrainResult;
  kill?: KillResult;
  /** why a measurement is missing */
  errors: string[];
}

const ms = (v: number | undefined) =>
  v === undefined || Number.isNaN(v) ? 'n/a' : Number.isFinite(v) ? v.toFixed(2) : '>15000';
const int = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? 'n/a' : Math.round(v).toString());
const mb = (bytes: number | undefined) => (bytes === undefined ? 'n/a' : (bytes / 1048576).toFixed(0));

export function table(rows: SystemFigures[]): string {
  const head = [
    'system',
    'msg/s',
    'alarm p50 ms',
    'alarm p99 ms',
    'bg delivered/s',
    'queued',
    'queue in ev/s',
    'drain s',
    'drain ev/s',
    'RSS queued MB',
    'RSS drain peak MB',
    'lost/acked (SIGKILL)',
  ];
  const body = rows.map((r) => [
    r.name,
    int(r.throughput?.msgPerSec),
    ms(r.latency?.p50Ms),
    ms(r.latency?.p99Ms),
    int(r.latency?.backgroundDeliveredPerSec),
    int(r.drain?.queued),
    int(r.drain?.ingestPerSec),
    r.drain ? r.drain.drainSeconds.toFixed(1) : 'n/a',
    int(r.drain?.drainPerSec),
    mb(r.drain?.rssQueued),
    mb(r.drain?.rssDrainPeak),
    r.kill ? `${r.kill.lost}/${r.kill.acked}` : 'n/a',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('-|-'), ...body.map(line)].join('\n');
}

/** gateway / bridge for throughput and drain (higher is better), bridge / gateway for p99 (lower is better). */
export function ratios(gateway: SystemFigures, bridge: SystemFigures): string {
  const ratio = (a: number | undefined, b: number | undefined) =>
    a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || b === 0
      ? 'n/a'
      : (a / b).toFixed(2);
  return [
    `gateway vs ${bridge.name}:`,
    `throughput x${ratio(gateway.throughput?.msgPerSec, bridge.throughput?.msgPerSec)}`,
    `alarm p99 ${ms(gateway.latency?.p99Ms)} vs ${ms(bridge.latency?.p99Ms)} ms (gateway/bridge ${ratio(gateway.latency?.p99Ms, bridge.latency?.p99Ms)})`,
    `drain x${ratio(gateway.drain?.drainPerSec, bridge.drain?.drainPerSec)}`,
    `lost under SIGKILL ${gateway.kill?.lost ?? 'n/a'} vs ${bridge.kill?.lost ?? 'n/a'}`,
  ].join('  ');
}

/** The closing line the issue asks for, exactly in this shape. */
export function summaryLine(gateway: SystemFigures | undefined, periodic: SystemFigures | undefined): string {
  const r =
    gateway?.throughput && periodic?.throughput
      ? (gateway.throughput.msgPerSec / periodic.throughput.msgPerSec).toFixed(2)
      : 'n/a';
  const p = ms(gateway?.latency?.p99Ms);
  const e = int(gateway?.drain?.drainPerSec);
  const l = gateway?.kill ? String(gateway.kill.lost) : 'n/a';
  return `throughput ratio vs periodic bridge ${r}, alarm p99 ${p} ms, replay ${e} ev/s, lost under SIGKILL ${l}`;
}
