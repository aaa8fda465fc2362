import { describe, expect, it } from 'vitest';
import { BATTERY_DEFAULTS } from '../../firmware/node-config-schema.ts';
import { NodeHarness, nodeConfig } from './support/node-harness.ts';

const HOUR = 3600_000;
const battery = (mv: number) => mv / BATTERY_DEFAULTS.mvPerScale;

describe('battery monitor (fields of the node, on its 1 s tick)', () => {
  it('checks at start and every everyS (well within 24 h), raises low battery once and clears with hysteresis', () => {
    const h = new NodeHarness();
    let reads = 0;
    h.board.analog['battery'] = battery(3900);
    // count the reads of the battery pin: 4 per check
    const analogInput = h.board.analogInput.bind(h.board);
    h.board.analogInput = (o) => {
      const input = analogInput(o);
      if (o.pin !== 'battery') return input;
      return {
        read: () => {
          reads++;
          return input.read();
        },
      };
    };
    h.boot();
    const troubles = () =>
      h
        .take()
        .filter((r) => r.m.kind.startsWith('trouble'))
        .map((r) => [r.m.kind, r.m.d]);
    expect(reads).toBe(4);
    h.advance(24 * HOUR);
    expect(reads).toBe(4 * 25); // start + hourly (BATTERY_DEFAULTS.everyS)
    expect(troubles()).toEqual([]);
    h.board.analog['battery'] = battery(3400);
    h.advance(HOUR - 1000);
    expect(troubles()).toEqual([]); // not read yet: the next check is on the hour
    h.advance(HOUR + 1000);
    expect(troubles()).toEqual([['trouble', { code: 'battery_low', v: 3400 }]]);
    h.board.analog['battery'] = battery(3500); // above low, inside the hysteresis
    h.advance(HOUR);
    expect(troubles()).toEqual([]);
    h.board.analog['battery'] = battery(3600);
    h.advance(HOUR);
    expect(troubles()).toEqual([['trouble_clear', { code: 'battery_low' }]]);
  });

  it('reports the last reading in the heartbeat, and 0 without a battery monitor', () => {
    const h = new NodeHarness();
    h.board.analog['battery'] = battery(3900);
    h.boot();
    h.advance(30_000);
    expect(h.take().find((r) => r.m.kind === 'heartbeat')?.m.d).toMatchObject({ bat: 3900 });
    const none = new NodeHarness(nodeConfig({ battery: undefined })).boot();
    none.advance(30_000);
    expect(none.take().find((r) => r.m.kind === 'heartbeat')?.m.d).toMatchObject({ bat: 0 });
  });
});
