import type { Gbt26875Config } from './config.ts';
import type { GbtLink, LinkState } from './link.ts';
import { FIRE_LANE, type GbtQueue, OTHER_LANE } from './queue.ts';

/**
 * The centre link as operators see it (panel, wall screen, /healthz), and the gateway trouble
 * `centre_link` while it has been down `downTroubleS` or longer: the centre must hear of every
 * fire, so a dead link is a fault someone on duty has to see and hear, not only a log line
 * (GB 26875.1-2011 4.1.1.4 asks the device for a signal when transmission fails).
 */
export interface CentreLinkStatus {
  /** 'disabled' when `gbt26875.enabled` is false */
  state: 'disabled' | LinkState;
  /** since when the link is down (or has not come up since start); absent while connected */
  downSince?: number;
  /** the next connection attempt, while waiting */
  nextTryAt?: number;
  /** frames waiting for the centre's confirm, by lane */
  queued: { fire: number; other: number };
  /** when the gateway received the event of the oldest frame still unconfirmed */
  oldestAt?: number;
  lastConfirmAt?: number;
  /** deny answers since start, and frames given up after repeated denials */
  denied: number;
  dropped: number;
  /** down `downTroubleS` or longer: the centre_link trouble is raised */
  overdue: boolean;
  downTroubleS: number;
}

export const CENTRE_DISABLED: CentreLinkStatus = {
  state: 'disabled',
  queued: { fire: 0, other: 0 },
  denied: 0,
  dropped: 0,
  overdue: false,
  downTroubleS: 0,
};

export interface LinkWatchDeps {
  config: Gbt26875Config;
  /** raises or clears the gateway trouble `centre_link` */
  trouble: (raised: boolean, data: Record<string, unknown>) => void;
  now: () => number;
}

export class CentreLinkWatch {
  private since: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** undefined at start: a trouble left open by an earlier run is cleared on the first connect */
  private raised: boolean | undefined;

  constructor(private deps: LinkWatchDeps) {}

  /** since when the link is down; undefined while it is up */
  get downSince(): number | undefined {
    return this.since;
  }

  /** The stage starts with the link not yet up. */
  start(): void {
    this.onUpDown(false);
  }

  stop(): void {
    clearTimeout(this.timer);
  }

  onUpDown(up: boolean): void {
    if (up) {
      clearTimeout(this.timer);
      this.since = undefined;
      if (this.raised !== false) this.deps.trouble(false, {});
      this.raised = false;
      return;
    }
    if (this.since !== undefined) return;
    const since = this.deps.now();
    this.since = since;
    const { host, port, downTroubleS } = this.deps.config;
    this.timer = setTimeout(() => {
      this.raised = true;
      this.deps.trouble(true, { host, port, downSince: since, afterS: downTroubleS });
    }, downTroubleS * 1000);
    this.timer.unref();
  }

  status(link: GbtLink | undefined, queue: GbtQueue | undefined): CentreLinkStatus {
    const limitS = this.deps.config.downTroubleS;
    const since = this.since;
    return {
      state: link?.state ?? 'idle',
      downSince: since,
      nextTryAt: link?.nextTryAt,
      queued: { fire: queue?.depth(FIRE_LANE) ?? 0, other: queue?.depth(OTHER_LANE) ?? 0 },
      oldestAt: queue?.oldestAt(),
      lastConfirmAt: link?.lastConfirmAt,
      denied: link?.denied ?? 0,
      dropped: link?.dropped ?? 0,
      overdue: since !== undefined && this.deps.now() - since >= limitS * 1000,
      downTroubleS: limitS,
    };
  }
}
