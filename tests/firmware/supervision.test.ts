import { describe, expect, it } from 'vitest';
import { BatteryMonitor } from '../../firmware/detect/supervision.ts';
import { BATTERY_DEFAULTS } from '../../firmware/node-config-schema.ts';
import { TestBoard } from './support/test-board.ts';

describe('BatteryMonitor', () => {
  it('checks at start and every everyS (well within 24 h), raises low battery once and clears with hysteresis', () => {
    const board = new TestBoard();
    const events: [boolean, string, number][] = [];
    const mvToAnalog = (mv: number) => mv / BATTERY_DEFAULTS.mvPerScale;
    board.analog['battery'] = mvToAnalog(3900);
    const reads: number[] = [];
    const input = board.analogInput({ pin: 'battery' });
    const counted = {
      read: () => {
        reads.push(board.clock.now());
        return input.read();
      },
    };
    const bat = new BatteryMonitor({ pin: 'battery', ...BATTERY_DEFAULTS }, counted, {
      trouble: (r, c, v) => events.push([r, c, v]),
    });
    // as the node does: a check at start, then its 1 s tick
    bat.check();
    let ticks = 0;
    board.clock.setInterval(() => bat.tick(++ticks), 1000);
    expect(bat.mv).toBe(3900);
    board.vc.runUntil(24 * 3600_000);
    const checks = new Set(reads).size;
    expect(checks).toBeGreaterThanOrEqual(24); // start + hourly
    board.analog['battery'] = mvToAnalog(3400);
    board.vc.advance(3600_000);
    board.vc.advance(3600_000);
    expect(events).toEqual([[true, 'battery_low', 3400]]);
    board.analog['battery'] = mvToAnalog(3500); // above low, inside the hysteresis
    board.vc.advance(3600_000);
    expect(events).toHaveLength(1);
    board.analog['battery'] = mvToAnalog(3600);
    board.vc.advance(3600_000);
    expect(events[1]).toEqual([false, 'battery_low', 3600]);
  });
});
