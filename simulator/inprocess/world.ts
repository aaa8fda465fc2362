import { setImmediate as yieldToIo } from 'node:timers/promises';
import { SimAccessPoint } from '../board/access-point.ts';
import type { FirmwareScript } from '../firmware-script.ts';
import { SimNode } from '../node/sim-node.ts';
import { WireCapture } from '../node/wire-capture.ts';
import { nodeConfig, resolveInputs } from '../scenario/node-setup.ts';
import type { Fault, Scenario } from '../scenario/schema.ts';
import { recordSeries } from '../scenario/series.ts';
import type { FaultSpan, Timeline } from '../scenario/timeline.ts';
import { VirtualClock } from '../virtual-clock.ts';
import { InProcessBroker } from './broker.ts';
import { InProcessGateway } from './gateway-standin.ts';

/**
 * In-process mode: every node's firmware in a vm on one virtual clock, a real MQTT broker in
 * the process, the gateway's receiving end, and the faults applied on the virtual time line.
 * The clock moves in STEP_MS slices; between slices the event loop runs, so broker traffic
 * flows at virtual speed: an hour of a small park takes a few seconds.
 */
const STEP_MS = 50;
export interface RunContext {
  file: string;
  dataDir: string;
  fw: FirmwareScript;
  onProgress?: (fraction: number) => void;
}

export async function runInProcess(scenario: Scenario, ctx: RunContext): Promise<Timeline> {
  const started = performance.now();
  const clock = new VirtualClock(0);
  const broker = await InProcessBroker.create();
  const keys = new Map<string, string>();
  const configs = scenario.nodes.map((n) => nodeConfig(n));
  for (const c of configs) keys.set(c.id, c.key);
  const gateway = new InProcessGateway(clock, keys, broker);
  await gateway.start();
  const wire = new WireCapture(() => clock.now());
  const notes: string[] = [];
  const sims = new Map<
    string,
    { node: SimNode; ap: SimAccessPoint; line?: ReturnType<InProcessGateway['serialLine']> }
  >();
  scenario.nodes.forEach((n, i) => {
    const ap = new SimAccessPoint();
    const line = n.link === 'serial' ? gateway.serialLine(n.id) : undefined;
    const node = new SimNode({
      config: configs[i]!,
      inputs: resolveInputs(n, ctx.file, ctx.dataDir),
      fw: ctx.fw,
      clock,
      net: wire.net(broker),
      uart: line && wire.uart(line),
      wifi: ap,
      onConsole: (l, t) => {
        if (l.startsWith('Uncaught')) notes.push(`${n.id} at ${(t / 1000).toFixed(1)} s: ${l}`);
      },
    });
    sims.set(n.id, { node, ap, line });
  });

  const faults: FaultSpan[] = [];
  for (const f of scenario.faults) scheduleFault(f, clock, gateway, broker, sims, faults, scenario.durationS);
  const series = recordSeries(
    scenario.durationS,
    clock,
    [...sims.values()].map((s) => s.node),
  );
  for (const { node } of sims.values()) node.board.powerOn();

  const endMs = scenario.durationS * 1000;
  for (let t = 0; t < endMs; ) {
    t = Math.min(endMs, t + STEP_MS);
    clock.runUntil(t);
    await yieldToIo();
    await yieldToIo();
    if (ctx.onProgress && t % 10000 === 0) ctx.onProgress(t / endMs);
  }
  gateway.stop();
  for (const { node } of sims.values()) {
    node.board.powerCut();
    for (const e of node.board.errors)
      notes.push(`${node.id}: firmware error at ${(e.tMs / 1000).toFixed(1)} s: ${e.message}`);
  }
  await broker.close();
  return {
    scenario: scenario.name,
    mode: 'inprocess',
    durationS: scenario.durationS,
    entries: gateway.entries,
    wireEvents: wire.events,
    series,
    faults,
    notes: [...new Set(notes)],
    wallMs: performance.now() - started,
  };
}

type Sims = Map<string, { node: SimNode; ap: SimAccessPoint; line?: { setPlugged(p: boolean): void } }>;

function scheduleFault(
  f: Fault,
  clock: VirtualClock,
  gateway: InProcessGateway,
  broker: InProcessBroker,
  sims: Sims,
  spans: FaultSpan[],
  endS: number,
): void {
  const at = (s: number, fn: () => void) => clock.setTimeout(fn, Math.max(0, s * 1000 - clock.now()));
  const span = (forS: number, node?: string) =>
    spans.push({ kind: f.kind, fromS: f.atS, toS: f.atS + forS, ...(node ? { node } : {}) });
  switch (f.kind) {
    case 'wifi_drop': {
      const ap = sims.get(f.node)!.ap;
      at(f.atS, () => ap.setAvailable(false));
      at(f.atS + f.forS, () => ap.setAvailable(true));
      span(f.forS, f.node);
      break;
    }
    case 'local_broker_down':
      at(f.atS, () => broker.setUp(false));
      at(f.atS + f.forS, () => broker.setUp(true));
      span(f.forS);
      break;
    case 'gateway_kill':
      at(f.atS, () => gateway.kill());
      at(f.atS + f.restartAfterS, () => gateway.restart());
      span(f.restartAfterS);
      break;
    case 'serial_unplug': {
      const line = sims.get(f.node)!.line!;
      at(f.atS, () => line.setPlugged(false));
      at(f.atS + f.forS, () => line.setPlugged(true));
      span(f.forS, f.node);
      break;
    }
    case 'power_cut': {
      const board = sims.get(f.node)!.node.board;
      at(f.atS, () => board.powerCut());
      at(f.atS + f.forS, () => board.powerOn('power'));
      span(f.forS, f.node);
      break;
    }
    case 'sensor_stuck': {
      const node = sims.get(f.node)!.node;
      at(f.atS, () => node.stick(f.channel));
      if (f.forS !== undefined) at(f.atS + f.forS, () => node.unstick(f.channel));
      span(f.forS ?? endS - f.atS, f.node);
      break;
    }
    case 'cloud_broker_down':
      // refused by the schema in in-process mode
      break;
  }
}
