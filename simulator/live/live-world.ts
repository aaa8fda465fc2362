import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../gateway/store/database.ts';
import { NodeRegistry } from '../../gateway/store/registry.ts';
import { freePort, type RunningMosquitto, startMosquitto } from '../../tests/support/mosquitto.ts';
import { type PtyPair, startPtyPair } from '../../tests/support/pty-pair.ts';
import { SimAccessPoint } from '../board/access-point.ts';
import { type NetProvider, realTcp } from '../board/links.ts';
import type { RunContext } from '../inprocess/world.ts';
import { SimNode } from '../node/sim-node.ts';
import { WireCapture } from '../node/wire-capture.ts';
import { derivedKey, GATEWAY_HOST, nodeConfig, resolveInputs } from '../scenario/node-setup.ts';
import type { Fault, Scenario } from '../scenario/schema.ts';
import { recordSeries } from '../scenario/series.ts';
import type { FaultSpan, Timeline, TimelineEntry } from '../scenario/timeline.ts';
import { VirtualClock } from '../virtual-clock.ts';
import { CloudListener } from './cloud-listener.ts';
import { GatewayProcess } from './gateway-process.ts';
import { SerialNodeEnd } from './serial-node-end.ts';

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
  const dir = mkdtempSync(join(tmpdir(), 'pw-sim-live-'));
  const notes: string[] = [];
  const cleanup: (() => Promise<void>)[] = [];
  try {
    const cloud = await startMosquitto({ persistence: true });
    cleanup.push(() => cloud.dispose());
    const localPort = await freePort();
    const httpPort = await freePort();
    const ptys = new Map<string, PtyPair>();
    for (const n of scenario.nodes.filter((x) => x.link === 'serial')) {
      const ptyDir = join(dir, `pty-${n.id}`);
      mkdirSync(ptyDir);
      const pty = await startPtyPair({ dir: ptyDir });
      ptys.set(n.id, pty);
      cleanup.push(() => pty.stop());
    }
    const dataDir = join(dir, 'data');
    registerNodes(dataDir, scenario);
    const gateway = new GatewayProcess(
      dir,
      {
        gatewayId: 'gw1',
        parkId: 'sim',
        dataDir,
        http: { host: '127.0.0.1', port: httpPort },
        localBroker: { mode: 'embedded', host: '127.0.0.1', port: localPort },
        serial: [...ptys.values()].map((p) => ({ path: p.gatewayPath })),
        cloud: { url: cloud.url, backoff: { minMs: 200, maxMs: 2000 } },
        log: { level: 'warn' },
      },
      localPort,
    );
    await gateway.start();
    cleanup.push(() => gateway.stop());
    const listener = new CloudListener(cloud.url);
    await listener.start();
    cleanup.push(() => listener.stop());

    const clock = new VirtualClock(0);
    const t0 = Date.now();
    const net: NetProvider = realTcp((host, port) =>
      host === GATEWAY_HOST ? { host: '127.0.0.1', port: localPort } : { host, port },
    );
    const nodes = new Map<string, LiveNode>();
    const wire = new WireCapture();
    for (const n of scenario.nodes) {
      const ap = new SimAccessPoint();
      let serial: LiveNode['serial'];
      const pty = ptys.get(n.id);
      if (pty) {
        const end = new SerialNodeEnd(pty.nodePath);
        await end.open();
        cleanup.push(() => end.close());
        serial = { pty, end };
      }
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
    for (const f of scenario.faults) scheduleLiveFault(f, clock, { gateway, cloud, nodes }, faults, notes);
    const series = recordSeries(
      scenario.durationS,
      clock,
      [...nodes.values()].map((x) => x.node),
    );
    for (const { node } of nodes.values()) node.board.powerOn();

    const endMs = scenario.durationS * 1000;
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        const now = Math.min(endMs, Date.now() - t0);
        clock.runUntil(now);
        ctx.onProgress?.(now / endMs);
        if (now >= endMs) {
          clearInterval(timer);
          resolve();
        }
      }, PACE_MS);
    });
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    for (const { node } of nodes.values()) node.board.powerCut();
    await gateway.stop();
    const decided = readDecided(dataDir);
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
      decided,
      series,
      faults,
      notes,
      wallMs: performance.now() - started,
    };
  } finally {
    for (const fn of cleanup.reverse()) await fn().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  }
}

function registerNodes(dataDir: string, scenario: Scenario): void {
  const db = openDatabase(dataDir);
  try {
    new NodeRegistry(db).upsert(
      scenario.nodes.map((n) => ({
        id: n.id,
        keyHex: (n.key ?? derivedKey(n.id)).toLowerCase(),
        zone: n.zone ?? 'sim',
        location: `simulated ${n.link} node`,
        channels: (n.channels ?? [{ name: 'smoke' }]).map((c) => String(c.name)),
      })),
      Date.now(),
    );
  } finally {
    db.close();
  }
}

/** Every event the gateway committed, by id (its event log). */
function readDecided(dataDir: string): Set<string> {
  const db = openDatabase(dataDir);
  try {
    const rows = db.prepare('SELECT body FROM events').all() as { body: string }[];
    return new Set(rows.map((r) => (JSON.parse(r.body) as { id: string }).id));
  } finally {
    db.close();
  }
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
      span(f.forS ?? 0, f.node);
      break;
    }
    case 'local_broker_down':
      // refused by the schema in live mode: the gateway embeds its broker (use gateway_kill)
      break;
  }
}
