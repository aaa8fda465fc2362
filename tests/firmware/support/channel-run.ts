import type { AnalogChannelConfig } from '../../../firmware/config.ts';
import { AnalogChannel } from '../../../firmware/detect/analog-channel.ts';
import type { Channel, ChannelEventKind } from '../../../firmware/detect/channel.ts';
import { SMOKE_DEFAULTS } from '../../../firmware/node-config-schema.ts';
import { VirtualClock } from '../../../simulator/virtual-clock.ts';
import { virtualClock } from './test-board.ts';

export interface Recorded {
  t: number;
  kind: ChannelEventKind;
  d: { [key: string]: unknown };
}

export function smokeConfig(over: Partial<AnalogChannelConfig> = {}): AnalogChannelConfig {
  return { name: 'smoke', kind: 'analog', pin: 'smoke', src: 'smoke', ...SMOKE_DEFAULTS, ...over };
}

/** Analog reading for a smoke level in mdB/m with the default calibration. */
export function analogOf(mdbm: number, cfg: AnalogChannelConfig = smokeConfig()): number {
  return cfg.zero + mdbm / cfg.gain;
}

/**
 * Runs an analog channel on a virtual clock for `durationMs`, feeding `signal(t)` (analog 0..1)
 * at every sample. Returns the events with their times.
 */
export function runAnalog(cfg: AnalogChannelConfig, signal: (t: number) => number, durationMs: number) {
  const vc = new VirtualClock(0);
  const events: Recorded[] = [];
  const ch = new AnalogChannel(cfg, { read: () => signal(vc.now()) }, virtualClock(vc), {
    channelEvent: (kind, _c: Channel, d) => events.push({ t: vc.now(), kind, d }),
  });
  ch.start();
  vc.runUntil(durationMs);
  return { events, channel: ch, clock: vc };
}

/** Deterministic noise in -1..1 (a small LCG), so a test run is repeatable. */
export function noise(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2147483648 - 1;
  };
}
