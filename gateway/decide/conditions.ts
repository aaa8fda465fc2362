import type { TroubleCode } from '../../protocol/kinds.ts';
import type { AlarmState, Priority } from '../wire/events.ts';

/**
 * Pure decision functions of the alarm book: one open condition (alarm, pre-alarm or trouble)
 * per node + channel (+ trouble code), and how node messages and operator actions move it:
 *
 *   active --ack--> acknowledged --clear--> closed
 *   active --clear--> cleared --ack/reset--> closed
 *
 * A cleared condition stays listed until someone acknowledges it, so a fire that came and
 * went while nobody watched is still seen. No I/O here: the AlarmBook stores the results.
 */
export interface Condition {
  /** id of the event that opened it */
  ref: string;
  node: string | null;
  ch: string;
  kind: 'prealarm' | 'alarm' | 'trouble';
  priority: Priority;
  state: AlarmState;
  /** time of the last state change */
  since: number;
  /** time the condition opened */
  opened: number;
  trouble?: TroubleCode;
  acknowledgedBy?: string;
  hushedUntil?: number;
  /** the node latches this alarm: it holds until a reset, even when the input is back to normal */
  latched?: boolean;
  /** an operator asked the node to reset the latch: its clear then closes the condition */
  resetBy?: string;
}

/** Key of the slot a condition occupies: node + channel for alarms, + code for troubles. */
export function slotOf(node: string | null, ch: string, trouble?: TroubleCode): string {
  return trouble ? `${node ?? '-'}/${ch}/trouble/${trouble}` : `${node ?? '-'}/${ch}/alarm`;
}

export type Raise = { kind: 'prealarm' | 'alarm' | 'trouble'; priority: Priority; trouble?: TroubleCode };

/** A raise (prealarm, alarm, trouble) on the slot. Returns the condition after it. */
export function onRaise(
  current: Condition | undefined,
  raise: Raise,
  ref: string,
  node: string | null,
  ch: string,
  at: number,
): Condition {
  if (!current || current.state === 'closed' || current.state === 'cleared') {
    return {
      ref,
      node,
      ch,
      kind: raise.kind,
      priority: raise.priority,
      state: 'active',
      since: at,
      opened: at,
      trouble: raise.trouble,
    };
  }
  // A pre-alarm that turns into an alarm keeps its ref and becomes active again.
  if (current.kind === 'prealarm' && raise.kind === 'alarm')
    return {
      ...current,
      kind: 'alarm',
      priority: raise.priority,
      state: 'active',
      since: at,
      acknowledgedBy: undefined,
    };
  return current;
}

/**
 * The node reports the channel back to normal (clear / trouble_clear). After an operator's reset
 * of a latched alarm the clear is the node's answer: the condition closes, reset by that operator.
 */
export function onClear(current: Condition | undefined, at: number): Condition | undefined {
  if (!current || current.state === 'closed' || current.state === 'cleared') return current;
  if (current.resetBy !== undefined)
    return { ...current, state: 'closed', since: at, acknowledgedBy: current.acknowledgedBy ?? current.resetBy };
  if (current.state === 'acknowledged') return { ...current, state: 'closed', since: at };
  return { ...current, state: 'cleared', since: at };
}

export type OperatorRefusal = 'already_done' | 'still_active';

/** Acknowledge: active -> acknowledged; cleared -> closed. */
export function onAcknowledge(current: Condition, by: string, at: number): Condition | OperatorRefusal {
  if (current.state === 'active') return { ...current, state: 'acknowledged', since: at, acknowledgedBy: by };
  if (current.state === 'cleared') return { ...current, state: 'closed', since: at, acknowledgedBy: by };
  return 'already_done';
}

/**
 * Reset: closes a condition whose channel is back to normal. A latched alarm the node still holds
 * is marked `resetBy` (the gateway sends the node a `reset` command; its clear closes it); any
 * other alarm is refused while the reading is still in alarm.
 */
export function onReset(current: Condition, by: string, at: number): Condition | OperatorRefusal {
  if (current.state === 'closed') return 'already_done';
  if (current.state === 'cleared')
    return { ...current, state: 'closed', since: at, acknowledgedBy: current.acknowledgedBy ?? by };
  if (current.latched) return { ...current, resetBy: by };
  return 'still_active';
}

export function onSilence(current: Condition, until: number): Condition {
  return { ...current, hushedUntil: until };
}
