import { afterEach, describe, expect, it } from 'vitest';
import type { DecidedEvent } from '../../gateway/wire/events.ts';
import { violations } from './support/invariants.ts';
import { ReliableNode } from './support/reliable-node.ts';

/** The chaos checks themselves must catch what they claim to: a loss, a second id, a reordering. */
const nodes: ReliableNode[] = [];
afterEach(async () => {
  await Promise.all(nodes.splice(0).map((n) => n.close()));
});

function setup(): { node: ReliableNode; events: DecidedEvent[] } {
  const node = new ReliableNode('n1', '00'.repeat(32));
  nodes.push(node);
  const events: DecidedEvent[] = [];
  for (let i = 0; i < 3; i++) {
    const seq = node.alarm();
    node.onCommand(JSON.stringify({ kind: 'event_ack', boot: 1, d: { seqs: [seq] } }));
    events.push(event(seq, 10 + seq));
  }
  return { node, events };
}

function event(seq: number, gwSeq: number): DecidedEvent {
  return {
    id: `gw1:${gwSeq}`,
    seq: gwSeq,
    gw: 'gw1',
    park: 'park1',
    kind: 'alarm',
    priority: 'fire',
    at: 0,
    receivedAt: 0,
    node: 'n1',
    ch: 'smoke',
    placement: null,
    data: {},
    origin: { path: 'mqtt', boot: 1, seq },
  };
}

const cloudOf = (events: DecidedEvent[], invalid = 0) => ({
  invalid,
  ofNode: (id: string) => events.filter((e) => e.node === id),
});

describe('chaos invariants', () => {
  it('pass when every alarm arrived once, in order', () => {
    const { node, events } = setup();
    expect(violations([node], cloudOf(events))).toEqual([]);
    // a duplicate with the same id is fine
    expect(violations([node], cloudOf([...events, events[1]]))).toEqual([]);
  });

  it('catch a lost acknowledged alarm, a second id, a reordering and a broken payload', () => {
    const { node, events } = setup();
    expect(violations([node], cloudOf(events.slice(1))).join()).toMatch(/acknowledged events never reached/);
    expect(violations([node], cloudOf([...events, { ...events[0], id: 'gw1:99' }])).join()).toMatch(/under 2 ids/);
    expect(violations([node], cloudOf([events[1], events[0], events[2]])).join()).toMatch(/out of order/);
    expect(violations([node], cloudOf(events, 1)).join()).toMatch(/DecidedEvent contract/);
  });

  it('on serial, accept the node order changing but not the gateway order', () => {
    const { node, events } = setup();
    const serial = { linkKeepsOrder: false };
    const lateResend = [event(2, 10), event(1, 11), event(3, 12)];
    expect(violations([node], cloudOf(lateResend), serial)).toEqual([]);
    expect(violations([node], cloudOf([events[1], events[0], events[2]]), serial).join()).toMatch(/out of order/);
  });
});
