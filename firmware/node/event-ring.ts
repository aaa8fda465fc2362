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

/**
 * Slots are null when free (not undefined: Espruino's arrays are sparse, so searching them for
 * undefined is not something to rely on).
 */
export class EventRing {
  private items: (PendingEvent | null)[] = [];
  /** events dropped because the ring was full */
  dropped = 0;

  constructor() {
    for (let i = 0; i < RING_SIZE; i++) this.items.push(null);
  }

  add(e: PendingEvent): void {
    let slot = -1;
    for (let i = 0; i < RING_SIZE && slot < 0; i++) if (this.items[i] === null) slot = i;
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
      if (e !== null && seqs.indexOf(e.seq) >= 0) {
        this.items[i] = null;
        n++;
      }
    }
    return n;
  }

  /** Pending events in seq order that were never sent or were sent before `olderThan`. */
  due(olderThan: number): PendingEvent[] {
    const out: PendingEvent[] = [];
    for (const e of this.items) if (e !== null && e.sentAt < olderThan) out.push(e);
    out.sort((a, b) => a.seq - b.seq);
    return out;
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
