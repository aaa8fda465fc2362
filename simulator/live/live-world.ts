import { SimAccessPoint } from '../board/access-point.ts';
import type { RunContext } from '../inprocess/world.ts';
import { SimNode } from '../node/sim-node.ts';
import { WireCapture } from '../node/wire-capture.ts';
import { derivedKey, nodeConfig, resolveInputs } from '../scenario/node-setup.ts';
import type { Fault, Scenario } from '../scenario/schema.ts';
import { recordSeries } from '../scenario/series.ts';
import type { FaultSpan, Timeline, TimelineEntry } from '../scenario/timeline.ts';
import { VirtualClock } from '../virtual-clock.ts';
import type { GatewayProcess } from './gateway-process.ts';
import { LiveStack } from './live-stack.ts';
import type { RunningMosquitto } from './mosquitto.ts';
import type { PtyPair } from './pty-pair.ts';
import type { SerialNodeEnd } from './serial-node-end.ts';

/**
 * Live mode: the real `parkwatch gateway` process, a real Mosquitto as the cloud (with
 * persistence), simulated nodes speaking real MQTT over TCP to the gateway's broker and real
 * serial through socat PTY pairs, and faults done to real processes (SIGKILL the gateway, stop
 * the cloud broker, kill socat). Runs in real time: the virtual clock follows the wall clock.
 * What counts is what reached the cloud.
 */
const PACE_MS = 10;
/** time after the scenario's end for the last deliveries to land */
const SETTLE_MS = 3000;

interface LiveNode {
  node: SimNode;
  ap: SimAccessPoint;
  serial?: { pty: PtyPair; end: SerialNodeEnd };
}

export async function runLive(scenario: Scenario, ctx: RunContext): Promise<Timeline> {
  const started = performance.now();
  const notes: string[] = [];
  const stack = await LiveStack.start(
    scenario.nodes.map((n) => ({
      id: n.id,
      key: n.key ?? derivedKey(n.id),
      link: n.link,
      zone: n.zone,
      channels: (n.channels ?? [{ name: 'smoke' }]).map((c) => String(c.name)),
    })),
  );
  try {
    const clock = new VirtualClock(0);
    const t0 = Date.now();
    const net = stack.net();
    const nodes = new Map<string, LiveNode>();
    const wire = new WireCapture(() => clock.now());
    for (const n of scenario.nodes) {
      const ap = new SimAccessPoint();
      const pty = stack.ptys.get(n.id);
      const end = stack.serialEnds.get(n.id);
      const serial = pty && end ? { pty, end } : undefined;
      const node = new SimNode({
        config: nodeConfig(n),
        inputs: resolveInputs(n, ctx.file, ctx.dataDir),
        fw: ctx.fw,
        clock,
        net: wire.net(net),
        uart: serial && wire.uart(serial.end),
        wifi: ap,
        onConsole: (l, t) => l.startsWith('Uncaught') && notes.push(`${n.id} at ${(t / 1000).toFixed(1)} s: ${l}`),
      });
      nodes.set(n.id, { node, ap, serial });
    }
    const faults: FaultSpan[] = [];
    const world = { gateway: stack.gateway, cloud: stack.cloud, nodes };
    for (const f of scenario.faults) scheduleLiveFault(f, clock, world, faults, notes, scenario.durationS);
    const series = recordSeries(
      scenario.durationS,
      clock,
      [...nodes.values()].map((x) => x.node),
    );
    for (const { node } of nodes.values()) node.board.powerOn();
    await followWallClock(clock, t0, scenario.durationS * 1000, ctx.onProgress);
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    for (const { node } of nodes.values()) node.board.powerCut();
    await stack.gateway.stop();
    const listener = stack.listener;
    const entries = listener.deliveries
      .filter((d, i, all) => all.findIndex((x) => x.event.id === d.event.id) === i)
      .map((d) => toEntry(d.event, d.receivedAt, t0));
    if (listener.invalid > 0) notes.push(`${listener.invalid} cloud messages were not valid decided events`);
    return {
      scenario: scenario.name,
      mode: 'live',
      durationS: scenario.durationS,
      entries,
      wireEvents: wire.events,
      cloud: listener.counts,
      decided: stack.decidedIds(),
      series,
      faults,
      notes,
      wallMs: performance.now() - started,
    };
  } finally {
    await stack.dispose();
  }
}

