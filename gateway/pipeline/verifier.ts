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
      /** what an operator should do about it (bilingual), for a refusal that a person must look at */
      advice?: string;
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
  if (verdict === 'old_boot') {
    const known = lookups.replay(message.node).boot;
    return {
      ok: false,
      reason: 'replay',
      node: message.node,
      detail: `old_boot: boot ${message.boot} seq ${message.seq}, boot ${known} seen before`,
      message,
      advice: oldBootAdvice(message.node, message.boot, known),
    };
  }
  if (verdict !== 'fresh')
    return {
      ok: false,
      reason: 'replay',
      node: message.node,
      detail: `${verdict}: boot ${message.boot} seq ${message.seq}`,
    };
  return { ok: true, message, node: registered, late: false };
}

/** The boot counter of a node went back: every message of it is refused until someone acts. */
export function oldBootAdvice(node: string, boot: number, known: number): string {
  return (
    `节点 ${node} 的启动计数倒退（收到 ${boot}，之前已到 ${known}），其消息作为重放被拒收。` +
    '节点丢失了存储（擦除闪存后重新烧录，或模拟节点没有保留它的闪存），或有人在重放旧消息。' +
    `确认节点可信后：停止网关，执行 parkwatch nodes remove ${node} 并重新登记（清除其重放窗口）；` +
    '演示数据可删除数据目录（默认 ./var）重新开始。 / ' +
    `node ${node}: its boot counter went back (got ${boot}, had ${known}), so its messages are refused as replays. ` +
    'The node lost its Storage (re-flashed with the flash erased, or a simulated node without its flash folder), ' +
    `or someone replays old messages. If the node is genuine: stop the gateway, run \`parkwatch nodes remove ${node}\` ` +
    'and register it again (that clears its replay window); for demo data, delete the data folder (./var by default) ' +
    'and start afresh.'
  );
}
