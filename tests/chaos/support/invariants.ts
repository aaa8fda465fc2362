import type { CloudLog } from './cloud-log.ts';
import type { ReliableNode } from './reliable-node.ts';

/**
 * What must hold after every chaos round, as a list of violations (empty = all good):
 *  - every event the gateway acknowledged reached the cloud, and every copy carries one id;
 *  - no alarm dropped: every alarm a node produced reached the cloud (the node re-sends until acknowledged);
 *  - order per node: first arrivals follow the gateway's order (its ids rise), and, where the
 *    link keeps order (MQTT over TCP), the node's own sequence; a serial line that comes back
 *    may deliver a new frame before the node's re-sent older ones, which the gateway then
 *    accepts in arrival order;
 *  - every cloud payload matches the DecidedEvent contract.
 */
export function violations(
  nodes: readonly ReliableNode[],
  cloud: Pick<CloudLog, 'invalid' | 'ofNode'>,
  options: { linkKeepsOrder: boolean } = { linkKeepsOrder: true },
): string[] {
  const out: string[] = [];
  if (cloud.invalid > 0) out.push(`${cloud.invalid} cloud payloads do not match the DecidedEvent contract`);
  for (const node of nodes) {
    const idsBySeq = new Map<number, Set<string>>();
    const firstOrder: { seq: number; gwSeq: number }[] = [];
    for (const e of cloud.ofNode(node.id)) {
      if (e.origin?.boot !== node.sim.boot) continue;
      const seq = e.origin.seq;
      let ids = idsBySeq.get(seq);
      if (!ids) {
        ids = new Set();
        idsBySeq.set(seq, ids);
        firstOrder.push({ seq, gwSeq: e.seq });
      }
      ids.add(e.id);
    }
    const missingAcked = [...node.acked].filter((s) => !idsBySeq.has(s));
    if (missingAcked.length > 0)
      out.push(
        `${node.id}: ${missingAcked.length} acknowledged events never reached the cloud, e.g. seq ${missingAcked.slice(0, 5).join(',')}`,
      );
    const dropped = node.alarms.filter((s) => !idsBySeq.has(s));
    if (dropped.length > 0)
      out.push(
        `${node.id}: ${dropped.length} alarms never reached the cloud, e.g. seq ${dropped.slice(0, 5).join(',')}`,
      );
    for (const [seq, ids] of idsBySeq)
      if (ids.size > 1)
        out.push(`${node.id}: seq ${seq} reached the cloud under ${ids.size} ids (${[...ids].join(', ')})`);
    for (let i = 1; i < firstOrder.length; i++) {
      const a = firstOrder[i - 1];
      const b = firstOrder[i];
      if (b.gwSeq < a.gwSeq || (options.linkKeepsOrder && b.seq < a.seq)) {
        out.push(`${node.id}: out of order: seq ${a.seq} (gw ${a.gwSeq}) arrived before seq ${b.seq} (gw ${b.gwSeq})`);
        break;
      }
    }
  }
  return out;
}

/** Polls until `done()` or the deadline. */
export async function until(done: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}

/**
 * Alarms that reached the cloud but whose acknowledgement never reached the node: the node
 * keeps re-sending them (see docs/performance-notes.md, "re-acknowledge stored events").
 */
export function storedButUnacknowledged(nodes: readonly ReliableNode[], cloud: Pick<CloudLog, 'ofNode'>): number {
  let n = 0;
  for (const node of nodes) {
    const inCloud = new Set(cloud.ofNode(node.id).map((e) => e.origin?.seq));
    for (const seq of node.unacked.keys()) if (inCloud.has(seq)) n++;
  }
  return n;
}
