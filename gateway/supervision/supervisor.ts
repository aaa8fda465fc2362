/**
 * Heartbeat supervision. A node is offline when nothing was heard for
 * min(missed x its heartbeat interval, maxOffline). Until a node reports its interval the
 * default applies; registered nodes not yet heard count from the gateway's start, so a node
 * that never speaks after a restart still becomes offline. Silence is measured on a monotonic
 * clock: a wall-clock step (NTP catching up, an operator setting the time) must not turn every
 * node offline at once.
 */
export interface SupervisionRules {
  missedHeartbeats: number;
  maxOfflineS: number;
  defaultHeartbeatS: number;
}

interface Watch {
  /** on the monotonic clock */
  lastHeard: number;
  intervalS: number;
}

export class Supervisor {
  private watches = new Map<string, Watch>();
  private offline = new Set<string>();

  constructor(
    private rules: SupervisionRules,
    /** nodes already offline (an open offline trouble in the alarm book) */
    offlineAtStart: Iterable<string>,
    /** monotonic milliseconds (performance.now), not the wall clock */
    private elapsed: () => number = () => performance.now(),
  ) {
    for (const n of offlineAtStart) this.offline.add(n);
  }

  /** Starts watching a node, as if heard now, unless it is already watched. */
  watch(node: string): void {
    if (!this.watches.has(node))
      this.watches.set(node, { lastHeard: this.elapsed(), intervalS: this.rules.defaultHeartbeatS });
  }

  watched(): string[] {
    return [...this.watches.keys()];
  }

  /** A node removed from the registry. */
  forget(node: string): void {
    this.watches.delete(node);
    this.offline.delete(node);
  }

  /** A valid message from the node. Returns true when the node was offline and is back. */
  heard(node: string, intervalS?: number): boolean {
    const w = this.watches.get(node);
    const at = this.elapsed();
    if (w) {
      w.lastHeard = at;
      if (intervalS) w.intervalS = intervalS;
    } else this.watches.set(node, { lastHeard: at, intervalS: intervalS ?? this.rules.defaultHeartbeatS });
    return this.offline.delete(node);
  }

  timeoutMs(node: string): number {
    const w = this.watches.get(node);
    const interval = w ? w.intervalS : this.rules.defaultHeartbeatS;
    return Math.min(this.rules.missedHeartbeats * interval, this.rules.maxOfflineS) * 1000;
  }

  /** Nodes that just went silent for too long; each is reported once until heard again. */
  check(): string[] {
    const now = this.elapsed();
    const gone: string[] = [];
    for (const [node, w] of this.watches) {
      if (this.offline.has(node)) continue;
      if (now - w.lastHeard >= this.timeoutMs(node)) {
        this.offline.add(node);
        gone.push(node);
      }
    }
    return gone;
  }

  isOnline(node: string): boolean {
    return !this.offline.has(node);
  }

  counts(): { online: number; offline: number } {
    let offline = 0;
    for (const n of this.watches.keys()) if (this.offline.has(n)) offline++;
    return { online: this.watches.size - offline, offline };
  }
}
