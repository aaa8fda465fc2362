import { performance } from 'node:perf_hooks';

/** What reached the cloud: first receipt time per key, duplicates, and waiting for a set of keys. */
export class DeliveryLog {
  private firstSeen = new Map<string, number>();
  duplicates = 0;
  firstReceiptAt = 0;
  lastReceiptAt = 0;

  readonly onKey = (key: string): void => {
    const now = performance.now();
    if (this.firstSeen.has(key)) {
      this.duplicates++;
      return;
    }
    if (this.firstSeen.size === 0) this.firstReceiptAt = now;
    this.firstSeen.set(key, now);
    this.lastReceiptAt = now;
  };

  get distinct(): number {
    return this.firstSeen.size;
  }

  receivedAt(key: string): number | undefined {
    return this.firstSeen.get(key);
  }

  countOf(keys: Iterable<string>): number {
    let n = 0;
    for (const k of keys) if (this.firstSeen.has(k)) n++;
    return n;
  }

  /**
   * Resolves when every key has arrived, when nothing new arrived for `quietMs`, or at `timeoutMs`;
   * returns how many of the keys arrived.
   */
  async waitFor(keys: readonly string[], quietMs: number, timeoutMs: number): Promise<number> {
    const deadline = performance.now() + timeoutMs;
    let lastCount = -1;
    let lastChange = performance.now();
    for (;;) {
      const count = this.countOf(keys);
      const now = performance.now();
      if (count === keys.length || now > deadline) return count;
      if (count !== lastCount) {
        lastCount = count;
        lastChange = now;
      } else if (now - lastChange > quietMs) {
        return count;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/** Limits the number of messages awaiting their acknowledgement (a publisher's in-flight window). */
export class AckWindow {
  private outstanding = 0;
  private waiting: (() => void)[] = [];
  readonly acked: string[] = [];
  failures = 0;

  constructor(private size: number) {}

  async admit(): Promise<void> {
    while (this.outstanding >= this.size) await new Promise<void>((r) => this.waiting.push(r));
    this.outstanding++;
  }

  track(key: string, acked: Promise<void>): void {
    acked.then(
      () => {
        this.acked.push(key);
        this.release();
      },
      () => {
        this.failures++;
        this.release();
      },
    );
  }

  async drained(): Promise<void> {
    while (this.outstanding > 0) await new Promise<void>((r) => this.waiting.push(r));
  }

  private release(): void {
    this.outstanding--;
    const waiting = this.waiting;
    this.waiting = [];
    for (const w of waiting) w();
  }
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}
