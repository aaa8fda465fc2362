/**
 * Failed-login counting per client IP and per user name in a fixed window. Both limits
 * apply: a slow guesser spread over many IPs still trips the per-user limit, and one IP
 * trying many names trips the per-IP limit. Success does not reset the IP count.
 */
export interface LoginLimits {
  perIp: number;
  perUser: number;
  windowMs: number;
}

interface Window {
  start: number;
  failures: number;
}

export class LoginLimiter {
  private byIp = new Map<string, Window>();
  private byUser = new Map<string, Window>();

  constructor(
    private limits: LoginLimits,
    private now: () => number,
  ) {}

  /** Seconds to wait before another try, or 0 when a try is allowed now. */
  retryAfter(ip: string, user: string): number {
    return Math.max(
      this.wait(this.byIp.get(ip), this.limits.perIp),
      this.wait(this.byUser.get(user), this.limits.perUser),
    );
  }

  recordFailure(ip: string, user: string): void {
    this.bump(this.byIp, ip);
    this.bump(this.byUser, user);
  }

  recordSuccess(user: string): void {
    this.byUser.delete(user);
  }

  private wait(w: Window | undefined, limit: number): number {
    if (!w) return 0;
    const left = w.start + this.limits.windowMs - this.now();
    if (left <= 0 || w.failures < limit) return 0;
    return Math.ceil(left / 1000);
  }

  private bump(map: Map<string, Window>, key: string): void {
    const t = this.now();
    const w = map.get(key);
    if (!w || t - w.start >= this.limits.windowMs) {
      if (map.size > 10_000) this.prune(map, t);
      map.set(key, { start: t, failures: 1 });
    } else w.failures++;
  }

  private prune(map: Map<string, Window>, t: number): void {
    for (const [k, w] of map) if (t - w.start >= this.limits.windowMs) map.delete(k);
  }
}
