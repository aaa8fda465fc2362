import { type OperatorAction, OperatorActionError } from '../../../gateway/decide/operator-action.ts';
import { CENTRE_DISABLED } from '../../../gateway/gbt26875/link-watch.ts';
import type { Incident } from '../../../gateway/incidents/incident.ts';
import { PacketExportError } from '../../../gateway/incidents/packet-export.ts';
import type {
  ActiveCondition,
  GatewayHealth,
  HistoryPage,
  HistoryQuery,
  PanelBackend,
  Reading,
  RefusalCounts,
} from '../../../gateway/panel/backend.ts';
import type { DecidedEvent, NodeState, Placement } from '../../../gateway/wire/events.ts';

const READING_KINDS: string[] = ['telemetry', 'prealarm', 'alarm', 'clear'];

/**
 * An in-memory PanelBackend for the panel's unit tests: keeps a log of decided events and
 * a tiny alarm book, enough to drive every panel route. The browser test uses the real gateway.
 */
export class MemoryBackend implements PanelBackend {
  events: DecidedEvent[] = [];
  conditions = new Map<string, ActiveCondition>();
  nodeStates = new Map<string, NodeState>();
  refusalCounts: RefusalCounts = { byReason: { bad_signature: 2 }, bySource: { n9: 2 } };
  actions: OperatorAction[] = [];
  gatewayHealth: GatewayHealth = { cloud: 'connected', outboxDepth: 0, centre: CENTRE_DISABLED };
  private listeners = new Set<(e: DecidedEvent) => void>();
  private seq = 0;

  /** set by a test that exercises drills (a real DrillBook on a SQLite file) */
  drills?: PanelBackend['drills'];

  constructor(private now: () => number = Date.now) {}

  addNode(node: string, placement: Placement, online = true, state: Partial<NodeState> = {}): void {
    this.nodeStates.set(node, {
      node,
      online,
      lastSeen: this.now(),
      placement,
      fw: '1.0.0',
      battery: 3300,
      rssi: -60,
      mem: 1200,
      channels: { smoke: 'normal' },
      troubles: [],
      ...state,
    });
  }

  /** Decides an event as the gateway would: appends it, updates conditions, tells subscribers. */
  emit(
    partial: Pick<DecidedEvent, 'kind' | 'priority' | 'node' | 'ch' | 'data'> & Partial<DecidedEvent>,
  ): DecidedEvent {
    const seq = ++this.seq;
    const at = partial.at ?? this.now();
    const node = partial.node ? this.nodeStates.get(partial.node) : undefined;
    const event: DecidedEvent = {
      id: `gw1:${seq}`,
      seq,
      gw: 'gw1',
      park: 'park1',
      at,
      receivedAt: at,
      placement: node?.placement ?? null,
      ...partial,
    };
    if (event.kind === 'alarm' || event.kind === 'prealarm' || event.kind === 'trouble') {
      const ref = `${event.node}/${event.ch}/${event.kind === 'trouble' ? event.trouble : 'alarm'}`;
      event.alarm = { state: 'active', since: at, ref };
      this.conditions.set(ref, {
        ref,
        node: event.node,
        ch: event.ch,
        kind: event.kind,
        priority: event.priority,
        state: 'active',
        since: at,
        trouble: event.trouble,
        placement: event.placement,
        latched: event.kind === 'alarm',
        last: event,
        notes: this.conditions.get(ref)?.notes ?? [],
      });
    }
    this.events.push(event);
    for (const l of this.listeners) l(event);
    return event;
  }

