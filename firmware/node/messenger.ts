import { seal } from '../../protocol/envelope.ts';
import { isNodeEventKind, type NodeKind, PROTOCOL_VERSION } from '../../protocol/kinds.ts';
import type { Clock, Sha256 } from '../hal.ts';
import type { Link } from '../link/link.ts';
import { EventRing } from './event-ring.ts';

/** An unacknowledged event is sent again after this long. */
export const RESEND_MS = 5000;

/**
 * Numbers, signs and sends the node's messages. Events go into the EventRing first and are
 * re-sealed on every (re)send with fresh `up` and `age`, so the gateway can date them; periodic
 * messages (heartbeat, telemetry) are sent once, and only while the link is up.
 */
export class Messenger {
  seq = 0;
  readonly ring = new EventRing();
  link: Link | undefined;

  // The node's identity, key and boot are kept here once; the CommandHandler reads them from here.
  constructor(
    readonly id: string,
    readonly key: string,
    readonly boot: number,
    private clock: Clock,
    readonly sha256: Sha256,
  ) {}

  /** Signs and sends a new message; returns its wire form (for the console at boot). */
  send(kind: NodeKind, ch: string, d: { [key: string]: unknown }): string {
    const now = this.clock.now();
    this.seq++;
    const wire = this.seal(this.seq, kind, ch, d, now, now);
    if (isNodeEventKind(kind)) {
      const e = { seq: this.seq, kind: kind, ch: ch, d: d, at: now, sentAt: -1 };
      this.ring.add(e);
      if (this.link && this.link.up && this.link.send(wire)) e.sentAt = now;
    } else if (this.link && this.link.up) this.link.send(wire);
    return wire;
  }

  /** Re-sends events that are unacknowledged and not sent in the last RESEND_MS (or all of them). */
  flush(all: boolean): void {
    const link = this.link;
    if (!link || !link.up) return;
    const now = this.clock.now();
    for (const e of this.ring.due(all ? now + 1 : now - RESEND_MS)) {
      if (!link.send(this.seal(e.seq, e.kind as NodeKind, e.ch, e.d, e.at, now))) break;
      e.sentAt = now;
    }
  }

  private seal(seq: number, kind: NodeKind, ch: string, d: { [key: string]: unknown }, at: number, now: number) {
    return seal(this.sha256, this.key, {
      v: PROTOCOL_VERSION,
      node: this.id,
      boot: this.boot,
      seq: seq,
      up: Math.floor(now),
      age: Math.floor(now - at),
      kind: kind,
      ch: ch,
      d: d,
    });
  }
}
