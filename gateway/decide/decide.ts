import type { TroubleCode } from '../../protocol/kinds.ts';
import { eventId, eventTime } from '../../protocol/message.ts';
import type { RegisteredNode } from '../store/registry.ts';
import type { DecidedEvent, Placement, Priority } from '../wire/events.ts';
import type { NodeMessage } from '../wire/schemas.ts';
import { type Condition, onClear, onRaise, slotOf } from './conditions.ts';

/**
 * Turns a verified node message (or a gateway-raised trouble) into decided events and the
 * condition changes they cause. Pure: the caller passes the current conditions and a seq
 * allocator, and stores what comes back.
 */
export interface DecideContext {
  gw: string;
  park: string;
  /** next gateway sequence number */
  nextSeq: () => number;
  condition: (slot: string) => Condition | undefined;
}

export interface Decision {
  events: DecidedEvent[];
  staged: [slot: string, condition: Condition][];
}

export function placementOf(node: RegisteredNode | undefined): Placement | null {
  if (!node) return null;
  return { enterprise: node.enterprise, site: node.site, zone: node.zone, location: node.location };
}

function alarmPriority(message: NodeMessage, current: Condition | undefined): Priority {
  if (message.kind === 'alarm') return message.d.src === 'water' ? 'water' : 'fire';
  if (current && current.kind !== 'trouble') return current.priority;
  return /water|leak|flood/i.test(message.ch) ? 'water' : 'fire';
}

function alarmField(c: Condition): DecidedEvent['alarm'] {
  return { state: c.state, since: c.since, by: c.acknowledgedBy, ref: c.ref };
}

export function decideNodeMessage(
  ctx: DecideContext,
  message: NodeMessage,
  node: RegisteredNode,
  path: 'mqtt' | 'serial',
  receivedAt: number,
): Decision {
  if (message.kind === 'heartbeat') return { events: [], staged: [] };
  const seq = ctx.nextSeq();
  const event: DecidedEvent = {
    id: eventId(ctx.gw, seq),
    seq,
    gw: ctx.gw,
    park: ctx.park,
    kind: message.kind,
    priority: 'info',
    at: eventTime(receivedAt, message.age),
    receivedAt,
    node: message.node,
    ch: message.ch,
    placement: placementOf(node),
    data: message.d,
    origin: { path, boot: message.boot, seq: message.seq },
  };
  const staged: Decision['staged'] = [];
  switch (message.kind) {
    case 'telemetry':
      event.priority = 'telemetry';
      break;
    case 'prealarm':
    case 'alarm': {
      const slot = slotOf(message.node, message.ch);
      const current = ctx.condition(slot);
      event.priority = alarmPriority(message, current);
      const raised = onRaise(
        current,
        { kind: message.kind, priority: event.priority },
        event.id,
        message.node,
        message.ch,
        event.at,
      );
      // a latching alarm (a water probe) holds until a reset: the panel must offer one
      const next = message.kind === 'alarm' && message.d.latch ? { ...raised, latched: true } : raised;
      staged.push([slot, next]);
      event.alarm = alarmField(next);
      break;
    }
    case 'clear': {
      const slot = slotOf(message.node, message.ch);
      const current = ctx.condition(slot);
      event.priority = alarmPriority(message, current);
      const next = onClear(current, event.at);
      if (next) {
        staged.push([slot, next]);
        event.alarm = alarmField(next);
      }
      break;
    }
    case 'trouble':
    case 'trouble_clear': {
      const code = message.d.code;
      const slot = slotOf(message.node, message.ch, code);
      const current = ctx.condition(slot);
      const next =
        message.kind === 'trouble'
          ? onRaise(
              current,
              { kind: 'trouble', priority: 'trouble', trouble: code },
              event.id,
              message.node,
              message.ch,
              event.at,
            )
          : onClear(current, event.at);
      event.priority = 'trouble';
      event.trouble = code;
      if (next) {
        staged.push([slot, next]);
        event.alarm = alarmField(next);
      }
      break;
    }
    default:
      break;
  }
  return { events: [event], staged };
}

/** A trouble the gateway itself raises or clears: node offline, serial link gone, outbox over quota. */
export function decideGatewayTrouble(
  ctx: DecideContext,
  input: {
    node: RegisteredNode | null;
    nodeId: string | null;
    ch: string;
    code: TroubleCode;
    raised: boolean;
    at: number;
    data: Record<string, unknown>;
  },
): Decision {
  const slot = slotOf(input.nodeId, input.ch, input.code);
  const current = ctx.condition(slot);
  // Raising an open trouble or clearing a closed one says nothing new.
  const open = current !== undefined && current.state !== 'closed' && current.state !== 'cleared';
  if (input.raised === open) return { events: [], staged: [] };
  const seq = ctx.nextSeq();
  const id = eventId(ctx.gw, seq);
  const next = input.raised
    ? onRaise(
        current,
        { kind: 'trouble', priority: 'trouble', trouble: input.code },
        id,
        input.nodeId,
        input.ch,
        input.at,
      )
    : onClear(current, input.at);
  const event: DecidedEvent = {
    id,
    seq,
    gw: ctx.gw,
    park: ctx.park,
    kind: input.raised ? 'trouble' : 'trouble_clear',
    priority: 'trouble',
    at: input.at,
    receivedAt: input.at,
    node: input.nodeId,
    ch: input.ch,
    placement: placementOf(input.node ?? undefined),
    data: { code: input.code, ...input.data },
    trouble: input.code,
    origin: { path: 'gateway', boot: 0, seq: 0 },
  };
  if (next) event.alarm = alarmField(next);
  return { events: [event], staged: next ? [[slot, next]] : [] };
}
