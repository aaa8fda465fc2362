import { describe, expect, it } from 'vitest';
import { NodeRateLimiter } from '../../gateway/pipeline/rate-limit.ts';

/** The per-node limit on periodic messages, on a controlled clock. */
describe('NodeRateLimiter', () => {
  const opts = { perSecond: 5, burst: 20 };

  it('lets a burst through, then the sustained rate, per node', () => {
    const l = new NodeRateLimiter(opts);
    let passed = 0;
    for (let i = 0; i < 100; i++) if (l.allow('n1', 'telemetry', 0).ok) passed++;
    expect(passed).toBe(20);
    // another node has its own bucket
    expect(l.allow('n2', 'telemetry', 0).ok).toBe(true);
    // one second later: five more
    passed = 0;
    for (let i = 0; i < 100; i++) if (l.allow('n1', 'heartbeat', 1000).ok) passed++;
    expect(passed).toBe(5);
  });

  it('never limits events', () => {
    const l = new NodeRateLimiter(opts);
    for (let i = 0; i < 100; i++) l.allow('n1', 'telemetry', 0);
    for (const kind of ['alarm', 'clear', 'trouble', 'trouble_clear', 'prealarm', 'hello', 'test', 'hush', 'ack'])
      for (let i = 0; i < 50; i++) expect(l.allow('n1', kind, 0).ok, kind).toBe(true);
  });

  it('asks for one log line per node per minute, with the count refused since the last', () => {
    const l = new NodeRateLimiter(opts);
    for (let i = 0; i < 20; i++) l.allow('n1', 'telemetry', 0);
    const first = l.allow('n1', 'telemetry', 0);
    expect(first).toEqual({ ok: false, log: true, refusedSinceLog: 1 });
    let logs = 0;
    for (let i = 0; i < 999; i++) {
      const v = l.allow('n1', 'telemetry', 10);
      if (!v.ok && v.log) logs++;
    }
    expect(logs).toBe(0);
    // a minute later, the bucket is full again: spend it, then the next refusal logs with its count
    for (let i = 0; i < 20; i++) expect(l.allow('n1', 'telemetry', 60_010).ok).toBe(true);
    expect(l.allow('n1', 'telemetry', 60_010)).toEqual({ ok: false, log: true, refusedSinceLog: 1000 });
  });

  it('survives the wall clock stepping back (no negative refill) and forward (refill capped at the burst)', () => {
    const l = new NodeRateLimiter(opts);
    for (let i = 0; i < 20; i++) l.allow('n1', 'telemetry', 1_000_000);
    expect(l.allow('n1', 'telemetry', 0).ok).toBe(false);
    let passed = 0;
    for (let i = 0; i < 100; i++) if (l.allow('n1', 'telemetry', 10 * 3_600_000).ok) passed++;
    expect(passed).toBe(20);
  });
});
