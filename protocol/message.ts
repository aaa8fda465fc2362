import type { CommandKind, NodeKind } from './kinds.ts';

/**
 * Envelope of every node -> gateway message. Short keys keep frames and RAM small on the node.
 *
 * - v:    protocol version (PROTOCOL_VERSION)
 * - node: node id, [A-Za-z0-9_-]{1,32}
 * - boot: boot counter, kept in the node's Storage and incremented on every start
 * - seq:  sequence number, starts at 1 on every boot and rises by one per message
 * - up:   node uptime in ms when the message was (re)sent
 * - age:  ms between the event's detection and this send; the gateway dates the event
 *         as (its receive time - age), so a node needs no wall clock
 * - kind: one of NODE_KINDS
 * - ch:   channel name ("smoke", "water", ...) or "" for node-wide messages
 * - d:    kind-specific data (see kinds.ts)
 * - sig:  truncated HMAC-SHA256, appended by `seal` (see envelope.ts)
 */
export interface NodeMessage {
  v: number;
  node: string;
  boot: number;
  seq: number;
  up: number;
  age: number;
  kind: NodeKind;
  ch: string;
  d: { [key: string]: unknown };
}

/**
 * Envelope of every gateway -> node command.
 *
 * - boot: the node boot the command is meant for; a node ignores commands for another boot,
 *         so a captured command cannot be replayed after a restart
 * - seq:  gateway command counter, strictly rising across gateway restarts
 */
export interface NodeCommand {
  v: number;
  node: string;
  boot: number;
  seq: number;
  kind: CommandKind;
  d: { [key: string]: unknown };
}

/** Node, gateway and park ids: safe inside MQTT topics, Storage names and file names. */
export function isValidId(id: string): boolean {
  // 1-32 characters, checked apart: Espruino's regular expressions have no `{1,32}`
  return typeof id === 'string' && id.length <= 32 && /^[A-Za-z0-9_-]+$/.test(id);
}

/** The gateway's time of an event, from its own receive time and the node's reported age. */
export function eventTime(receivedAtMs: number, ageMs: number): number {
  return receivedAtMs - Math.max(ageMs, 0);
}

/** Stable id of a decided event: gateway id and its 64-bit gateway sequence, e.g. "gw1:42". */
export function eventId(gatewayId: string, gatewaySeq: number | bigint): string {
  return gatewayId + ':' + String(gatewaySeq);
}

/** The parts of an eventId, or undefined for text that is not one (a gateway sequence starts at 1). */
export function parseEventId(id: string): { gw: string; seq: number } | undefined {
  const colon = id.lastIndexOf(':');
  const gw = id.substr(0, colon);
  const seq = Number(id.substr(colon + 1));
  if (colon < 1 || !isValidId(gw) || !(seq >= 1) || Math.floor(seq) !== seq) return undefined;
  return { gw: gw, seq: seq };
}
