import type { Logger } from 'pino';
import { isEventKind } from '../../protocol/kinds.ts';
import { acceptReplay, emptyReplayState, type ReplayState } from '../../protocol/replay.ts';
import type { Bus } from '../bus.ts';
import type { AlarmBook } from '../decide/alarm-book.ts';
import { type DecideContext, type Decision, decideNodeMessage } from '../decide/decide.ts';
import type { NodeStates } from '../decide/node-states.ts';
import type { InboundFrame, NodeSender } from '../ingest/inbound.ts';
import type { Counter, Histogram } from '../metrics.ts';
import type { EventLog } from '../store/event-log.ts';
import type { NodeRegistry, RegisteredNode } from '../store/registry.ts';
import type { Supervisor } from '../supervision/supervisor.ts';
import type { DecidedEvent } from '../wire/events.ts';
import type { CommandSealer } from './command-sealer.ts';
import { type RejectReason, verifyFrame } from './verifier.ts';

/**
 * ingest -> verify -> decide -> store -> acknowledge. Frames that arrive in the same tick are
 * handled as one batch: decided in order, committed in ONE transaction (group commit), and
 * only then acknowledged to their nodes and announced on the bus. If the commit fails (disk
 * full, database gone) nothing of the batch is acknowledged, so the nodes send it again.
 */
export interface PipelineDeps {
  gw: string;
  park: string;
  registry: NodeRegistry;
  log: EventLog;
  book: AlarmBook;
  nodeStates: NodeStates;
  supervisor: Supervisor;
  sealer: CommandSealer;
  send: NodeSender;
  bus: Bus;
  logger: Logger;
  counters: {
    ingest: Counter;
    rejects: Counter;
    /** by claimed node id or transport (not exported to /metrics: unbounded labels) */
    rejectsBySource: Counter;
    storeErrors: Counter;
    /** event re-sends below the replay window that were not stored yet */
    late: Counter;
    batches: Histogram;
  };
  /** gateway-side decisions that a message causes (a node back online): run inside the batch */
  onHeard: (ctx: DecideContext, node: RegisteredNode, at: number, cameBack: boolean) => Decision;
}

/** A gateway-side decision (operator action, supervision trouble) run inside the next batch. */
export interface Job {
  decide: (ctx: DecideContext) => Decision & {
    commands?: {
      node: RegisteredNode;
      boot: number;
      kind: 'hush' | 'test' | 'silence' | 'set_config';
      d: Record<string, unknown>;
    }[];
  };
  done: (events: DecidedEvent[]) => void;
  fail: (err: Error) => void;
}

interface AckPlan {
  node: RegisteredNode;
  boot: number;
  seqs: number[];
}

const ACK_MAX = 32;

export class Pipeline {
  private frames: InboundFrame[] = [];
  private jobs: Job[] = [];
  private scheduled = false;
  private replay: Map<string, ReplayState>;
  private seq: number;
  private stopped = false;

  constructor(private deps: PipelineDeps) {
    this.replay = deps.log.loadReplay();
    this.seq = deps.log.lastSeq();
  }

  /** The handler ingest calls; never throws. */
  onFrame = (frame: InboundFrame): void => {
    if (this.stopped) return;
    this.frames.push(frame);
    this.schedule();
  };

  submit(job: Job): void {
    if (this.stopped) {
      job.fail(new Error('网关正在停止 / the gateway is stopping'));
      return;
    }
    this.jobs.push(job);
    this.schedule();
  }

  /** Finishes the batch in progress, then refuses new frames. */
  stop(): void {
    this.flush();
    this.stopped = true;
  }

  /** The node's current boot as far as the replay window knows. */
  bootOf(node: string): number | undefined {
    return this.replay.get(node)?.boot;
  }

