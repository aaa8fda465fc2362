import type { Logger } from 'pino';
import { eventId } from '../../protocol/message.ts';
import type { Bus } from '../bus.ts';
import type { Job } from '../pipeline/pipeline.ts';
import { alarmResponses } from '../reports/alarm-responses.ts';
import type { EventLog } from '../store/event-log.ts';
import type { DecidedEvent, Placement } from '../wire/events.ts';
import type { Hazard, HazardBook } from './hazard-book.ts';
import { causeOfTrouble, FALSE_ALARMS } from './hazard-rules.ts';

/**
 * The gateway side of hazards: opens one when a stored trouble needs a person (hazard-rules.ts)
 * or a node's false alarms repeat, marks hazards past their deadline overdue, and stores every
 * hazard change (from here or from `parkwatch hazards update` in another process) as a `hazard`
 * event with priority `trouble`, so the panel, the escalation flow (which tells the owner and
 * park security when `data.overdue`) and the cloud see it, and the chained log keeps it.
 */
export interface HazardWatchDeps {
  book: HazardBook;
  bus: Bus;
  log: EventLog;
  submit: (job: Job) => void;
  placementOf: (node: string | null) => Placement | null;
  now: () => number;
  logger: Logger;
}

export class HazardWatch {
  private stopListening: (() => void) | undefined;
  /** one logging job at a time: a slow commit must not log a version twice */
  private logging = false;

  constructor(private deps: HazardWatchDeps) {}

  start(): void {
    this.stopListening = this.deps.bus.on('committed', (events) => this.onCommitted(events));
  }

  stop(): void {
    this.stopListening?.();
  }

  /** Overdue check and logging of changes; the gateway runs it with its maintenance. */
  tick(): void {
    this.deps.book.markOverdue(this.deps.now());
    this.logChanges();
  }

  private onCommitted(events: readonly DecidedEvent[]): void {
    let opened = false;
    for (const e of events) {
      if (e.kind === 'hazard' || e.node === null || !e.placement) continue;
      if (e.kind === 'trouble') {
        const cause = causeOfTrouble(e.trouble);
        if (cause) opened = this.open(e, cause) || opened;
      } else if (e.kind === 'clear' && !e.drill && this.falseAlarmsOf(e.node, e.at) >= FALSE_ALARMS.count)
        opened = this.open(e, 'false_alarms') || opened;
    }
    if (opened) this.logChanges();
  }

  private open(e: DecidedEvent, cause: Parameters<HazardBook['open']>[0]['cause']): boolean {
    const h = this.deps.book.open({
      enterprise: e.placement?.enterprise ?? '',
      node: e.node,
      cause,
      at: e.at,
      sourceSeq: e.seq,
    });
    if (h) this.deps.logger.info({ hazard: h.id, node: h.node, cause }, '新隐患 / hazard opened');
    return h !== undefined;
  }

  private falseAlarmsOf(node: string, at: number): number {
    const from = at - FALSE_ALARMS.windowMs;
    const events = this.deps.log
      .history({
        node,
        kinds: ['alarm', 'acknowledge', 'clear', 'reset', 'note'],
        from,
        to: at + 1,
        limit: 2000,
      })
      .reverse();
    return alarmResponses(events, at).filter((a) => a.count === 'false').length;
  }

  private logChanges(): void {
    if (this.logging) return;
    const changed = this.deps.book.unlogged();
    if (changed.length === 0) return;
    this.logging = true;
    this.deps.submit({
      decide: (ctx) => ({ events: changed.map((h) => this.eventOf(ctx.gw, ctx.park, ctx.nextSeq(), h)), staged: [] }),
      done: () => {
        for (const h of changed) this.deps.book.markLogged(h.id, h.version);
        this.logging = false;
        // more may have changed meanwhile
        if (this.deps.book.unlogged(1).length > 0) this.logChanges();
      },
      fail: (err) => {
        this.logging = false;
        this.deps.logger.error({ err: err.message }, '隐患事件未存储 / hazard events not stored');
      },
    });
  }

  private eventOf(gw: string, park: string, seq: number, h: Hazard): DecidedEvent {
    const at = this.deps.now();
    const overdue = h.overdueAt !== null && h.state !== 'closed';
    return {
      id: eventId(gw, seq),
      seq,
      gw,
      park,
      kind: 'hazard',
      priority: 'trouble',
      at,
      receivedAt: at,
      node: h.node,
      ch: '',
      placement: this.deps.placementOf(h.node) ?? { enterprise: h.enterprise, site: '', zone: '', location: '' },
      data: {
        hazard: h.id,
        version: h.version,
        cause: h.cause,
        severity: h.severity,
        state: h.state,
        owner: h.enterprise,
        openedAt: h.openedAt,
        deadline: h.deadline,
        overdue,
        by: h.updatedBy,
        ...(h.note ? { note: h.note } : {}),
      },
      origin: { path: 'gateway', boot: 0, seq: 0 },
    };
  }
}
