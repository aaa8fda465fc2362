import { DecidedEvent, type Placement } from '../../../gateway/wire/events.ts';

/** Decided events as the gateway publishes them, checked against the contract's zod schema. */

let lastSeq = 1000;

export function placement(enterprise: string): Placement {
  return { enterprise, site: '一号厂区 / Site 1', zone: 'A 区 / Zone A', location: '总装车间 / Assembly hall' };
}

export function decided(fields: Partial<DecidedEvent> & Pick<DecidedEvent, 'kind' | 'priority'>): DecidedEvent {
  const seq = ++lastSeq;
  const gw = fields.gw ?? 'gw1';
  const now = Date.now();
  return DecidedEvent.parse({
    id: `${gw}:${seq}`,
    seq,
    gw,
    park: 'park1',
    at: now,
    receivedAt: now,
    node: 'n1',
    ch: 'smoke',
    placement: placement('ent-a'),
    data: {},
    ...fields,
  });
}

/** A fire or water alarm on one node channel. */
export function alarmEvent(enterprise: string, node: string, ch: string, priority: 'fire' | 'water'): DecidedEvent {
  const event = decided({
    kind: 'alarm',
    priority,
    node,
    ch,
    placement: placement(enterprise),
    data: { v: 420, b: 20, th: 300, src: priority === 'fire' ? 'smoke' : 'water' },
  });
  return { ...event, alarm: { state: 'active', since: event.at, ref: event.id } };
}

/** An operator's acknowledge of `alarm`. */
export function acknowledgeEvent(alarm: DecidedEvent, by: string): DecidedEvent {
  return decided({
    kind: 'acknowledge',
    priority: 'info',
    node: alarm.node,
    ch: alarm.ch,
    placement: alarm.placement,
    data: { by, ref: alarm.id },
    alarm: { state: 'acknowledged', since: Date.now(), by, ref: alarm.id },
  });
}

/** The node reporting that `alarm`'s channel is back to normal. */
export function clearEvent(alarm: DecidedEvent): DecidedEvent {
  return decided({
    kind: 'clear',
    priority: alarm.priority,
    node: alarm.node,
    ch: alarm.ch,
    placement: alarm.placement,
    data: { v: 15 },
    alarm: { state: 'cleared', since: Date.now(), ref: alarm.id },
  });
}
