import { seal, unseal, verifyBody } from '../../protocol/envelope.ts';
import { isNodeEventKind, type NodeKind, PROTOCOL_VERSION } from '../../protocol/kinds.ts';
import type { Clock, Sha256 } from '../hal.ts';
import type { Link, LinkEvents } from '../link/link.ts';
import { EventRing } from './event-ring.ts';

/** An unacknowledged event is sent again after this long. */
export const RESEND_MS = 5000;

/** What commands can do to a node. */
export interface NodeActions {
  /**
   * Runs a verified command other than `event_ack` (hush, silence, test, set_config, reboot,
   * reset): "" when done, else a short reason for the `ack` ("unknown kind", "bad d", ...).
   */
  command(kind: string, d: { [key: string]: unknown }): string;
  /** a command was refused before it ran (bad signature, replay, ...), for the console */
  rejected(reason: string): void;
}

interface Command {
  v: number;
  node: string;
  boot: number;
  seq: number;
  kind: string;
  d: { [key: string]: unknown };
}

export function isCount(v: unknown): v is number {
  return typeof v === 'number' && v >= 0 && Math.floor(v) === v;
}

/**
 * Numbers, signs and sends the node's messages, and verifies the gateway's commands. Events go
 * into the EventRing first and are re-sealed on every (re)send with fresh `up` and `age`, so the
 * gateway can date them; periodic messages (heartbeat, telemetry) are sent once, and only while
 * the link is up.
 *
 * It is also the link's listener (LinkEvents): a command runs only when its signature is good,
 * it is for this node and this boot, and its seq is above every seq seen in this boot (the
 * gateway's command counter rises across its restarts), so a captured command cannot be
 * replayed. Every command that ran or was refused for a reason the gateway can fix is answered
 * with `ack`, except `event_ack`, which is itself an acknowledgement (answering it would never
 * end). One class for both jobs: on Espruino each class costs its constructor and prototype.
 */
export class Messenger implements LinkEvents {
  seq = 0;
  readonly ring = new EventRing();
  link: Link | undefined;
  /** set by boot once the node exists */
  actions: NodeActions | undefined;
  private lastSeq = 0;

  // The node's identity, key and boot are kept here once.
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
    const event = isNodeEventKind(kind);
    const sent = this.link !== undefined && this.link.up && this.link.send(wire, !event);
    if (event) this.ring.add({ seq: this.seq, kind: kind, ch: ch, d: d, at: now, sentAt: sent ? now : -1 });
    return wire;
  }

  /**
   * Sends events that are unacknowledged and not sent in the last RESEND_MS (or all of them), in
   * seq order, while the link takes them; also the link's `flush` (LinkEvents).
   */
  flush(all: boolean): void {
    const link = this.link;
    if (!link || !link.up) return;
    const now = this.clock.now();
    for (const e of this.ring.due(all ? now + 1 : now - RESEND_MS)) {
      if (!link.send(this.seal(e.seq, e.kind as NodeKind, e.ch, e.d, e.at, now))) break;
      this.ring.sent(e.seq, now);
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

  /** A command arrived on the link (its wire form, not yet verified). */
  onCommand(wire: string): void {
    const a = this.actions as NodeActions;
    // verify: signature, then envelope (written here, not as a method: RAM)
    const parts = unseal(wire);
    let c: Command | undefined;
    let why = 'unsigned';
    if (parts !== undefined) {
      why = 'signature';
      if (verifyBody(this.sha256, this.key, parts)) {
        why = 'json';
        try {
          c = JSON.parse(parts.body);
          why = 'envelope';
        } catch (_e) {
          c = undefined;
        }
      }
    }
    if (
      c === undefined ||
      typeof c !== 'object' ||
      c === null ||
      c.v !== PROTOCOL_VERSION ||
      c.node !== this.id ||
      !isCount(c.seq) ||
      typeof c.d !== 'object' ||
      c.d === null
    ) {
      a.rejected(why);
      return;
    }
    if (c.boot !== this.boot) {
      if (c.kind !== 'event_ack') this.send('ack', '', { cmd: c.seq, ok: false, err: 'boot' });
      a.rejected('boot');
      return;
    }
    if (c.seq <= this.lastSeq) {
      a.rejected('replay');
      return;
    }
    this.lastSeq = c.seq;
    if (c.kind === 'event_ack') {
      const seqs = c.d['seqs'];
      // the gateway stored these events: the ring forgets them
      if (Array.isArray(seqs)) this.ring.ack(seqs as number[]);
      return;
    }
    const err = a.command(c.kind, c.d);
    const ack: { [key: string]: unknown } = { cmd: c.seq, ok: err === '' };
    if (err !== '') ack['err'] = err;
    this.send('ack', '', ack);
  }
}
