import { numberOption, parseArgs } from '../cli/args.ts';
import { renderTable } from '../cli/text-table.ts';
import { DEFAULT_DATA } from '../eval/eval-cli.ts';
import { loadFirmwareScript } from '../firmware-script.ts';
import { LiveStack } from '../live/live-stack.ts';
import { followWallClock } from '../live/live-world.ts';
import { resolveInput } from '../node/inputs.ts';
import { SimNode } from '../node/sim-node.ts';
import { WireCapture } from '../node/wire-capture.ts';
import { derivedKey, nodeConfig } from '../scenario/node-setup.ts';
import { ScenarioNodeSchema } from '../scenario/schema.ts';
import { seededRandom } from '../traces/generators.ts';
import { VirtualClock } from '../virtual-clock.ts';

/**
 * `parkwatch sim park --nodes N --rate R --duration S [--serial K]`: a simulated park against
 * the real gateway process (and a real Mosquitto cloud). Every node runs the firmware; K of them
 * speak serial through socat PTYs, the rest MQTT over TCP. Load comes from test-button presses,
 * R per second across the park (each one a signed `test` event the gateway must store, ack and
 * forward); node 1 also replays a NIST chair fire, so one real alarm crosses the system.
 * Prints what was sent, what was acknowledged and what reached the cloud, with latencies.
 */
const SETTLE_MS = 5000;
const REPORT_EVERY_MS = 5000;

export async function runPark(args: string[]): Promise<number> {
  const { values } = parseArgs(args, ['nodes', 'rate', 'duration', 'serial', 'seed']);
  const count = Math.round(numberOption(values, 'nodes', 20));
  const rate = numberOption(values, 'rate', 2);
  const durationS = numberOption(values, 'duration', 60);
  const serialCount = Math.min(count, Math.round(Number(values.get('serial') ?? 1)));
  const rand = seededRandom(Math.round(Number(values.get('seed') ?? 1)));
  const fw = await loadFirmwareScript();
  const ids = Array.from({ length: count }, (_, i) => `park-${String(i + 1).padStart(4, '0')}`);
  const specs = ids.map((id, i) =>
    ScenarioNodeSchema.parse({ id, link: i >= count - serialCount ? 'serial' : 'mqtt' }),
  );
  console.log(
    `启动网关与云端 / starting gateway and cloud: ${count} nodes (${serialCount} serial), ${rate} presses/s, ${durationS} s`,
  );
  const stack = await LiveStack.start(
    specs.map((s) => ({ id: s.id, key: derivedKey(s.id), link: s.link, channels: ['smoke'] })),
  );
  try {
    const clock = new VirtualClock(0);
    const wire = new WireCapture(() => clock.now());
    const presses = new Map<string, number[]>();
    const total = Math.round(rate * Math.max(0, durationS - 10));
    for (let i = 0; i < total; i++) {
      const id = ids[1 + (i % Math.max(1, count - 1))] ?? (ids[0] as string);
      presses.set(id, [...(presses.get(id) ?? []), Math.round((5 + rand() * (durationS - 10)) * 1000)]);
    }
    // a node at SDC02's station B (Pho1B) alarms about 100 s into the recording: place it near 30 % of the run
    const fire = resolveInput(
      { nist: { test: 'SDC02', column: 'Pho1B' }, atS: durationS * 0.3 - 95 },
      { dataDir: DEFAULT_DATA, baseDir: '.' },
    );
    const nodes = specs.map((s, i) => {
      const end = stack.serialEnds.get(s.id);
      return new SimNode({
        config: nodeConfig(s),
        inputs: i === 0 ? { smoke: fire } : {},
        fw,
        clock,
        net: wire.net(stack.net()),
        uart: end && wire.uart(end),
        buttonPressesMs: presses.get(s.id) ?? [],
      });
    });
    const t0 = Date.now();
    for (const n of nodes) n.board.powerOn();
    const progress = setInterval(() => {
      console.log(
        `  t=${((Date.now() - t0) / 1000).toFixed(0)} s  sent ${wire.events.size}  acked ${wire.acked.size}  cloud ${stack.listener.deliveries.length}`,
      );
    }, REPORT_EVERY_MS);
    await followWallClock(clock, t0, durationS * 1000);
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    clearInterval(progress);
    for (const n of nodes) n.board.powerCut();
    printSummary(wire, stack, t0);
    return 0;
  } finally {
    await stack.dispose();
  }
}

function printSummary(wire: WireCapture, stack: LiveStack, t0: number): void {
  const cloudByKey = new Map<string, number>();
  for (const d of stack.listener.deliveries) {
    const o = d.event.origin;
    if (!o || d.event.node === null) continue;
    const key = `${d.event.node}/${o.boot}/${o.seq}`;
    if (!cloudByKey.has(key)) cloudByKey.set(key, d.receivedAt);
  }
  const kinds = [...new Set(wire.events.values())].sort();
  const rows = kinds.map((kind) => {
    const keys = [...wire.events].filter(([, k]) => k === kind).map(([key]) => key);
    const lat = keys
      .filter((k) => cloudByKey.has(k))
      .map((k) => (cloudByKey.get(k) as number) - (t0 + (wire.sentAt.get(k) as number)))
      .sort((a, b) => a - b);
    const pct = (p: number) =>
      lat.length === 0 ? '-' : String(lat[Math.min(lat.length - 1, Math.floor(p * lat.length))]);
    return [
      kind,
      keys.length,
      keys.filter((k) => wire.acked.has(k)).length,
      keys.filter((k) => cloudByKey.has(k)).length,
      keys.filter((k) => !cloudByKey.has(k)).length,
      pct(0.5),
      pct(0.95),
      lat.length === 0 ? '-' : String(lat[lat.length - 1]),
    ];
  });
  const dup = [...stack.listener.counts.values()].filter((n) => n > 1).length;
  console.log(`\n${renderTable(['kind', 'sent', 'acked', 'in cloud', 'missing', 'p50 ms', 'p95 ms', 'max ms'], rows)}`);
  console.log(
    `\ncloud: ${stack.listener.deliveries.length} deliveries, ${stack.listener.counts.size} distinct event ids, ${dup} ids delivered more than once (same id, dropped downstream), ${stack.listener.invalid} invalid`,
  );
  console.log("latency = first write on the node's link -> arrival at the cloud subscriber (wall clock)");
}
