import { canonicalJson } from '../../protocol/canonical.ts';

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

/** Field `n` (0..4) of a record "seq sentAt at kind ch {...}", without parsing the rest. */
function field(rec: string, n: number): string {
  let from = 0;
  for (let i = 0; i < n; i++) from = rec.indexOf(' ', from) + 1;
  return rec.substr(from, rec.indexOf(' ', from) - from);
}

/** The event a record holds (a copy: its `d` parsed from the JSON at the end). */
function fields(rec: string): PendingEvent {
  let from = 0;
  for (let i = 0; i < 5; i++) from = rec.indexOf(' ', from) + 1;
  return {
    seq: +field(rec, 0),
    sentAt: +field(rec, 1),
    at: +field(rec, 2),
    kind: field(rec, 3),
    ch: field(rec, 4),
    d: JSON.parse(rec.substr(from)),
  };
}

/**
 * Each waiting event is one string, "seq sentAt at kind ch {d as canonical JSON}" (kind and
 * channel names have no spaces): on Espruino a 60-character string is a few JsVars, the same
 * event as an object with its `d` about 15. Free slots are "" (not undefined: Espruino's arrays
 * are sparse, so searching them for undefined is not something to rely on).
 */
export class EventRing {
  private items: string[] = [];

  constructor() {
    for (let i = 0; i < RING_SIZE; i++) this.items.push('');
  }

  add(e: PendingEvent): void {
    let slot = this.items.indexOf('');
    if (slot < 0) {
      // full: the oldest non-alarm event makes room, or the oldest event if all are alarms
      let best = -1;
      let bestAlarm = -1;
      for (let i = 0; i < RING_SIZE; i++) {
        const rec = this.items[i];
        if (field(rec, 3) === 'alarm') {
          if (bestAlarm < 0 || parseInt(rec, 10) < parseInt(this.items[bestAlarm], 10)) bestAlarm = i;
        } else if (best < 0 || parseInt(rec, 10) < parseInt(this.items[best], 10)) best = i;
      }
      slot = best >= 0 ? best : bestAlarm;
    }
    this.items[slot] =
      e.seq +
      ' ' +
      Math.floor(e.sentAt) +
      ' ' +
      Math.floor(e.at) +
      ' ' +
      e.kind +
      ' ' +
      e.ch +
      ' ' +
      canonicalJson(e.d);
  }

  /** Removes acknowledged events; returns how many were removed. */
  ack(seqs: number[]): number {
    let n = 0;
    for (let i = 0; i < RING_SIZE; i++) {
      if (this.items[i] !== '' && seqs.indexOf(parseInt(this.items[i], 10)) >= 0) {
        this.items[i] = '';
        n++;
      }
    }
    return n;
  }

  /** Pending events in seq order that were never sent or were sent before `olderThan` (copies). */
  due(olderThan: number): PendingEvent[] {
    const out: PendingEvent[] = [];
    for (const rec of this.items) {
      // only the due ones are parsed: this runs on every 1 s tick
      if (rec !== '' && +field(rec, 1) < olderThan) out.push(fields(rec));
    }
    out.sort((a, b) => a.seq - b.seq);
    return out;
  }

  /** Notes that the event `seq` was sent at `at`. */
  sent(seq: number, at: number): void {
    for (let i = 0; i < RING_SIZE; i++) {
      const rec = this.items[i];
      if (rec === '' || parseInt(rec, 10) !== seq) continue;
      const a = rec.indexOf(' ');
      this.items[i] = rec.substr(0, a + 1) + Math.floor(at) + rec.substr(rec.indexOf(' ', a + 1));
    }
  }
}