  lastSeq(): number {
    return this.seq;
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  private reject(reason: RejectReason, frame: InboundFrame, node: string | undefined, detail: string): void {
    this.deps.counters.rejects.inc({ reason });
    this.deps.counters.rejectsBySource.inc({ source: node ?? frame.via });
    // One line per reject at debug: a flood of bad frames must not flood the log at info.
    this.deps.logger.debug({ reason, node, path: frame.path, via: frame.via, detail }, 'frame rejected');
  }

  flush(): void {
    this.scheduled = false;
    if (this.stopped) return;
    const frames = this.frames;
    const jobs = this.jobs;
    if (frames.length === 0 && jobs.length === 0) return;
    this.frames = [];
    this.jobs = [];
    const d = this.deps;
    const seqBefore = this.seq;
    const overlay = new Map<string, ReplayState>();
    const events: DecidedEvent[] = [];
    const acks = new Map<string, AckPlan>();
    const lateSeen = new Set<string>();
    const jobEvents: (DecidedEvent[] | undefined)[] = [];
    const commands: { node: RegisteredNode; wire: () => string }[] = [];
    const ctx: DecideContext = { gw: d.gw, park: d.park, nextSeq: () => ++this.seq, condition: (s) => d.book.get(s) };
    const take = (decision: Decision): DecidedEvent[] => {
      for (const [slot, c] of decision.staged) d.book.stage(slot, c);
      for (const e of decision.events) {
        events.push(e);
        d.nodeStates.fromEvent(e);
      }
      return decision.events;
    };
    const planAck = (node: RegisteredNode, boot: number, seq: number): void => {
      const key = `${node.id}/${boot}`;
      const plan = acks.get(key) ?? { node, boot, seqs: [] };
      plan.seqs.push(seq);
      acks.set(key, plan);
    };

    for (const frame of frames) {
      const verdict = verifyFrame(frame, {
        node: (id) => d.registry.get(id),
        replay: (id) => overlay.get(id) ?? this.replay.get(id) ?? emptyReplayState(),
      });
      if (!verdict.ok) {
        this.reject(verdict.reason, frame, verdict.node, verdict.detail);
        // A duplicate is a re-send whose acknowledgement was lost: acknowledge again, store nothing.
        if (
          verdict.reason === 'duplicate' &&
          verdict.message &&
          verdict.registered &&
          isEventKind(verdict.message.kind)
        )
          planAck(verdict.registered, verdict.message.boot, verdict.message.seq);
        continue;
      }
      const { message, node } = verdict;
      if (verdict.late) {
        const key = `${node.id}/${message.boot}/${message.seq}`;
        if (lateSeen.has(key) || d.log.hasOrigin(node.id, message.boot, message.seq)) {
          this.reject(
            'duplicate',
            frame,
            node.id,
            `late re-send of boot ${message.boot} seq ${message.seq}, already stored`,
          );
          planAck(node, message.boot, message.seq);
          continue;
        }
        // Below the window, so the window does not change; the log lookup above keeps it single.
        lateSeen.add(key);
        d.counters.late.inc();
      } else
        overlay.set(
          node.id,
          acceptReplay(
            overlay.get(node.id) ?? this.replay.get(node.id) ?? emptyReplayState(),
            message.boot,
            message.seq,
          ),
        );
      d.counters.ingest.inc({ path: frame.path, kind: message.kind });
      const ivl = message.kind === 'heartbeat' ? message.d.ivl : undefined;
      const cameBack = d.supervisor.heard(node.id, frame.receivedAt, ivl);
      d.nodeStates.fromMessage(node, message, frame.receivedAt);
      if (cameBack) take(d.onHeard(ctx, node, frame.receivedAt, true));
      take(decideNodeMessage(ctx, message, node, frame.path, frame.receivedAt));
      if (isEventKind(message.kind)) planAck(node, message.boot, message.seq);
    }
    for (const job of jobs) {
      try {
        const decision = job.decide(ctx);
        jobEvents.push(take(decision));
        for (const c of decision.commands ?? [])
          commands.push({
            node: c.node,
            wire: () => d.sealer.seal(c.node.keyHex, { node: c.node.id, boot: c.boot, kind: c.kind, d: c.d } as never),
          });
      } catch (err) {
        jobEvents.push(undefined);
        job.fail(err as Error);
      }
    }
    for (const plan of acks.values())
      for (let i = 0; i < plan.seqs.length; i += ACK_MAX) {
        const seqs = plan.seqs.slice(i, i + ACK_MAX);
        commands.push({
          node: plan.node,
          wire: () =>
            d.sealer.seal(plan.node.keyHex, { node: plan.node.id, boot: plan.boot, kind: 'event_ack', d: { seqs } }),
        });
      }

    try {
      d.log.commit(
        { events, replay: overlay, commandSeq: commands.length > 0 ? d.sealer.last + commands.length : 0 },
        () => d.book.persist(),
      );
    } catch (err) {
      d.book.rollback();
      this.seq = seqBefore;
      d.counters.storeErrors.inc();
      d.logger.error(
        { err: (err as Error).message, frames: frames.length, events: events.length },
        '存储失败，未确认，节点将重发 / store failed: nothing acknowledged, nodes will re-send',
      );
      jobs.forEach((job, i) => {
        if (jobEvents[i]) job.fail(err as Error);
      });
      return;
    }
    d.book.commit();
    for (const [node, r] of overlay) this.replay.set(node, r);
    d.counters.batches.observe(frames.length + jobs.length);
    for (const c of commands) d.send(c.node.id, c.wire());
    if (events.length > 0) d.bus.emit('committed', events);
    for (const s of d.nodeStates.changed()) d.bus.emit('nodeState', s);
    jobs.forEach((job, i) => {
      const done = jobEvents[i];
      if (done) job.done(done);
    });
  }
}
