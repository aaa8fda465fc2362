import { compiledIsCurrent } from '../../bin/compile.mjs';
import { type BenchConfig, readBenchConfig } from './bench-config.ts';
import { type BridgeMode, startBridgeRig } from './bridge-rig.ts';
import { measureDiskFloor } from './disk-floor.ts';
import { alarmLatency, drain, killLoss, throughput } from './measure.ts';
import { ratios, type SystemFigures, summaryLine, table } from './report.ts';
import type { Rig } from './rig.ts';
import { versions } from './versions.ts';

/**
 * `npm run bench`: the parkwatch gateway and Mosquitto's bridge (durable and periodic saving)
 * carry the same load in one run; prints a table, the ratios, the versions, and one closing line.
 * Sizes come from BENCH_* environment variables (bench-config.ts).
 */

interface System {
  key: 'gateway' | BridgeMode;
  name: string;
  start: () => Promise<Rig>;
  drainCount: number;
  killCount: number;
}

async function measureSystem(system: System, cfg: BenchConfig): Promise<SystemFigures> {
  const figures: SystemFigures = { name: system.name, errors: [] };
  const step = async <T>(what: string, run: (rig: Rig) => Promise<T>): Promise<T | undefined> => {
    process.stderr.write(`bench: ${system.name}: ${what}...\n`);
    let rig: Rig | undefined;
    try {
      rig = await system.start();
      return await run(rig);
    } catch (err) {
      figures.errors.push(`${what}: ${err instanceof Error ? err.message : String(err)}`);
      return undefined;
    } finally {
      await rig?.dispose().catch(() => undefined);
    }
  };
  const senders = cfg.BENCH_SENDERS;
  const window = cfg.BENCH_WINDOW;
  figures.throughput = await step('throughput', (rig) =>
    throughput(rig, { senders, window, seconds: cfg.BENCH_THROUGHPUT_S }),
  );
  figures.latency = await step('alarm latency', (rig) =>
    alarmLatency(rig, {
      senders,
      backgroundRate: cfg.BENCH_BACKGROUND_RATE,
      alarmEveryMs: cfg.BENCH_ALARM_EVERY_MS,
      seconds: cfg.BENCH_LATENCY_S,
    }),
  );
  figures.drain = await step(`replay of ${system.drainCount}`, (rig) =>
    drain(rig, { senders, window, count: system.drainCount }),
  );
  figures.kill = await step('SIGKILL during outage', (rig) =>
    killLoss(rig, { senders, window, count: system.killCount }),
  );
  return figures;
}

async function gatewaySystem(cfg: BenchConfig): Promise<System> {
  const { startGatewayRig } = await import('./gateway-rig.ts');
  return {
    key: 'gateway',
    name: 'parkwatch gateway',
    start: () => startGatewayRig({ nodeArgs: cfg.BENCH_GATEWAY_NODE_ARGS }),
    drainCount: cfg.BENCH_REPLAY_COUNT,
    killCount: cfg.BENCH_KILL_COUNT,
  };
}

async function main(): Promise<void> {
  const cfg = readBenchConfig(process.env);
  const systems: System[] = [];
  for (const key of cfg.BENCH_SYSTEMS) {
    if (key === 'gateway') systems.push(await gatewaySystem(cfg));
    else
      systems.push({
        key,
        name: `mosquitto bridge, ${key}`,
        start: () => startBridgeRig(key),
        drainCount: key === 'durable' ? cfg.BENCH_DURABLE_DRAIN_COUNT : cfg.BENCH_BRIDGE_DRAIN_COUNT,
        killCount: key === 'durable' ? cfg.BENCH_DURABLE_KILL_COUNT : cfg.BENCH_KILL_COUNT,
      });
  }
  const results = new Map<System['key'], SystemFigures>();
  for (const s of systems) results.set(s.key, await measureSystem(s, cfg));
  let park: string | undefined;
  if (cfg.BENCH_SYSTEMS.includes('gateway') && cfg.BENCH_PARK_NODES > 0) {
    process.stderr.write(`bench: parkwatch gateway: park outage, ${cfg.BENCH_PARK_NODES} nodes...\n`);
    const { parkOutage, parkOutageLine } = await import('./park-outage.ts');
    park = await parkOutage({ nodes: cfg.BENCH_PARK_NODES, nodeArgs: cfg.BENCH_GATEWAY_NODE_ARGS }).then(
      parkOutageLine,
      (err: Error) => `未测得 / not measured: park outage: ${err.message}`,
    );
  }

  const rows = [...results.values()];
  console.log('');
  console.log(table(rows));
  console.log('');
  const gw = results.get('gateway');
  for (const mode of ['periodic', 'durable'] as const) {
    const bridge = results.get(mode);
    if (gw && bridge) console.log(ratios(gw, bridge));
  }
  const disk = measureDiskFloor();
  console.log(
    `磁盘提交下限 / disk floor, one fsync'd commit (${disk.commits} alone): p50 ${disk.p50Ms.toFixed(2)} ms, ` +
      `p99 ${disk.p99Ms.toFixed(2)} ms, max ${disk.maxMs.toFixed(2)} ms` +
      (gw?.latency ? `; gateway alarm p99 / disk p99 = ${(gw.latency.p99Ms / disk.p99Ms).toFixed(1)}` : ''),
  );
  if (park) console.log(park);
  for (const r of rows) for (const e of r.errors) console.log(`未测得 / not measured: ${r.name}: ${e}`);
  console.log(
    `sizes: ${cfg.BENCH_SENDERS} senders, window ${cfg.BENCH_WINDOW}, throughput ${cfg.BENCH_THROUGHPUT_S} s, ` +
      `latency ${cfg.BENCH_LATENCY_S} s at ${cfg.BENCH_BACKGROUND_RATE} msg/s background, alarm every ${cfg.BENCH_ALARM_EVERY_MS} ms`,
  );
  console.log(`versions: ${versions()}`);
  // bin/parkwatch.js falls back to tsx when a source is newer than its .mjs: that costs the gateway ~30 MB
  console.log(
    compiledIsCurrent()
      ? 'gateway ran: compiled .mjs (as after npm ci)'
      : '注意 / note: gateway ran under tsx (sources newer than the compiled .mjs: run `node bin/compile.mjs`); RSS ~30 MB higher',
  );
  console.log(summaryLine(gw, results.get('periodic')));
}

await main();