  subscribe(listener: (event: DecidedEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  eventsAfter(afterSeq: number, limit: number): DecidedEvent[] {
    return this.events.filter((e) => e.seq > afterSeq).slice(0, limit);
  }

  activeConditions(): ActiveCondition[] {
    return [...this.conditions.values()];
  }

  nodes(): NodeState[] {
    return [...this.nodeStates.values()];
  }

  node(id: string): NodeState | undefined {
    return this.nodeStates.get(id);
  }

  history(q: HistoryQuery): HistoryPage {
    const matching = this.events
      .filter(
        (e) =>
          (!q.enterprise || e.placement?.enterprise === q.enterprise) &&
          (!q.zone || e.placement?.zone === q.zone) &&
          (!q.node || e.node === q.node) &&
          (!q.kinds || q.kinds.includes(e.kind)) &&
          (q.from === undefined || e.at >= q.from) &&
          (q.to === undefined || e.at < q.to) &&
          (q.before === undefined || e.seq < q.before),
      )
      .reverse();
    const events = matching.slice(0, q.limit);
    return matching.length > q.limit ? { events, next: events[events.length - 1].seq } : { events };
  }

  readings(node: string, options: { ch?: string; since: number; limit: number }): Reading[] {
    return this.events
      .filter((e) => e.node === node && READING_KINDS.includes(e.kind) && e.at >= options.since)
      .filter((e) => !options.ch || e.ch === options.ch)
      .slice(0, options.limit)
      .map((e) => ({
        at: e.at,
        ch: e.ch,
        v: Number(e.data.v),
        b: typeof e.data.b === 'number' ? e.data.b : undefined,
        kind: e.kind as Reading['kind'],
        th: typeof e.data.th === 'number' ? e.data.th : undefined,
      }));
  }

  async act(action: OperatorAction): Promise<DecidedEvent> {
    this.actions.push(action);
    if (action.action === 'note') {
      const target = this.events.find((e) => e.id === action.event);
      if (!target)
        throw new OperatorActionError('unknown_event', `没有事件 ${action.event} / no event ${action.event}`);
      const alarmRef = target.alarm?.ref;
      const note = this.emit({
        kind: 'note',
        priority: 'info',
        node: target.node,
        ch: target.ch,
        data: { by: action.by, ref: action.event, note: action.note, ...(alarmRef ? { alarmRef } : {}) },
      });
      if (alarmRef) this.conditions.get(alarmRef)?.notes.push({ at: note.at, by: action.by, note: action.note });
      return note;
    }
    if (action.action === 'test') {
      if (!this.nodeStates.has(action.node)) {
        throw new OperatorActionError('unknown_node', `没有节点 ${action.node} / no node ${action.node}`);
      }
      return this.emit({ kind: 'test_request', priority: 'info', node: action.node, ch: '', data: { by: action.by } });
    }
    if (action.action === 'close') throw new OperatorActionError('unknown_incident', `没有事件档案 / no incident`);
    const c = this.conditions.get(action.ref);
    if (!c) throw new OperatorActionError('unknown_ref', `没有报警 ${action.ref} / no alarm ${action.ref}`);
    const kind = action.action === 'acknowledge' ? 'acknowledge' : action.action === 'silence' ? 'silence' : 'reset';
    if (kind === 'acknowledge') {
      c.state = 'acknowledged';
      c.acknowledgedBy = action.by;
    }
    if (kind === 'reset') this.conditions.delete(action.ref);
    const event = this.emit({
      kind,
      priority: c.priority,
      node: c.node,
      ch: c.ch,
      data: { by: action.by, ref: action.ref },
      alarm: { state: kind === 'reset' ? 'closed' : c.state, since: c.since, by: action.by, ref: action.ref },
    });
    c.last = event;
    return event;
  }

  refusals(): RefusalCounts {
    return this.refusalCounts;
  }

  identity(): { gw: string; park: string } {
    return { gw: 'gw1', park: 'park1' };
  }

  health(): GatewayHealth {
    return this.gatewayHealth;
  }

  // incident files live in the gateway's database (tests/panel/browser-incidents.test.ts)
  incidents(): Incident[] {
    return [];
  }

  incident(): undefined {
    return undefined;
  }

  incidentPacket(): Promise<never> {
    return Promise.reject(new PacketExportError('unknown_incident', 'no incidents in the memory backend'));
  }
}
