import type { Logger } from 'pino';
import { isEventKind } from '../../protocol/kinds.ts';
import { acceptReplay, emptyReplayState, type ReplayState } from '../../protocol/replay.ts';
import type { Bus } from '../bus.ts';
import type { AlarmBook } from '../decide/alarm-book.ts';
import { type DecideContext, type Decision, decideNodeMessage } from '../decide/decide.ts';
import type { NodeStates } from '../decide/node-states.ts';
import type { InboundFrame, NodeSender } from '../ingest/inbound.ts';
import type { Counter, Histogram } from '../metrics.ts';
import type { EventLog, StoredBatch } from '../store/event-log.ts';
import type { NodeRegistry, RegisteredNode } from '../store/registry.ts';
import type { Supervisor } from '../supervision/supervisor.ts';
import type { DecidedEvent } from '../wire/events.ts';
import type { CommandSealer, UnsealedCommand } from './command-sealer.ts';
import { NodeRateLimiter } from './rate-limit.ts';
import { type RejectReason, verifyFrame } from './verifier.ts';

/**
 * ingest -> verify -> decide -> store -> acknowledge. Frames are handled in batches: decided
 * in order, committed in ONE transaction by the store thread, and only then acknowledged to
 * their nodes and announced on the bus. While a batch commits (its fsync), the event loop
 * goes on receiving: what arrives meanwhile is the next batch, formed the moment the store
 * answers (group commit, one batch in flight, so each batch is decided against a committed
 * state). If the commit fails (disk full, database gone) nothing of the batch is
 * acknowledged, so the nodes send it again.
 */
export interface PipelineDeps {
  gw: string;
  park: string;
  registry: NodeRegistry;
  log: EventLog;
  /** commits a batch in one transaction (the store thread); resolves once it is durable */
  commit: (batch: StoredBatch) => Promise<void>;
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
  /** what a silent node's return decides (clearing its offline trouble): run inside the batch */
  onCameBack: (ctx: DecideContext, node: RegisteredNode, at: number) => Decision;
  /** per-node limit on periodic messages (default: rate-limit.ts DEFAULT_RATE_LIMIT) */
  limiter?: NodeRateLimiter;
  /** the drill covering a place, if any: its events are marked before they are stored */
  drillOf?: (placement: DecidedEvent['placement']) => DecidedEvent['drill'];
}

/** A gateway-side decision (operator action, supervision trouble) run inside the next batch. */
export interface Job {
  /** may throw to refuse (e.g. OperatorActionError); nothing of a refused job is kept */
  decide: (ctx: DecideContext) => Decision & { commands?: { node: RegisteredNode; command: UnsealedCommand }[] };
  done: (events: DecidedEvent[]) => void;
  fail: (err: Error) => void;
}

const ACK_MAX = 32;

/** What one batch collects before its commit. */
class Batch {
  readonly overlay = new Map<string, ReplayState>();
  readonly events: DecidedEvent[] = [];
  /** node/boot -> node sequences to acknowledge */
  readonly acks = new Map<string, { node: RegisteredNode; boot: number; seqs: number[] }>();
  /** node events taken in this batch (node/boot/seq): a late re-send of one is not in the log yet */
  readonly taken = new Set<string>();
  readonly commands: { node: RegisteredNode; command: UnsealedCommand }[] = [];
  /** per job: its events, or undefined when it was refused */
  readonly jobEvents: (DecidedEvent[] | undefined)[] = [];
  readonly jobs: Job[] = [];

  planAck(node: RegisteredNode, boot: number, seq: number): void {
    const key = `${node.id}/${boot}`;
    const plan = this.acks.get(key) ?? { node, boot, seqs: [] };
    plan.seqs.push(seq);
    this.acks.set(key, plan);
  }

  /** event_ack commands, at most ACK_MAX sequences each */
  ackCommands(): { node: RegisteredNode; command: UnsealedCommand }[] {
    const out: { node: RegisteredNode; command: UnsealedCommand }[] = [];
    for (const { node, boot, seqs } of this.acks.values())
      for (let i = 0; i < seqs.length; i += ACK_MAX)
        out.push({
          node,
          command: { node: node.id, boot, kind: 'event_ack', d: { seqs: seqs.slice(i, i + ACK_MAX) } },
        });
    return out;
  }
}