/** Moves the virtual clock along with the wall clock until `endMs` after t0. */
export function followWallClock(
  clock: VirtualClock,
  t0: number,
  endMs: number,
  onProgress?: (fraction: number) => void,
): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const now = Math.min(endMs, Date.now() - t0);
      clock.runUntil(now);
      onProgress?.(now / endMs);
      if (now >= endMs) {
        clearInterval(timer);
        resolve();
      }
    }, PACE_MS);
  });
}

function toEntry(
  e: {
    id: string;
    kind: string;
    at: number;
    node: string | null;
    ch: string;
    trouble?: string;
    data: Record<string, unknown>;
    origin?: { path: string; boot: number; seq: number };
  },
  receivedAt: number,
  t0: number,
): TimelineEntry {
  const fromNode = e.origin !== undefined && (e.origin.path === 'mqtt' || e.origin.path === 'serial');
  return {
    tMs: receivedAt - t0,
    atMs: e.at - t0,
    node: e.node ?? '',
    kind: e.kind,
    ch: e.ch,
    ...(e.trouble ? { code: e.trouble } : {}),
    source: fromNode ? 'node' : 'gateway',
    ...(fromNode && e.origin ? { key: `${e.node}/${e.origin.boot}/${e.origin.seq}` } : {}),
    eventId: e.id,
    ...(typeof e.data.b === 'number' ? { b: e.data.b } : {}),
  };
}

function scheduleLiveFault(
  f: Fault,
  clock: VirtualClock,
  w: { gateway: GatewayProcess; cloud: RunningMosquitto; nodes: Map<string, LiveNode> },
  spans: FaultSpan[],
  notes: string[],
  endS: number,
): void {
  const at = (s: number, fn: () => Promise<void> | void) =>
    clock.setTimeout(() => {
      Promise.resolve()
        .then(fn)
        .catch((err) => notes.push(`fault ${f.kind} at ${s} s failed: ${(err as Error).message}`));
    }, s * 1000);
  const span = (forS: number, node?: string) =>
    spans.push({ kind: f.kind, fromS: f.atS, toS: f.atS + forS, ...(node ? { node } : {}) });
  switch (f.kind) {
    case 'gateway_kill':
      at(f.atS, () => w.gateway.kill());
      at(f.atS + f.restartAfterS, () => w.gateway.start());
      span(f.restartAfterS);
      break;
    case 'cloud_broker_down':
      at(f.atS, () => w.cloud.stop());
      at(f.atS + f.forS, () => w.cloud.start());
      span(f.forS);
      break;
    case 'serial_unplug': {
      const s = w.nodes.get(f.node)?.serial;
      if (!s) break;
      at(f.atS, async () => {
        await s.pty.unplug();
        await s.end.close();
      });
      at(f.atS + f.forS, async () => {
        await s.pty.plug();
        await s.end.reopen();
      });
      span(f.forS, f.node);
      break;
    }
    case 'wifi_drop': {
      const ap = w.nodes.get(f.node)!.ap;
      at(f.atS, () => ap.setAvailable(false));
      at(f.atS + f.forS, () => ap.setAvailable(true));
      span(f.forS, f.node);
      break;
    }
    case 'power_cut': {
      const board = w.nodes.get(f.node)!.node.board;
      at(f.atS, () => board.powerCut());
      at(f.atS + f.forS, () => board.powerOn('power'));
      span(f.forS, f.node);
      break;
    }
    case 'sensor_stuck': {
      const node = w.nodes.get(f.node)!.node;
      at(f.atS, () => node.stick(f.channel));
      if (f.forS !== undefined) at(f.atS + f.forS, () => node.unstick(f.channel));
      span(f.forS ?? endS - f.atS, f.node);
      break;
    }
    case 'local_broker_down':
      // refused by the schema in live mode: the gateway embeds its broker (use gateway_kill)
      break;
  }
}
