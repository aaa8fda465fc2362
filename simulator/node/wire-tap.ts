import { nodeSha256 } from '../../gateway/wire/node-sha256.ts';
import { NodeMessage } from '../../gateway/wire/schemas.ts';
import { seal, unseal, verifyBody } from '../../protocol/envelope.ts';
import { isEventKind, PROTOCOL_VERSION } from '../../protocol/kinds.ts';

/**
 * Reads what simulated nodes send, exactly as the gateway must: unseal, zod-validate against
 * gateway/wire/schemas.ts, verify the HMAC with the node's key, and spot re-sends (same boot
 * and seq). Also seals the `event_ack` a receiver sends back. Used by `sim eval` and by the
 * in-process mode; live mode reads the real gateway's decided events instead.
 */
export interface ObservedMessage {
  /** simulated time the receiver got it, ms */
  tMs: number;
  /** simulated time of the event on the node: receive time minus the node's reported age */
  atMs: number;
  node: string;
  path: 'serial' | 'mqtt';
  message: NodeMessage;
  /** true for a re-send of a message already seen */
  duplicate: boolean;
}

export type TapResult = { ok: true; observed: ObservedMessage } | { ok: false; reason: string; detail: string };

export class WireTap {
  readonly rejects = new Map<string, number>();
  private seen = new Set<string>();
  private commandSeq = new Map<string, number>();

  constructor(private keyOf: (node: string) => string | undefined) {}

  read(wire: string, tMs: number, path: 'serial' | 'mqtt'): TapResult {
    const parts = unseal(wire);
    if (!parts) return this.reject('unsigned', wire.slice(0, 80));
    let json: unknown;
    try {
      json = JSON.parse(wire);
    } catch {
      return this.reject('json', wire.slice(0, 80));
    }
    const parsed = NodeMessage.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return this.reject('schema', `${issue?.path.join('.')}: ${issue?.message}`);
    }
    const m = parsed.data;
    const key = this.keyOf(m.node);
    if (!key) return this.reject('unknown_node', m.node);
    if (!verifyBody(nodeSha256, key, parts)) return this.reject('signature', m.node);
    const id = `${m.node}/${m.boot}/${m.seq}`;
    const duplicate = this.seen.has(id);
    this.seen.add(id);
    return { ok: true, observed: { tMs, atMs: tMs - m.age, node: m.node, path, message: m, duplicate } };
  }

  /** The signed event_ack for one message, or undefined when the kind is not acknowledged. */
  ackFor(m: NodeMessage): string | undefined {
    if (!isEventKind(m.kind)) return undefined;
    const key = this.keyOf(m.node);
    if (!key) return undefined;
    const seq = (this.commandSeq.get(m.node) ?? 0) + 1;
    this.commandSeq.set(m.node, seq);
    return seal(nodeSha256, key, {
      v: PROTOCOL_VERSION,
      node: m.node,
      boot: m.boot,
      seq,
      kind: 'event_ack',
      d: { seqs: [m.seq] },
    });
  }

  private reject(reason: string, detail: string): TapResult {
    this.rejects.set(reason, (this.rejects.get(reason) ?? 0) + 1);
    return { ok: false, reason, detail };
  }
}
