import { nodeDown, nodeUp, nodeWill, TOPIC_ROOT } from '../../protocol/topics.ts';

/**
 * Who may do what on the embedded broker. Pure decisions, no broker types, so the rules read
 * in one place and test without sockets. A refusal carries the reason it is counted under.
 *
 * - a node (username = client id = node id) publishes only to its own up and will topics and
 *   subscribes only to its own down topic;
 * - a consumer publishes nothing and subscribes only under pw/v1/gw/ (decided events, states);
 * - the gateway's own publishes go straight into the broker and never pass here.
 */
export type LocalRole = { kind: 'node'; node: string } | { kind: 'consumer'; username: string };

export type Verdict = { ok: true } | { ok: false; reason: string };

const OK: Verdict = { ok: true };
const CONSUMER_PREFIX = TOPIC_ROOT + '/gw/';
/** Larger than any framed message (MAX_FRAME); anything bigger is not ours. */
export const MAX_NODE_PAYLOAD = 4096;

export function mayPublish(role: LocalRole, topic: string, payloadBytes: number): Verdict {
  if (role.kind === 'consumer') return { ok: false, reason: 'consumer_read_only' };
  if (topic !== nodeUp(role.node) && topic !== nodeWill(role.node)) return { ok: false, reason: 'not_own_topic' };
  if (payloadBytes > MAX_NODE_PAYLOAD) return { ok: false, reason: 'oversize' };
  return OK;
}

export function maySubscribe(role: LocalRole, filter: string): Verdict {
  if (role.kind === 'node') return filter === nodeDown(role.node) ? OK : { ok: false, reason: 'not_own_down' };
  // A literal prefix: no wildcard before it can widen the filter to node topics.
  if (filter.startsWith(CONSUMER_PREFIX) && filter.length > CONSUMER_PREFIX.length) return OK;
  return { ok: false, reason: 'outside_gw' };
}
