import type { KeyObject } from 'node:crypto';
import type { Bus } from './bus.ts';
import type { AlarmBook } from './decide/alarm-book.ts';
import type { Condition } from './decide/conditions.ts';
import { placementOf } from './decide/decide.ts';
import type { NodeStates } from './decide/node-states.ts';
import { OperatorAction } from './decide/operator-action.ts';
import type { OperatorDesk } from './decide/operator-desk.ts';
import { responseFigures } from './incidents/incident.ts';
import { getIncident, incidentEvents, listIncidents } from './incidents/incident-queries.ts';
import { exportPacket } from './incidents/packet-export.ts';
import { timelineOf } from './incidents/timeline.ts';
import type { Counter } from './metrics.ts';
import type {
  ActiveCondition,
  ConditionNote,
  GatewayHealth,
  HistoryPage,
  HistoryQuery,
  IncidentDetail,
  PanelBackend,
  Reading,
  RefusalCounts,
} from './panel/backend.ts';
import type { Db } from './store/database.ts';
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
  health: () => GatewayHealth;
  drills?: PanelBackend['drills'];
  /** the main thread's read connection and the gateway key, for incident files and their packets */
  incidents: { db: Db; key: () => KeyObject; now: () => number; signHead: () => Promise<void> };
}

/** `{reason="x"}` -> x */
function labelValue(text: string): string {
  const m = /="(.*)"\}$/.exec(text);
  return m ? m[1] : text;
}

/** The condition a note event was written on (data.alarmRef, set by the operator desk). */
function noteRef(e: DecidedEvent): string | undefined {
  return e.kind === 'note' && typeof e.data.alarmRef === 'string' ? e.data.alarmRef : undefined;
}

function noteOf(e: DecidedEvent): ConditionNote {
  return { at: e.at, by: String(e.data.by ?? ''), note: String(e.data.note ?? '') };
}

export class PanelBridge implements PanelBackend {
  /** latest event of each open condition, by ref */
  private lastByRef = new Map<string, DecidedEvent>();
  /** notes written on each condition's events, by the condition's ref */
  private notesByRef = new Map<string, ConditionNote[]>();

  readonly drills: PanelBackend['drills'];

  constructor(private deps: PanelBridgeDeps) {
    this.drills = deps.drills;
    deps.bus.on('committed', (events) => {
      for (const e of events) {
        if (e.alarm) this.lastByRef.set(e.alarm.ref, e);
        const ref = noteRef(e);
        if (ref && this.notesByRef.has(ref)) this.notesByRef.get(ref)?.push(noteOf(e));
      }
    });
  }

  /** A condition's notes: read from the log the first time (after a restart), then kept up live. */
  private notesOf(c: Condition): ConditionNote[] {
    let notes = this.notesByRef.get(c.ref);
    if (!notes) {
      const logged = c.node ? this.deps.log.history({ node: c.node, kinds: ['note'], from: c.opened, limit: 200 }) : [];
      notes = logged
        .filter((e) => noteRef(e) === c.ref)
        .reverse()
        .map(noteOf);
      this.notesByRef.set(c.ref, notes);
    }
    return notes;
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
        latched: c.latched === true,
        hushedUntil: c.hushedUntil,
        last,
        notes: this.notesOf(c),
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
      out.push({
        at: e.at,
        ch: e.ch,
        v,
        b: typeof e.data.b === 'number' ? e.data.b : undefined,
        kind: e.kind as Reading['kind'],
        th: typeof e.data.th === 'number' ? e.data.th : undefined,
      });
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

  health(): GatewayHealth {
    return this.deps.health();
  }

  incidents(filter: { state?: 'open' | 'ended' | 'closed'; limit: number }) {
    return listIncidents(this.deps.incidents.db, filter);
  }

  incident(id: string): IncidentDetail | undefined {
    const { db } = this.deps.incidents;
    const incident = getIncident(db, id);
    if (!incident) return undefined;
    const events = incidentEvents(db, id).flatMap((r) => (r.event ? [{ ...r, event: r.event }] : []));
    return { incident, figures: responseFigures(incident), timeline: timelineOf(events) };
  }

  async incidentPacket(id: string) {
    const { db, key, now, signHead } = this.deps.incidents;
    await signHead();
    return exportPacket(db, id, key(), now());
  }
}