export class Pipeline {
  private frames: InboundFrame[] = [];
  private jobs: Job[] = [];
  private scheduled = false;
  private replay: Map<string, ReplayState>;
  private seq: number;
  private stopped = false;
  private limiter: NodeRateLimiter;
  /** node -> the refused boot it was last warned about */
  private advised = new Map<string, number>();
  /** the batch the store thread is committing, if any */
  private committing: Promise<void> | undefined;

  constructor(private deps: PipelineDeps) {
    this.replay = deps.log.loadReplay();
    this.seq = deps.log.lastSeq();
    this.limiter = deps.limiter ?? new NodeRateLimiter();
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

  /** Commits what arrived (and the batch in flight), then refuses new frames. */
  async stop(): Promise<void> {
    await this.idle();
    this.stopped = true;
  }

  /** Resolves when nothing is waiting or committing (what arrived so far is stored). */
  async idle(): Promise<void> {
    for (;;) {
      this.flush();
      if (!this.committing) return;
      await this.committing;
    }
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

  private reject(
    reason: RejectReason | 'rate_limited',
    frame: InboundFrame,
    node: string | undefined,
    detail: string,
  ): void {
    this.deps.counters.rejects.inc({ reason });
    this.deps.counters.rejectsBySource.inc({ source: node ?? frame.via });
    // One line per reject at debug: a flood of bad frames must not flood the log at info.
    this.deps.logger.debug({ reason, node, path: frame.path, via: frame.via, detail }, 'frame rejected');
  }

  /** One warning per node and boot: a refused node keeps sending, the log must not fill with it. */
  private advise(node: string, boot: number, advice: string): void {
    if (this.advised.get(node) === boot) return;
    this.advised.set(node, boot);
    this.deps.logger.warn({ node, boot }, advice);
  }

  private context(): DecideContext {
    const d = this.deps;
    return { gw: d.gw, park: d.park, nextSeq: () => ++this.seq, condition: (s) => d.book.get(s) };
  }

  private take(batch: Batch, decision: Decision): DecidedEvent[] {
    for (const [slot, c] of decision.staged) this.deps.book.stage(slot, c);
    for (const e of decision.events) {
      const drill = this.deps.drillOf?.(e.placement);
      if (drill) e.drill = drill;
      batch.events.push(e);
      this.deps.nodeStates.fromEvent(e);
    }
    return decision.events;
  }

  private replayOf(batch: Batch, node: string): ReplayState {
    return batch.overlay.get(node) ?? this.replay.get(node) ?? emptyReplayState();
  }

  /** Verifies and decides one frame into the batch. */
  private handleFrame(batch: Batch, frame: InboundFrame, ctx: DecideContext): void {
    const d = this.deps;
    const verdict = verifyFrame(frame, { node: (id) => d.registry.get(id), replay: (id) => this.replayOf(batch, id) });
    if (!verdict.ok) {
      this.reject(verdict.reason, frame, verdict.node, verdict.detail);
      if (verdict.advice) this.advise(verdict.node ?? frame.via, verdict.message?.boot ?? 0, verdict.advice);
      // A duplicate is a re-send whose acknowledgement was lost: acknowledge again, store nothing.
      const { message, registered } = verdict;
      if (verdict.reason === 'duplicate' && message && registered && isEventKind(message.kind))
        batch.planAck(registered, message.boot, message.seq);
      return;
    }
    const { message, node } = verdict;
    const key = `${node.id}/${message.boot}/${message.seq}`;
    if (verdict.late) {
      if (batch.taken.has(key) || d.log.hasOrigin(node.id, message.boot, message.seq)) {
        this.reject('duplicate', frame, node.id, `late re-send of boot ${message.boot} seq ${message.seq}, stored`);
        batch.planAck(node, message.boot, message.seq);
        return;
      }
      // Below the window, so the window does not change; the lookups above keep it single.
      d.counters.late.inc();
    } else batch.overlay.set(node.id, acceptReplay(this.replayOf(batch, node.id), message.boot, message.seq));
    if (isEventKind(message.kind)) batch.taken.add(key);
    const rate = this.limiter.allow(node.id, message.kind, frame.receivedAt);
    if (!rate.ok) {
      // Its seq stays marked in the replay window (it was genuine), but nothing is stored or sent on.
      this.reject('rate_limited', frame, node.id, `${message.kind} over the node's rate limit`);
      if (rate.log)
        d.logger.warn(
          { node: node.id, kind: message.kind, refusedSinceLastLine: rate.refusedSinceLog },
          '节点发送过快，周期消息被限速 / node over its rate limit: periodic messages refused',
        );
      return;
    }
    d.counters.ingest.inc({ path: frame.path, kind: message.kind });
    const ivl = message.kind === 'heartbeat' ? message.d.ivl : undefined;
    const cameBack = d.supervisor.heard(node.id, ivl);
    d.nodeStates.fromMessage(node, message, frame.receivedAt);
    if (cameBack) this.take(batch, d.onCameBack(ctx, node, frame.receivedAt));
    this.take(batch, decideNodeMessage(ctx, message, node, frame.path, frame.receivedAt));
    if (isEventKind(message.kind)) batch.planAck(node, message.boot, message.seq);
  }

  /** Runs one job into the batch; a refused job leaves no trace (not even a used seq). */
  private handleJob(batch: Batch, job: Job, ctx: DecideContext): void {
    const seqBefore = this.seq;
    batch.jobs.push(job);
    try {
      const decision = job.decide(ctx);
      batch.jobEvents.push(this.take(batch, decision));
      batch.commands.push(...(decision.commands ?? []));
    } catch (err) {
      this.seq = seqBefore;
      batch.jobEvents.push(undefined);
      job.fail(err as Error);
    }
  }

  /** Forms and commits the next batch, unless one is committing (then it follows that one). */
  flush(): void {
    this.scheduled = false;
    if (this.stopped || this.committing) return;
    const frames = this.frames;
    const jobs = this.jobs;
    if (frames.length === 0 && jobs.length === 0) return;
    this.frames = [];
    this.jobs = [];
    const d = this.deps;
    const seqBefore = this.seq;
    const batch = new Batch();
    const ctx = this.context();
    for (const frame of frames) this.handleFrame(batch, frame, ctx);
    for (const job of jobs) this.handleJob(batch, job, ctx);
    const commands = [...batch.commands, ...batch.ackCommands()];
    // The command seqs this batch will use are persisted with it, so they never repeat.
    const stored: StoredBatch = {
      rows: d.log.rowsOf(batch.events),
      replay: [...batch.overlay],
      commandSeq: commands.length > 0 ? d.sealer.last + commands.length : 0,
      conditions: d.book.changes(),
    };
    const done = d.commit(stored).then(
      () => this.committed(batch, commands, frames.length + jobs.length),
      (err: Error) => this.failed(batch, jobs, seqBefore, err, frames.length),
    );
    this.committing = done.finally(() => {
      this.committing = undefined;
      // What arrived during the commit is the next batch, formed now rather than a tick later.
      this.flush();
    });
  }

  private failed(batch: Batch, jobs: Job[], seqBefore: number, err: Error, frames: number): void {
    const d = this.deps;
    d.book.rollback();
    this.seq = seqBefore;
    d.counters.storeErrors.inc();
    d.logger.error(
      { err: err.message, frames, events: batch.events.length },
      '存储失败，未确认，节点将重发 / store failed: nothing acknowledged, nodes will re-send',
    );
    jobs.forEach((job, i) => {
      if (batch.jobEvents[i]) job.fail(err);
    });
  }

  private committed(batch: Batch, commands: { node: RegisteredNode; command: UnsealedCommand }[], size: number): void {
    const d = this.deps;
    d.book.commit();
    for (const [node, r] of batch.overlay) this.replay.set(node, r);
    d.counters.batches.observe(size);
    // Events first (an urgent one is pumped to the cloud within this call), then the acks.
    if (batch.events.length > 0) d.bus.emit('committed', batch.events);
    for (const c of commands) d.send(c.node.id, d.sealer.seal(c.node.keyHex, c.command));
    for (const s of d.nodeStates.changed()) d.bus.emit('nodeState', s);
    batch.jobEvents.forEach((events, i) => {
      if (events) batch.jobs[i].done(events);
    });
  }
}
