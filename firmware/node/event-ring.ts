/**
 * The node's unacknowledged events, in a small fixed ring kept in RAM. An event stays until the
 * gateway's `event_ack` names its seq; it is re-sent meanwhile. When the ring is full the oldest
 * event that is not an alarm makes room, so an alarm is the last thing a node forgets.
 */
export const RING_SIZE = 8;

export interface PendingEvent {
  seq: number;
  kind: string;
  ch: string;
  d: { [key: string]: unknown };
  /** node uptime when the event happened, ms */
  at: number;
  /** node uptime of the last send, ms (-1: never sent) */
  sentAt: number;
}

export class EventRing {
  private items: (PendingEvent | undefined)[] = [];
  /** events dropped because the ring was full */
  dropped = 0;

  constructor() {
    for (let i = 0; i < RING_SIZE; i++) this.items.push(undefined);
  }

  add(e: PendingEvent): void {
    let slot = this.items.indexOf(undefined);
    if (slot < 0) {
      slot = this.victim();
      this.dropped++;
    }
    this.items[slot] = e;
  }

  /** Removes acknowledged events; returns how many were removed. */
  ack(seqs: number[]): number {
    let n = 0;
    for (let i = 0; i < RING_SIZE; i++) {
      const e = this.items[i];
      if (e !== undefined && seqs.indexOf(e.seq) >= 0) {
        this.items[i] = undefined;
        n++;
      }
    }
    return n;
  }

  /** Pending events in seq order that were never sent or were sent before `olderThan`. */
  due(olderThan: number): PendingEvent[] {
    const out: PendingEvent[] = [];
    for (const e of this.items) if (e !== undefined && e.sentAt < olderThan) out.push(e);
    out.sort((a, b) => a.seq - b.seq);
    return out;
  }

  get size(): number {
    let n = 0;
    for (const e of this.items) if (e !== undefined) n++;
    return n;
  }

  /** Slot to overwrite: the oldest non-alarm event, or the oldest event if all are alarms. */
  private victim(): number {
    let best = -1;
    let bestAlarm = -1;
    for (let i = 0; i < RING_SIZE; i++) {
      const e = this.items[i] as PendingEvent;
      if (e.kind === 'alarm') {
        if (bestAlarm < 0 || e.seq < (this.items[bestAlarm] as PendingEvent).seq) bestAlarm = i;
      } else if (best < 0 || e.seq < (this.items[best] as PendingEvent).seq) best = i;
    }
    return best >= 0 ? best : bestAlarm;
  }
}
