/**
 * Function node "chain continuity": checks each event's link in its gateway's tamper-evident log
 * (docs/gateway.md, "At the cloud"). The hash must recompute from `chain.prev` and the event
 * without `chain`; and where the neighbouring seq of the same gateway was seen, the links must
 * meet (this event's prev is that one's hash, or that one's prev is this one's hash). Missing
 * seqs are gaps, not breaks: urgent events overtake telemetry, expired telemetry never comes.
 * A break is logged, counted in this node's context and status, and kept as one JSON line in
 * PW_INGEST_DIR/chain-breaks.jsonl. The last PW_CHAIN_WINDOW (default 100000) links per
 * gateway are remembered in context.
 */
import type * as Crypto from 'node:crypto';
import type * as Fs from 'node:fs';
import type * as Path from 'node:path';
import type { ContextStore, EnvAccess, NodeApi, NodeMessage, NodeOutput } from '../node-red.ts';
import { readEvent } from '../shared/decided-event.ts';

/** per gateway: seqs in arrival order and their [prev, hash] */
interface Links {
  order: number[];
  bySeq: Record<string, [string, string]>;
}

interface Counters {
  checked: number;
  breaks: number;
  unchained: number;
}

type BreakReason = 'altered' | 'unlinked_before' | 'unlinked_after';

const REASONS: Record<BreakReason, string> = {
  altered: '哈希与内容不符 / the hash does not match the event',
  unlinked_before: '与前一事件的哈希不衔接 / prev does not match the previous event',
  unlinked_after: '与后一事件不衔接 / the next event does not link to this one',
};

export function onMessage(
  msg: NodeMessage,
  node: NodeApi,
  context: ContextStore,
  env: EnvAccess,
  crypto: typeof Crypto,
  fs: typeof Fs,
  path: typeof Path,
): NodeOutput {
  const event = readEvent(msg.payload);
  if (typeof event === 'string') return null; // the journal node reports invalid events
  const counters = (context.get('counters') as Counters | undefined) ?? { checked: 0, breaks: 0, unchained: 0 };
  const chain = (event as unknown as { chain?: { prev?: unknown; hash?: unknown } }).chain;
  if (!chain || typeof chain.prev !== 'string' || typeof chain.hash !== 'string') {
    counters.unchained++;
    context.set('counters', counters);
    return null;
  }
  const prev = chain.prev;
  const hash = chain.hash;
  const all = (context.get('links') as Record<string, Links> | undefined) ?? {};
  const key = event.park + '/' + event.gw;
  const links = all[key] ?? { order: [], bySeq: {} };
  const reasons: BreakReason[] = [];
  const { chain: _chain, ...rest } = event as unknown as Record<string, unknown>;
  const sha = (data: string | Buffer) => crypto.createHash('sha256').update(data).digest('hex');
  const canonical = JSON.stringify([event.seq, event.at, event.node, event.kind, sha(JSON.stringify(rest))]);
  const computed = crypto
    .createHash('sha256')
    .update(Buffer.from(prev, 'hex'))
    .update(Buffer.from(canonical, 'utf8'))
    .digest('hex');
  if (computed !== hash) reasons.push('altered');
  const before = links.bySeq[String(event.seq - 1)];
  if (before && before[1] !== prev) reasons.push('unlinked_before');
  const after = links.bySeq[String(event.seq + 1)];
  if (after && after[0] !== hash) reasons.push('unlinked_after');
  counters.checked++;
  if (!links.bySeq[String(event.seq)]) {
    links.order.push(event.seq);
    links.bySeq[String(event.seq)] = [prev, hash];
    const window = Number(env.get('PW_CHAIN_WINDOW') || 100000);
    for (const old of links.order.splice(0, Math.max(0, links.order.length - window))) delete links.bySeq[String(old)];
  }
  all[key] = links;
  context.set('links', all);
  if (reasons.length > 0) {
    counters.breaks++;
    const text = reasons.map((r) => REASONS[r]).join('; ');
    node.warn('链断裂 / chain break at ' + event.id + ': ' + text);
    const dir = env.get('PW_INGEST_DIR');
    if (dir) {
      const line = JSON.stringify({
        at: Date.now(),
        id: event.id,
        gw: event.gw,
        park: event.park,
        seq: event.seq,
        reasons,
      });
      try {
        fs.appendFileSync(path.join(dir, 'chain-breaks.jsonl'), line + '\n');
      } catch (err) {
        node.error('无法记录链断裂 / cannot record the chain break: ' + (err as Error).message);
      }
    }
  }
  context.set('counters', counters);
  node.status({
    fill: counters.breaks > 0 ? 'red' : 'green',
    shape: 'dot',
    text: counters.checked + ' 已查 / checked, ' + counters.breaks + ' 断裂 / breaks',
  });
  return reasons.length > 0 ? { topic: 'chain-break', payload: { id: event.id, reasons } } : null;
}
