import { z } from 'zod';
import type { DecidedEvent } from '../wire/events.ts';
import type { IncidentStep } from './incident.ts';

/**
 * An incident's timeline, made from its events: each node event gives the step at the node, its
 * receipt at the gateway, its storage and its forwarding to the cloud (PUBACK); each operator
 * event its action. Pure; the packet and the CLI both print it.
 */
export const TimelineStep = z.enum([
  'node_prealarm',
  'node_alarm',
  'node_alarm_again',
  'node_clear',
  'gateway_receipt',
  'stored',
  'forwarded',
  'acknowledge',
  'silence',
  'reset',
  'note',
  'close',
]);
export type TimelineStep = z.infer<typeof TimelineStep>;

export const TimelineEntry = z.object({
  at: z.number().int(),
  step: TimelineStep,
  /** the event this step belongs to */
  seq: z.number().int(),
  by: z.string().optional(),
  text: z.string().optional(),
});
export type TimelineEntry = z.infer<typeof TimelineEntry>;

export const STEP_LABELS: Record<TimelineStep, string> = {
  node_prealarm: '节点预警（首次越过预警阈值并经确认）/ pre-alarm at the node (first verified crossing)',
  node_alarm: '节点确认报警 / verified alarm at the node',
  node_alarm_again: '节点再次报警（读数继续上升）/ alarm again at the node (reading rose further)',
  node_clear: '节点恢复正常 / node back to normal (clear)',
  gateway_receipt: '网关收到 / received by the gateway',
  stored: '已存储（已提交到磁盘）/ stored (committed to disk)',
  forwarded: '已送达云端（PUBACK）/ forwarded to the cloud (PUBACK)',
  acknowledge: '确认 / acknowledged',
  silence: '消音 / silenced',
  reset: '复位 / reset',
  note: '备注 / note',
  close: '结案 / closed with a cause',
};

export interface TimelineEvent {
  step: IncidentStep;
  storedAt: number | null;
  forwardedAt: number | null;
  event: DecidedEvent;
}

const AT_NODE: Partial<Record<IncidentStep, TimelineStep>> = {
  prealarm: 'node_prealarm',
  alarm: 'node_alarm',
  alarm_again: 'node_alarm_again',
  clear: 'node_clear',
};

export function timelineOf(events: readonly TimelineEvent[]): TimelineEntry[] {
  const out: TimelineEntry[] = [];
  for (const { step, storedAt, forwardedAt, event: e } of events) {
    const nodeStep = AT_NODE[step];
    const by = typeof e.data.by === 'string' ? e.data.by : undefined;
    const text = typeof e.data.note === 'string' ? e.data.note : undefined;
    if (nodeStep) {
      out.push({ at: e.at, step: nodeStep, seq: e.seq });
      out.push({ at: e.receivedAt, step: 'gateway_receipt', seq: e.seq });
    } else {
      out.push({
        at: e.at,
        step: step as TimelineStep,
        seq: e.seq,
        ...(by ? { by } : {}),
        ...(text ? { text } : {}),
      });
    }
    if (storedAt !== null) out.push({ at: storedAt, step: 'stored', seq: e.seq });
    if (forwardedAt !== null) out.push({ at: forwardedAt, step: 'forwarded', seq: e.seq });
  }
  // sort is stable: steps of one moment keep the order in which they were listed
  return out.sort((a, b) => a.at - b.at);
}
