import type { NodeState } from '../wire/events.ts';
import type { ActiveCondition } from './backend.ts';

/** The order the panel lists conditions in: fire, water, trouble; unacknowledged first; oldest first. */
const PRIORITY_RANK: Record<string, number> = { fire: 0, water: 1, trouble: 2, info: 3, telemetry: 4 };
const STATE_RANK: Record<string, number> = { active: 0, cleared: 1, acknowledged: 2, closed: 3 };
const KIND_RANK: Record<string, number> = { alarm: 0, prealarm: 1, trouble: 2 };

export function byUrgency(a: ActiveCondition, b: ActiveCondition): number {
  return (
    PRIORITY_RANK[a.priority] - PRIORITY_RANK[b.priority] ||
    KIND_RANK[a.kind] - KIND_RANK[b.kind] ||
    STATE_RANK[a.state] - STATE_RANK[b.state] ||
    a.since - b.since
  );
}

export interface Counts {
  alarms: number;
  unacknowledged: number;
  troubles: number;
  offline: number;
  nodes: number;
}

export function countsOf(conditions: ActiveCondition[], nodes: NodeState[]): Counts {
  const alarms = conditions.filter((c) => c.kind !== 'trouble');
  return {
    alarms: alarms.length,
    unacknowledged: conditions.filter((c) => c.state === 'active').length,
    troubles: conditions.length - alarms.length,
    offline: nodes.filter((n) => !n.online).length,
    nodes: nodes.length,
  };
}
