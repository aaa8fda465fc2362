import { z } from 'zod';

/**
 * Benchmark sizes, from the environment so CI or a quick look can shrink them. The defaults are
 * the issue's: 1,000,000 queued events for the gateway's replay, 5,000 msg/s of background.
 */
const count = (fallback: number) => z.coerce.number().int().min(1).default(fallback);

export const BenchConfig = z.object({
  /** which systems to run: gateway, periodic, durable (comma separated) */
  BENCH_SYSTEMS: z
    .string()
    .default('gateway,periodic,durable')
    .transform((s) => s.split(',').map((x) => x.trim()))
    .pipe(z.array(z.enum(['gateway', 'periodic', 'durable'])).min(1)),
  /** publishing connections (edge clients or simulated nodes) */
  BENCH_SENDERS: count(4),
  /** QoS 1 publishes awaiting PUBACK per sender */
  BENCH_WINDOW: count(100),
  /** seconds of saturating load for the throughput figure */
  BENCH_THROUGHPUT_S: count(5),
  /** background msg/s and seconds for the alarm-latency figure */
  BENCH_BACKGROUND_RATE: count(5000),
  BENCH_LATENCY_S: count(8),
  BENCH_ALARM_EVERY_MS: count(20),
  /** events queued during the outage: the gateway's, the periodic bridge's, the durable bridge's */
  BENCH_REPLAY_COUNT: count(1_000_000),
  BENCH_BRIDGE_DRAIN_COUNT: count(100_000),
  BENCH_DURABLE_DRAIN_COUNT: count(5_000),
  /** acknowledged messages before the SIGKILL (the durable bridge is slow, so fewer by default) */
  BENCH_KILL_COUNT: count(10_000),
  BENCH_DURABLE_KILL_COUNT: count(10_000),
  /** nodes of the park-outage scenario (24 h of their telemetry queued); 0 skips it */
  BENCH_PARK_NODES: z.coerce.number().int().min(0).default(2000),
  /** node flags for the gateway process, space separated, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" */
  BENCH_GATEWAY_NODE_ARGS: z
    .string()
    .default('')
    .transform((s) => s.split(' ').filter((a) => a !== '')),
});
export type BenchConfig = z.infer<typeof BenchConfig>;

export function readBenchConfig(env: NodeJS.ProcessEnv): BenchConfig {
  const parsed = BenchConfig.safeParse(env);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`基准配置无效 / invalid benchmark setting: ${issues}`);
  }
  return parsed.data;
}
