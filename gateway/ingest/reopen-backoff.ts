import { backoffDelay } from '../uplink/backoff.ts';

/**
 * Delays between attempts to reopen a link (a serial port, a broker connection): exponential
 * with equal jitter (half fixed, half random), so many ports unplugged together (a USB hub) do
 * not retry in lockstep, and capped so a returning port is found within `maxMs`. The attempt
 * count resets only after the link stayed up for `stableMs`: a port that opens and drops at once
 * still backs off instead of reconnecting in a storm.
 */
export interface BackoffOptions {
  minMs: number;
  maxMs: number;
  /** a link up at least this long counts as healthy again (default 5000) */
  stableMs?: number;
  /** 0 <= x < 1; injected so tests can pin the jitter */
  random?: () => number;
}

export class ReopenBackoff {
  private attempt = 0;
  private upSince: number | null = null;
  private readonly stableMs: number;
  private readonly random: () => number;

  constructor(private options: BackoffOptions) {
    this.stableMs = options.stableMs ?? 5000;
    this.random = options.random ?? Math.random;
  }

  /** Delay before the next attempt, ms: uniform in [cap/2, cap], cap = min(maxMs, minMs * 2^attempt). */
  next(): number {
    return backoffDelay(this.attempt++, this.options.minMs, this.options.maxMs, this.random);
  }

  /** The link came up at `now`. */
  up(now: number): void {
    this.upSince = now;
  }

  /** The link went down at `now`; forgets the failures only if it had been up long enough. */
  down(now: number): void {
    if (this.upSince !== null && now - this.upSince >= this.stableMs) this.attempt = 0;
    this.upSince = null;
  }

  /** attempts since the link was last healthy */
  get failures(): number {
    return this.attempt;
  }
}
