import { createHmac, timingSafeEqual } from 'node:crypto';
import { isEventKind, type ReplayState, SIG_BYTES, unseal } from '../../protocol/index.ts';
import { checkReplay } from '../../protocol/replay.ts';
import type { InboundFrame } from '../ingest/inbound.ts';
import type { RegisteredNode } from '../store/registry.ts';
import { NodeMessage } from '../wire/schemas.ts';

/**
 * Checks one wire form: framing of the signature, JSON, schema, node known, topic matches,
 * signature, replay window. Pure apart from the lookups passed in; never throws.
 */
export type RejectReason =
  | 'malformed'
  | 'schema'
  | 'unknown_node'
  | 'topic_mismatch'
  | 'bad_signature'
  | 'replay'
  | 'duplicate';

export type Verdict =
  /**
   * `late`: same boot, but below the replay window (a re-send after more than 32 newer
   * messages, e.g. the node's ring after a gateway outage). The pipeline stores it only if the
   * event log does not have it yet, and acknowledges it either way.
   */
  | { ok: true; message: NodeMessage; node: RegisteredNode; late: boolean }
  | {
      ok: false;
      reason: RejectReason;
      node?: string;
      detail: string;
      message?: NodeMessage;
      registered?: RegisteredNode;
    };

export interface VerifierLookups {
  node: (id: string) => RegisteredNode | undefined;
  replay: (id: string) => ReplayState;
}

/** HMAC-SHA256 truncated to SIG_BYTES, via node:crypto (equal to protocol's signBody; a test keeps it so). */
export function fastSign(keyHex: string, body: string): string {
  return createHmac('sha256', Buffer.from(keyHex, 'hex'))
    .update(body, 'latin1')
    .digest('hex')
    .slice(0, SIG_BYTES * 2);
}

/** Longest wire form looked at: a node message is a few hundred bytes (serial frames stop at 768). */
export const MAX_WIRE = 2048;

export function verifyFrame(frame: InboundFrame, lookups: VerifierLookups): Verdict {
  if (frame.raw.length > MAX_WIRE)
    return { ok: false, reason: 'malformed', node: frame.topicNode, detail: `longer than ${MAX_WIRE} bytes` };
  const parts = unseal(frame.raw);
  if (!parts) return { ok: false, reason: 'malformed', node: frame.topicNode, detail: 'no signature member' };
  let json: unknown;
  try {
    json = JSON.parse(frame.raw);
  } catch {
    return { ok: false, reason: 'malformed', node: frame.topicNode, detail: 'not JSON' };
  }
  const parsed = NodeMessage.safeParse(json);
  if (!parsed.success) {
    const claimed = (json as { node?: unknown } | null)?.node;
    const issue = parsed.error.issues[0];
    return {
      ok: false,
      reason: 'schema',
      node: typeof claimed === 'string' ? claimed.slice(0, 32) : frame.topicNode,
      detail: `${issue.path.join('.')}: ${issue.message}`,
    };
  }
  const message = parsed.data;
  const registered = lookups.node(message.node);
  if (!registered) return { ok: false, reason: 'unknown_node', node: message.node, detail: 'not in the registry' };
  if (frame.topicNode !== undefined && frame.topicNode !== message.node)
    return {
      ok: false,
      reason: 'topic_mismatch',
      node: message.node,
      detail: `sent on the topic of node ${frame.topicNode}`,
    };
  const expected = Buffer.from(fastSign(registered.keyHex, parts.body), 'latin1');
  const got = Buffer.from(parts.sig, 'latin1');
  if (expected.length !== got.length || !timingSafeEqual(expected, got))
    return { ok: false, reason: 'bad_signature', node: message.node, detail: 'HMAC does not match the node key' };
  const verdict = checkReplay(lookups.replay(message.node), message.boot, message.seq);
  if (verdict === 'duplicate')
    return {
      ok: false,
      reason: 'duplicate',
      node: message.node,
      detail: `boot ${message.boot} seq ${message.seq} already stored`,
      message,
      registered,
    };
  if (verdict === 'too_old' && isEventKind(message.kind)) return { ok: true, message, node: registered, late: true };
  if (verdict !== 'fresh')
    return {
      ok: false,
      reason: 'replay',
      node: message.node,
      detail: `${verdict}: boot ${message.boot} seq ${message.seq}`,
    };
  return { ok: true, message, node: registered, late: false };
}
