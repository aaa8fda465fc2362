import { describe, expect, it } from 'vitest';
import { LoginLimiter } from '../../gateway/panel/login-limiter.ts';

describe('LoginLimiter', () => {
  it('limits failures per IP across user names, and per user across IPs, for one window', () => {
    let now = 0;
    const limiter = new LoginLimiter({ perIp: 3, perUser: 2, windowMs: 60_000 }, () => now);
    limiter.recordFailure('10.0.0.1', 'a');
    limiter.recordFailure('10.0.0.1', 'b');
    expect(limiter.retryAfter('10.0.0.1', 'c')).toBe(0);
    limiter.recordFailure('10.0.0.1', 'c');
    expect(limiter.retryAfter('10.0.0.1', 'd')).toBe(60);
    // per user: two failures from two IPs block the name everywhere
    limiter.recordFailure('10.0.0.2', 'amy');
    limiter.recordFailure('10.0.0.3', 'amy');
    expect(limiter.retryAfter('10.0.0.4', 'amy')).toBe(60);
    now = 30_000;
    expect(limiter.retryAfter('10.0.0.4', 'amy')).toBe(30);
    now = 60_000;
    expect(limiter.retryAfter('10.0.0.4', 'amy')).toBe(0);
    expect(limiter.retryAfter('10.0.0.1', 'd')).toBe(0);
  });
});
