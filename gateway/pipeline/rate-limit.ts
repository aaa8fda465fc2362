import { isEventKind } from '../../protocol/kinds.ts';

/**
 * Per-node rate limit for the periodic kinds (telemetry, heartbeat): a token bucket per node,
 * checked after verification so a forged message cannot spend a real node's budget. Events
 * (alarm, clear, trouble, ...) are never limited: they are what the system exists for, a node
 * re-sends them until acknowledged, and its small ring already bounds how many are in flight.
 * A node that floods (a broken firmware, a stolen key) then costs the gateway a counter bump
 * per message instead of a stored, forwarded event.
 */
export interface RateLimitOptions {
  /** sustained periodic messages per second per node */
  perSecond: number;
  /** how many may come at once (a node's start-up, a reconnect flushing a few readings) */
  burst: number;
}

/** Generous for a node sending a reading per channel every second, tight for a flood. */
export const DEFAULT_RATE_LIMIT: RateLimitOptions = { perSecond: 5, burst: 20 };

const LOG_EVERY_MS = 60_000;

export type RateVerdict =
  | { ok: true }
  /** `log` is true for the first refusal of a node in a minute, so a flood logs one line, not thousands */
  | { ok: false; log: boolean; refusedSinceLog: number };

interface Bucket {
  tokens: number;
  at: number;
  loggedAt: number;
  refusedSinceLog: number;
}

export class NodeRateLimiter {
  private buckets = new Map<string, Bucket>();

  constructor(private options: RateLimitOptions = DEFAULT_RATE_LIMIT) {}

  /** Whether a verified message of `kind` from `node`, received at `now` (ms), may go on. */
  allow(node: string, kind: string, now: number): RateVerdict {
    if (isEventKind(kind)) return { ok: true };
    const { perSecond, burst } = this.options;
    let b = this.buckets.get(node);
    if (!b) {
      b = { tokens: burst, at: now, loggedAt: Number.NEGATIVE_INFINITY, refusedSinceLog: 0 };
      this.buckets.set(node, b);
    }
    // A wall clock stepping back must not drain the bucket; stepping forward fills it at most.
    const elapsed = Math.max(0, now - b.at);
    b.tokens = Math.min(burst, b.tokens + (elapsed * perSecond) / 1000);
    b.at = now;
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return { ok: true };
    }
    b.refusedSinceLog++;
    if (now - b.loggedAt < LOG_EVERY_MS && now >= b.loggedAt) return { ok: false, log: false, refusedSinceLog: 0 };
    const refused = b.refusedSinceLog;
    b.loggedAt = now;
    b.refusedSinceLog = 0;
    return { ok: false, log: true, refusedSinceLog: refused };
  }

  /** Drops a node's bucket (removed from the registry). */
  forget(node: string): void {
    this.buckets.delete(node);
  }
}
