import { unseal, verifyBody } from '../../protocol/envelope.ts';
import { PROTOCOL_VERSION } from '../../protocol/kinds.ts';
import type { LinkEvents } from '../link/link.ts';
import type { Messenger } from './messenger.ts';

/** What commands can do to a node; each returns "" when done or a short reason when refused. */
export interface NodeActions {
  hush(ch: string, seconds: number): string;
  silence(seconds: number): string;
  test(): string;
  setConfig(cfg: unknown): string;
  reboot(): string;
  /** clears latched alarms on `ch` ("*": all) whose input is back to normal */
  reset(ch: string): string;
  /** a command was refused before it ran (bad signature, replay, ...), for counters and the console */
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

function isCount(v: unknown): v is number {
  return typeof v === 'number' && v >= 0 && Math.floor(v) === v;
}

/**
 * Verifies and runs gateway commands. A command runs only when its signature is good, it is
 * for this node and this boot, and its seq is above every seq seen in this boot (the gateway's
 * command counter rises across its restarts), so a captured command cannot be replayed. Every
 * command that ran or was refused for a reason the gateway can fix is answered with `ack`,
 * except `event_ack`, which is itself an acknowledgement (answering it would never end).
 * It is the link's listener itself: no closures kept alive for it.
 */
export class CommandHandler implements LinkEvents {
  private lastSeq = 0;

  /** `msg` holds the node's id, key and boot (one copy in RAM); commands are checked against them. */
  constructor(
    private msg: Messenger,
    private actions: NodeActions,
  ) {}

  /** The link came up: re-send what is unacknowledged. */
  onUp(): void {
    this.msg.flush(true);
  }

  /** A command arrived on the link (its wire form, not yet verified). */
  onCommand(wire: string): void {
    const a = this.actions;
    const c = this.verify(wire);
    if (typeof c === 'string') {
      a.rejected(c);
      return;
    }
    if (c.boot !== this.msg.boot) {
      if (c.kind !== 'event_ack') this.msg.send('ack', '', { cmd: c.seq, ok: false, err: 'boot' });
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
      // the gateway stored these events: the messenger's ring forgets them
      if (Array.isArray(seqs)) this.msg.ring.ack(seqs as number[]);
      return;
    }
    // Run it (written here, not as a method: RAM), then answer with `ack`.
    const d = c.d;
    const k = c.kind;
    let err = 'unknown kind';
    if (k === 'hush') {
      err = typeof d['ch'] === 'string' && isCount(d['s']) ? a.hush(d['ch'] as string, d['s'] as number) : 'bad d';
    } else if (k === 'silence') err = isCount(d['s']) ? a.silence(d['s'] as number) : 'bad d';
    else if (k === 'test') err = a.test();
    else if (k === 'set_config') err = a.setConfig(d['cfg']);
    else if (k === 'reboot') err = a.reboot();
    else if (k === 'reset') err = typeof d['ch'] === 'string' ? a.reset(d['ch'] as string) : 'bad d';
    const ack: { [key: string]: unknown } = { cmd: c.seq, ok: err === '' };
    if (err !== '') ack['err'] = err;
    this.msg.send('ack', '', ack);
  }

  /** The command when its signature and envelope are good, else the reason to refuse it. */
  private verify(wire: string): Command | string {
    const parts = unseal(wire);
    if (parts === undefined) return 'unsigned';
    const m = this.msg;
    if (!verifyBody(m.sha256, m.key, parts)) return 'signature';
    let c: Command;
    try {
      c = JSON.parse(parts.body);
    } catch (_e) {
      return 'json';
    }
    if (typeof c !== 'object' || c === null || c.v !== PROTOCOL_VERSION || c.node !== m.id) return 'envelope';
    if (!isCount(c.seq) || typeof c.d !== 'object' || c.d === null) return 'envelope';
    return c;
  }
}
