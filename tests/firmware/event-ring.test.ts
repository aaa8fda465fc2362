import { describe, expect, it } from 'vitest';
import { EventRing, RING_SIZE } from '../../firmware/node/event-ring.ts';
import { isEventKind, isNodeEventKind, NODE_KINDS } from '../../protocol/kinds.ts';

const ev = (seq: number, kind: string) => ({ seq, kind, ch: '', d: {}, at: seq * 1000, sentAt: -1 });

describe('EventRing', () => {
  it('keeps events until acknowledged and lists the due ones in seq order', () => {
    const r0 = new EventRing();
    const d = { code: 'x y', v: 12, t: '温度' };
    r0.add({ seq: 7, kind: 'trouble', ch: '', d, at: 1234.5, sentAt: -1 });
    expect(r0.due(0)).toEqual([{ seq: 7, kind: 'trouble', ch: '', d, at: 1234, sentAt: -1 }]);
    const r = new EventRing();
    for (const s of [3, 1, 2]) r.add(ev(s, 'trouble'));
    expect(r.due(0).map((e) => e.seq)).toEqual([1, 2, 3]);
    r.sent(1, 5000);
    expect(r.due(4000).map((e) => e.seq)).toEqual([2, 3]);
    expect(r.ack([2, 3, 99])).toBe(2);
    expect(r.due(Number.MAX_SAFE_INTEGER)).toHaveLength(1);
  });

  it('when full, the oldest non-alarm event makes room; alarms go last, oldest first', () => {
    const r = new EventRing();
    r.add(ev(1, 'alarm'));
    for (let s = 2; s <= RING_SIZE; s++) r.add(ev(s, 'telemetry'));
    r.add(ev(100, 'alarm'));
    expect(r.due(Number.MAX_SAFE_INTEGER).map((e) => e.seq)).not.toContain(2);
    for (let s = 101; s < 101 + RING_SIZE; s++) r.add(ev(s, 'alarm'));
    const kept = r.due(Number.MAX_SAFE_INTEGER).map((e) => e.seq);
    expect(kept).toEqual([101, 102, 103, 104, 105, 106, 107, 108]);
  });
});

describe('which node messages are events', () => {
  it("the firmware's table-free isNodeEventKind agrees with the protocol's EVENT_KINDS for every kind", () => {
    for (const k of NODE_KINDS) expect([k, isNodeEventKind(k)]).toEqual([k, isEventKind(k)]);
    expect(NODE_KINDS.filter((k) => !isNodeEventKind(k))).toEqual(['heartbeat', 'telemetry']);
  });
});
