import type { TroubleCode } from '../../protocol/kinds.ts';

/** Detection levels of a channel. Trouble is separate (`fault`): a trouble is never an alarm. */
export const NORMAL = 0;
export const PREALARM = 1;
export const ALARM = 2;

export type ChannelEventKind = 'prealarm' | 'alarm' | 'clear' | 'trouble' | 'trouble_clear';

/**
 * What a channel reports to; the node turns these into signed messages, sounds and lights. An
 * object with a method, not a function: a closure made in the node's constructor would keep that
 * call's scope (the whole config) alive on Espruino.
 */
export interface ChannelListener {
  channelEvent(kind: ChannelEventKind, channel: Channel, data: { [key: string]: unknown }): void;
}

/** Common face of analog and contact channels, as seen by the node. */
export interface Channel {
  readonly name: string;
  readonly src: 'smoke' | 'water' | 'heat';
  /** NORMAL, PREALARM or ALARM */
  readonly level: number;
  /** active trouble of the channel's sensor, or "" */
  readonly fault: TroubleCode | '';
  /** last reading in the channel's unit (contact: 1 active, 0 not) */
  reading(): number;
  baseline(): number;
  /** how far the reading is over the baseline in the alarm direction; grows as smoke thickens */
  excess(): number;
  /** starts sampling or watching; a running node never stops a channel */
  start(): void;
  /** Clears a latched alarm whose input has gone back to normal: "" when it did, else why not. */
  reset(): string;
}
