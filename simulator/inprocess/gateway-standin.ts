import { type SupervisionRules, Supervisor } from '../../gateway/supervision/supervisor.ts';
import { encodeFrame, FrameDecoder } from '../../protocol/framing.ts';
import { ALL_NODES_UP, nodeDown, nodeOfTopic } from '../../protocol/topics.ts';
import type { UartEnd } from '../board/links.ts';
import { WireTap } from '../node/wire-tap.ts';
import type { TimelineEntry } from '../scenario/timeline.ts';
import type { VirtualClock } from '../virtual-clock.ts';
import type { InProcessBroker } from './broker.ts';

/**
 * The gateway's receiving end for in-process runs, on the virtual clock: it reads node messages
 * from the in-process broker and from serial lines, checks them as the gateway does (signature,
 * schema, re-sends; node/wire-tap.ts), acknowledges events with signed `event_ack` commands over
 * the path they came by, and supervises heartbeats with the gateway's own Supervisor.
 *
 * It stands in for the SQLite pipeline, outbox and uplink, which run on wall-clock time: those
 * are exercised by live mode against the real `parkwatch gateway` process.
 */
const DEFAULT_RULES: SupervisionRules = { missedHeartbeats: 3, maxOfflineS: 100, defaultHeartbeatS: 30 };
const SUPERVISION_TICK_MS = 1000;

interface SerialLine {
  /** bytes from the node reach the gateway only while plugged */
  plugged: boolean;
  toNode?: (data: string) => void;
  decoder: FrameDecoder;
}

export class InProcessGateway {
  readonly entries: TimelineEntry[] = [];
  readonly tap: WireTap;
  private up = true;
  private supervisor: Supervisor;
  private lines = new Map<string, SerialLine>();
  private ticker: number | undefined;

  constructor(
    private clock: VirtualClock,
    private keys: Map<string, string>,
    private broker: InProcessBroker,
    private rules: SupervisionRules = DEFAULT_RULES,
  ) {
    this.tap = new WireTap((node) => keys.get(node));
    this.supervisor = this.freshSupervisor([]);
  }

  async start(): Promise<void> {
    await this.broker.subscribe(ALL_NODES_UP, (topic, payload) => {
      const node = nodeOfTopic(topic, 'up');
      if (node) this.receive(payload, 'mqtt', (ack) => this.broker.publish(nodeDown(node), ack));
    });
    this.ticker = this.clock.setInterval(() => this.supervise(), SUPERVISION_TICK_MS);
  }

  stop(): void {
    if (this.ticker !== undefined) this.clock.clear(this.ticker);
  }

  /** The gateway end of a node's serial cable. */
  serialLine(node: string): UartEnd & { setPlugged(plugged: boolean): void } {
    const line: SerialLine = {
      plugged: true,
      decoder: new FrameDecoder({
        frame: (payload) => this.receive(payload, 'serial', (ack) => line.toNode?.(encodeFrame(ack))),
        reject: () => {},
      }),
    };
    this.lines.set(node, line);
    return {
      write: (data) => {
        if (line.plugged) line.decoder.push(data);
      },
      attach: (receive) => {
        line.toNode = (d) => line.plugged && receive(d);
        return () => {
          line.toNode = undefined;
        };
      },
      setPlugged: (plugged) => {
        line.plugged = plugged;
        if (!plugged) line.decoder.reset();
      },
    };
  }

  /** SIGKILL of the gateway: nothing is read or acknowledged; its embedded broker is gone too. */
  kill(): void {
    this.up = false;
    this.broker.setUp(false);
  }

  restart(): void {
    this.up = true;
    this.broker.setUp(true);
    const offline = [...this.keys.keys()].filter((n) => !this.supervisor.isOnline(n));
    this.supervisor = this.freshSupervisor(offline);
  }

  private freshSupervisor(offline: string[]): Supervisor {
    // the virtual clock is the stand-in's monotonic clock too
    const s = new Supervisor(this.rules, offline, () => this.clock.now());
    // registered nodes count from the gateway's start, so a node that never speaks goes offline
    for (const node of this.keys.keys()) s.watch(node);
    return s;
  }

  private receive(wire: string, path: 'serial' | 'mqtt', reply: (ack: string) => void): void {
    if (!this.up) return;
    const now = this.clock.now();
    const r = this.tap.read(wire, now, path);
    if (!r.ok) return;
    const o = r.observed;
    const m = o.message;
    const ivl = m.kind === 'heartbeat' ? m.d.ivl : undefined;
    if (this.supervisor.heard(m.node, ivl)) {
      this.entries.push({
        tMs: now,
        atMs: now,
        node: m.node,
        kind: 'trouble_clear',
        ch: '',
        code: 'offline',
        source: 'gateway',
      });
    }
    if (!o.duplicate) {
      const code = m.kind === 'trouble' || m.kind === 'trouble_clear' ? m.d.code : undefined;
      this.entries.push({
        tMs: now,
        atMs: o.atMs,
        node: m.node,
        kind: m.kind,
        ch: m.ch,
        ...(code ? { code } : {}),
        source: 'node',
        key: `${m.node}/${m.boot}/${m.seq}`,
        ...(m.kind === 'telemetry' || m.kind === 'prealarm' || m.kind === 'alarm' ? { b: m.d.b } : {}),
      });
    }
    const ack = this.tap.ackFor(m);
    if (ack) reply(ack);
  }

  private supervise(): void {
    if (!this.up) return;
    const now = this.clock.now();
    for (const node of this.supervisor.check()) {
      this.entries.push({ tMs: now, atMs: now, node, kind: 'trouble', ch: '', code: 'offline', source: 'gateway' });
    }
  }
}
