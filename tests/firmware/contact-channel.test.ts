import { describe, expect, it } from 'vitest';
import type { ContactChannelConfig } from '../../firmware/config.ts';
import { ALARM, NORMAL } from '../../firmware/detect/channel.ts';
import { ContactChannel } from '../../firmware/detect/contact-channel.ts';
import { WATER_DEFAULTS } from '../../firmware/node-config-schema.ts';
import { TestBoard } from './support/test-board.ts';

function water(over: Partial<ContactChannelConfig> = {}) {
  const cfg: ContactChannelConfig = {
    name: 'water',
    kind: 'contact',
    pin: 'water',
    src: 'water',
    ...WATER_DEFAULTS,
    ...over,
  };
  const board = new TestBoard();
  const events: { t: number; kind: string }[] = [];
  const ch = new ContactChannel(cfg, board, {
    channelEvent: (kind) => events.push({ t: board.clock.now(), kind }),
  });
  ch.start();
  // the probe reads 1 (pulled up) when dry, 0 when wet: active = 0
  const wet = () => board.setDigital('water', 0);
  const dry = () => board.setDigital('water', 1);
  return { cfg, board, events, ch, wet, dry, at: (ms: number) => board.vc.runUntil(ms) };
}

describe('ContactChannel (water probe defaults: active low, 3 s on, 30 s off, latched)', () => {
  it('splash bounce shorter than the delayed-on time: no alarm', () => {
    const w = water();
    for (let t = 1000; t < 60_000; t += 2500) {
      w.at(t);
      w.wet();
      w.at(t + 1500);
      w.dry();
    }
    w.at(120_000);
    expect(w.events).toEqual([]);
  });

  it('wet for the delayed-on time: alarm, then latched after it dries, until reset', () => {
    const w = water();
    w.at(10_000);
    w.wet();
    w.at(12_999);
    expect(w.events).toEqual([]);
    w.at(13_000);
    expect(w.events).toEqual([{ t: 13_000, kind: 'alarm' }]);
    expect(w.ch.reset()).toBe(false); // still wet: a reset does nothing
    w.dry();
    w.at(600_000);
    expect(w.ch.level).toBe(ALARM);
    expect(w.ch.reset()).toBe(true);
    expect(w.events.map((e) => e.kind)).toEqual(['alarm', 'clear']);
    expect(w.ch.level).toBe(NORMAL);
  });

  it('unlatched: clears only after the delayed-off time dry, and a bounce restarts it', () => {
    const w = water({ latch: false });
    w.wet();
    w.at(5000);
    w.dry();
    w.at(20_000);
    w.wet(); // wet again before 30 s dry
    w.at(21_000);
    w.dry();
    w.at(50_999);
    expect(w.events.map((e) => e.kind)).toEqual(['alarm']);
    w.at(51_000);
    expect(w.events.map((e) => e.kind)).toEqual(['alarm', 'clear']);
  });

  it('an input already active at start alarms after the delay; active-high inputs work too', () => {
    const board = new TestBoard();
    board.digital['relay'] = 1;
    const events: string[] = [];
    const ch = new ContactChannel(
      {
        name: 'relay',
        kind: 'contact',
        pin: 'relay',
        src: 'smoke',
        active: 1,
        pull: 'down',
        onMs: 500,
        offMs: 0,
        latch: false,
      },
      board,
      { channelEvent: (kind) => events.push(kind) },
    );
    ch.start();
    board.vc.runUntil(500);
    expect(events).toEqual(['alarm']);
    board.setDigital('relay', 0);
    board.vc.runUntil(501);
    expect(events).toEqual(['alarm', 'clear']);
  });
});
