import type { Bus } from './bus.ts';
import type { AlarmBook } from './decide/alarm-book.ts';
import type { Condition } from './decide/conditions.ts';
import { placementOf } from './decide/decide.ts';
import type { NodeStates } from './decide/node-states.ts';
import type { OperatorDesk } from './decide/operator-desk.ts';
import type { Counter } from './metrics.ts';
import {
  type ActiveCondition,
  type HistoryPage,
  type HistoryQuery,
  OperatorAction,
  type PanelBackend,
  type Reading,
  type RefusalCounts,
} from './panel/backend.ts';
import type { EventLog } from './store/event-log.ts';
import type { NodeRegistry } from './store/registry.ts';
import type { DecidedEvent, NodeState } from './wire/events.ts';

/** The gateway's implementation of the panel's PanelBackend (gateway/panel/backend.ts). */
export interface PanelBridgeDeps {
  gw: string;
  park: string;
  bus: Bus;
  log: EventLog;
  book: AlarmBook;
  registry: NodeRegistry;
  nodeStates: NodeStates;
  desk: OperatorDesk;
  rejects: Counter;
  rejectsBySource: Counter;
}

/** `{reason="x"}` -> x */
function labelValue(text: string): string {
  const m = /="(.*)"\}$/.exec(text);
  return m ? m[1] : text;
}

export class PanelBridge implements PanelBackend {
  /** latest event of each open condition, by ref */
  private lastByRef = new Map<string, DecidedEvent>();

  constructor(private deps: PanelBridgeDeps) {
    deps.bus.on('committed', (events) => {
      for (const e of events) if (e.alarm) this.lastByRef.set(e.alarm.ref, e);
    });
  }

  subscribe(listener: (event: DecidedEvent) => void): () => void {
    return this.deps.bus.on('committed', (events) => {
      for (const e of events) listener(e);
    });
  }

  eventsAfter(afterSeq: number, limit: number): DecidedEvent[] {
    return this.deps.log.after(afterSeq, limit);
  }

  private lastOf(c: Condition): DecidedEvent | undefined {
    const cached = this.lastByRef.get(c.ref);
    if (cached) return cached;
    const e = this.deps.log.lastOfCondition(c.node, c.ref);
    if (!e) return undefined;
    this.lastByRef.set(c.ref, e);
    return e;
  }

  activeConditions(): ActiveCondition[] {
    const out: ActiveCondition[] = [];
    for (const c of this.deps.book.open()) {
      const last = this.lastOf(c);
      if (!last) continue;
      out.push({
        ref: c.ref,
        node: c.node,
        ch: c.ch,
        kind: c.kind,
        priority: c.priority,
        state: c.state,
        since: c.opened,
        trouble: c.trouble,
        placement: placementOf(c.node ? this.deps.registry.get(c.node) : undefined),
        acknowledgedBy: c.acknowledgedBy,
        latched: false,
        hushedUntil: c.hushedUntil,
        last,
      });
    }
    return out;
  }

  nodes(): NodeState[] {
    return this.deps.registry.list().map((n) => this.deps.nodeStates.ensure(n));
  }

  node(id: string): NodeState | undefined {
    const n = this.deps.registry.get(id);
    return n ? this.deps.nodeStates.ensure(n) : undefined;
  }

  history(query: HistoryQuery): HistoryPage {
    const events = this.deps.log.history({ ...query, limit: query.limit + 1 });
    if (events.length <= query.limit) return { events };
    const page = events.slice(0, query.limit);
    return { events: page, next: page[page.length - 1].seq };
  }

  readings(node: string, options: { ch?: string; since: number; limit: number }): Reading[] {
    const out: Reading[] = [];
    for (const e of this.deps.log.withReadings(node, options.since, options.limit * 4)) {
      if (options.ch !== undefined && e.ch !== options.ch) continue;
      const v = e.data.v;
      if (typeof v !== 'number') continue;
      out.push({ at: e.at, ch: e.ch, v, b: typeof e.data.b === 'number' ? e.data.b : undefined });
      if (out.length >= options.limit) break;
    }
    return out;
  }

  act(action: OperatorAction): Promise<DecidedEvent> {
    return this.deps.desk.act(OperatorAction.parse(action));
  }

  refusals(): RefusalCounts {
    const byReason: Record<string, number> = {};
    for (const [l, v] of this.deps.rejects.entries()) byReason[labelValue(l)] = v;
    const bySource: Record<string, number> = {};
    for (const [l, v] of this.deps.rejectsBySource.entries()) bySource[labelValue(l)] = v;
    return { byReason, bySource };
  }

  identity(): { gw: string; park: string } {
    return { gw: this.deps.gw, park: this.deps.park };
  }
}
