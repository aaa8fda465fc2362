import type { TroubleCode } from '../../protocol/kinds.ts';
import type { RegisteredNode } from '../store/registry.ts';
import type { DecidedEvent, NodeState } from '../wire/events.ts';
import type { NodeMessage } from '../wire/schemas.ts';
import { placementOf } from './decide.ts';

/**
 * The retained per-node state (NodeState in wire/events.ts), kept in memory and rebuilt from
 * messages after a restart. `changed()` returns the states touched since the last call, so a
 * batch publishes each node's state once.
 */
export class NodeStates {
  private states = new Map<string, NodeState>();
  private dirty = new Set<string>();

  ensure(node: RegisteredNode): NodeState {
    let s = this.states.get(node.id);
    if (!s) {
      s = {
        node: node.id,
        online: true,
        lastSeen: null,
        placement: placementOf(node),
        fw: null,
        battery: null,
        rssi: null,
        mem: null,
        channels: Object.fromEntries(node.channels.map((c) => [c, 'normal'])),
        troubles: [],
      };
      this.states.set(node.id, s);
    }
    return s;
  }

  fromMessage(node: RegisteredNode, m: NodeMessage, at: number): void {
    const s = this.ensure(node);
    s.lastSeen = at;
    s.online = true;
    switch (m.kind) {
      case 'heartbeat':
        s.battery = m.d.bat;
        s.rssi = m.d.rssi;
        s.mem = m.d.mem;
        // a latched alarm whose input is back to normal: it waits for a reset
        for (const c of m.d.lat ?? []) s.channels[c] = 'latched';
        break;
      case 'hello':
        s.fw = m.d.fw;
        for (const c of m.d.chs) if (!(c in s.channels)) s.channels[c] = 'normal';
        break;
      case 'telemetry':
        if (m.ch) s.channels[m.ch] = m.d.st;
        break;
      case 'prealarm':
      case 'alarm':
      case 'test':
        if (m.ch) s.channels[m.ch] = m.kind;
        break;
      case 'hush':
        if (m.ch) s.channels[m.ch] = 'hushed';
        break;
      case 'clear':
        if (m.ch) s.channels[m.ch] = 'normal';
        break;
      default:
        break;
    }
    this.dirty.add(node.id);
  }

  /** Troubles come from decided events (node- and gateway-raised alike). */
  fromEvent(e: DecidedEvent): void {
    if (!e.node || !e.trouble) return;
    const s = this.states.get(e.node);
    if (!s) return;
    const code = e.trouble as TroubleCode;
    if (e.kind === 'trouble' && !s.troubles.includes(code)) s.troubles.push(code);
    if (e.kind === 'trouble_clear') s.troubles = s.troubles.filter((t) => t !== code);
    if (code === 'offline') s.online = e.kind !== 'trouble';
    this.dirty.add(e.node);
  }

  get(node: string): NodeState | undefined {
    return this.states.get(node);
  }

  all(): NodeState[] {
    return [...this.states.values()];
  }

  remove(node: string): void {
    this.states.delete(node);
  }

  changed(): NodeState[] {
    const out = [...this.dirty].map((n) => this.states.get(n)).filter((s): s is NodeState => s !== undefined);
    this.dirty.clear();
    return out;
  }
}
