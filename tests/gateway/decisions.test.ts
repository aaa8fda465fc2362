import { describe, expect, it } from 'vitest';
import { type Condition, onAcknowledge, onClear, onRaise, onReset, slotOf } from '../../gateway/decide/conditions.ts';
import { Supervisor } from '../../gateway/supervision/supervisor.ts';
import { backoffDelay } from '../../gateway/uplink/backoff.ts';

/** Pure decision functions, without I/O. */
describe('alarm conditions', () => {
  const alarm = { kind: 'alarm' as const, priority: 'fire' as const };
  const open = (): Condition => onRaise(undefined, alarm, 'gw1:1', 'n1', 'smoke', 100);

  it('active -> acknowledged -> closed on clear', () => {
    const acked = onAcknowledge(open(), 'li', 200) as Condition;
    expect(acked).toMatchObject({ state: 'acknowledged', acknowledgedBy: 'li', since: 200 });
    expect(onClear(acked, 300)).toMatchObject({ state: 'closed', since: 300 });
  });

  it('active -> cleared stays listed until acknowledged or reset', () => {
    const cleared = onClear(open(), 300) as Condition;
    expect(cleared.state).toBe('cleared');
    expect(onAcknowledge(cleared, 'li', 400)).toMatchObject({ state: 'closed', acknowledgedBy: 'li' });
    expect(onReset(cleared, 'wang', 400)).toMatchObject({ state: 'closed', acknowledgedBy: 'wang' });
  });

  it('refuses reset while active and a second acknowledge', () => {
    expect(onReset(open(), 'li', 200)).toBe('still_active');
    const acked = onAcknowledge(open(), 'li', 200) as Condition;
    expect(onAcknowledge(acked, 'li', 300)).toBe('already_done');
  });

  it('reset of a latched alarm the node holds waits for its clear, which closes it as reset by that operator', () => {
    const latched: Condition = { ...open(), latched: true };
    const asked = onReset(latched, 'wang', 200) as Condition;
    expect(asked).toMatchObject({ state: 'active', resetBy: 'wang' });
    expect(onClear(asked, 300)).toMatchObject({ state: 'closed', since: 300, acknowledgedBy: 'wang' });
    const acked = onAcknowledge(latched, 'li', 150) as Condition;
    expect(onClear(onReset(acked, 'wang', 200) as Condition, 300)).toMatchObject({
      state: 'closed',
      acknowledgedBy: 'li',
    });
  });

  it('a pre-alarm that becomes an alarm keeps its ref; a repeated alarm changes nothing', () => {
    const pre = onRaise(undefined, { kind: 'prealarm', priority: 'fire' }, 'gw1:5', 'n1', 'smoke', 100);
    const up = onRaise(pre, alarm, 'gw1:6', 'n1', 'smoke', 150);
    expect(up).toMatchObject({ ref: 'gw1:5', kind: 'alarm', state: 'active', opened: 100 });
    expect(onRaise(up, alarm, 'gw1:7', 'n1', 'smoke', 160)).toBe(up);
    expect(onRaise(onClear(up, 200), alarm, 'gw1:8', 'n1', 'smoke', 300).ref).toBe('gw1:8');
  });

  it('troubles have their own slot per code', () => {
    expect(slotOf('n1', '', 'offline')).not.toBe(slotOf('n1', '', 'battery_low'));
    expect(slotOf('n1', 'smoke')).not.toBe(slotOf('n1', 'smoke', 'dirty'));
  });
});

describe('supervisor', () => {
  const rules = { missedHeartbeats: 3, maxOfflineS: 100, defaultHeartbeatS: 30 };
  let t = 0;
  const clock = () => t;

  it('reports a node offline after 3 missed intervals, once, and its return', () => {
    t = 0;
    const s = new Supervisor(rules, [], clock);
    s.heard('n1', 10);
    t = 29_999;
    expect(s.check()).toEqual([]);
    t = 30_000;
    expect(s.check()).toEqual(['n1']);
    t = 60_000;
    expect(s.check()).toEqual([]);
    expect(s.counts()).toEqual({ online: 0, offline: 1 });
    expect(s.heard('n1')).toBe(true);
    expect(s.heard('n1')).toBe(false);
  });

  it('caps the silence at maxOfflineS and counts never-heard nodes from the start', () => {
    t = 0;
    const s = new Supervisor(rules, ['n3'], clock);
    s.heard('n1', 600);
    s.watch('n2');
    t = 90_000;
    expect(s.check()).toEqual(['n2']); // 3 x 30 s default
    t = 100_000;
    expect(s.check()).toEqual(['n1']); // 3 x 600 s capped at 100 s
    expect(s.isOnline('n3')).toBe(false);
  });

  it('measures silence on the monotonic clock, so a wall-clock step raises nothing', () => {
    const s = new Supervisor(rules, []);
    s.heard('n1', 10);
    const realNow = Date.now;
    Date.now = () => realNow() + 3_600_000;
    try {
      expect(s.check()).toEqual([]);
    } finally {
      Date.now = realNow;
    }
  });
});

describe('reconnect backoff', () => {
  it('grows exponentially to the cap with jitter in [ceiling/2, ceiling]', () => {
    expect(backoffDelay(0, 500, 30_000, () => 0)).toBe(250);
    expect(backoffDelay(0, 500, 30_000, () => 1)).toBe(500);
    expect(backoffDelay(3, 500, 30_000, () => 1)).toBe(4000);
    expect(backoffDelay(50, 500, 30_000, () => 0.5)).toBe(22_500);
  });
});
