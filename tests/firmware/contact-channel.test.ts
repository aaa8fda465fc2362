import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ContactChannelConfig } from '../../firmware/config.ts';
import { ALARM, NORMAL } from '../../firmware/detect/channel.ts';
import { CONTACT_CHATTER_MS, ContactChannel } from '../../firmware/detect/contact-channel.ts';
import type { WatchEvent } from '../../firmware/hal.ts';
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
    expect(w.ch.reset()).toBe('input active'); // still wet: a reset does nothing
    w.dry();
    w.at(600_000);
    expect(w.ch.level).toBe(ALARM);
    expect(w.ch.reset()).toBe('');
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

/**
 * The channel alone on a controlled clock, fed watch events the way Espruino's event queue hands
 * them over: at any time after the edge, and possibly the same state twice (a watch without
 * debounce, or Espruino's late-timeout path). Whatever the storm, the channel must follow the last
 * state it was told, by the delayed-on / delayed-off rules, checked against a plain model.
 */
interface Report {
  /** ms, always at half a ms so that no report ties with a whole-ms delay running out */
  t: number;
  active: boolean;
}

/**
 * What the rules say: alarm once active for onMs, where dry moments shorter than
 * CONTACT_CHATTER_MS do not end the wet spell (if onMs runs out during one, the next wet edge
 * alarms); clear (unlatched) once inactive for offMs.
 */
function modelEvents(initial: boolean, reports: Report[], endMs: number, cfg: ContactChannelConfig) {
  const out: { t: number; kind: string }[] = [];
  let alarm = false;
  let active = initial;
  let since = 0;
  let wetSince: number | undefined = initial ? 0 : undefined;
  const segmentEnds = (until: number) => {
    if (alarm) {
      if (!active && !cfg.latch && until - since >= cfg.offMs) {
        alarm = false;
        wetSince = undefined;
        out.push({ t: since + cfg.offMs, kind: 'clear' });
      }
    } else if (wetSince !== undefined) {
      if (active && until - wetSince >= cfg.onMs) {
        alarm = true;
        out.push({ t: wetSince + cfg.onMs, kind: 'alarm' });
      } else if (!active && until - since >= CONTACT_CHATTER_MS) wetSince = undefined;
    }
  };
  for (const r of reports) {
    if (r.active === active) continue; // the same state again changes nothing
    segmentEnds(r.t);
    active = r.active;
    since = r.t;
    if (alarm || !active) continue;
    if (wetSince === undefined) wetSince = r.t;
    else if (r.t - wetSince >= cfg.onMs) {
      alarm = true; // onMs ran out during the dry moment just ended
      out.push({ t: r.t, kind: 'alarm' });
    }
  }
  segmentEnds(endMs);
  return out;
}

function runReports(initial: boolean, reports: Report[], endMs: number, over: Partial<ContactChannelConfig>) {
  const cfg: ContactChannelConfig = {
    name: 'water',
    kind: 'contact',
    pin: 'water',
    src: 'water',
    ...WATER_DEFAULTS,
    ...over,
  };
  const board = new TestBoard();
  let watch: ((e: WatchEvent) => void) | undefined;
  // the probe is active low: the pin reads 0 when wet
  board.digitalInput = (o) => {
    watch = o.onReadable;
    return { read: () => (initial ? 0 : 1) };
  };
  const events: { t: number; kind: string }[] = [];
  const ch = new ContactChannel(cfg, board, { channelEvent: (kind) => events.push({ t: board.clock.now(), kind }) });
  ch.start();
  for (const r of reports) board.vc.setTimeout(() => watch?.({ state: !r.active }), r.t);
  board.vc.runUntil(endMs);
  return { events, model: modelEvents(initial, reports, endMs, cfg) };
}

const reportsArb = fc
  .array(fc.record({ gap: fc.integer({ min: 0, max: 40_000 }), active: fc.boolean() }), { maxLength: 40 })
  .map((steps) => {
    let t = 0.5;
    return steps.map((s) => {
      t += s.gap;
      return { t, active: s.active };
    });
  });

describe('ContactChannel under any storm of watch reports (model check)', () => {
  for (const latch of [true, false]) {
    it(`${latch ? 'latched' : 'unlatched'}: alarm and clear exactly when the rules say`, () => {
      fc.assert(
        fc.property(fc.boolean(), reportsArb, fc.integer({ min: 1, max: 5000 }), (initial, reports, onMs) => {
          const end = (reports.at(-1)?.t ?? 0) + 60_000;
          const r = runReports(initial, reports, end, { latch, onMs, offMs: 30_000 });
          expect(r.events).toEqual(r.model);
        }),
        { numRuns: 300, seed: 16 },
      );
    });
  }

  it('a wet probe reported once among a storm of repeats alarms onMs after that report', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 900_000 }), fc.integer({ min: 0, max: 50 }), (wetAt, repeats) => {
        const reports: Report[] = [{ t: wetAt + 0.5, active: true }];
        for (let i = 1; i <= repeats; i++) reports.push({ t: wetAt + 0.5 + i * 37, active: true });
        const r = runReports(false, reports, wetAt + 10_000, {});
        expect(r.events).toEqual([{ t: wetAt + 0.5 + WATER_DEFAULTS.onMs, kind: 'alarm' }]);
      }),
      { numRuns: 100, seed: 16 },
    );
  });
});

describe('ContactChannel: chatter and splashes', () => {
  /** A probe switching between wet (wetMs) and dry (dryMs) from `fromMs` for `forMs`. */
  function pattern(fromMs: number, forMs: number, wetMs: number, dryMs: number): Report[] {
    const out: Report[] = [];
    for (let t = fromMs + 0.5; t < fromMs + forMs; t += wetMs + dryMs)
      out.push({ t, active: true }, { t: t + wetMs, active: false });
    return out;
  }

  it('a probe chattering in water (60 ms wet, 30 ms dry) alarms onMs after the water came', () => {
    const r = runReports(false, pattern(5000, 20_000, 60, 30), 30_000, {});
    expect(r.events).toEqual([{ t: 5000.5 + WATER_DEFAULTS.onMs, kind: 'alarm' }]);
  });

  it('splashes (1.5 s wet, 1 s dry) for a minute never alarm', () => {
    const r = runReports(false, pattern(5000, 60_000, 1500, 1000), 70_000, {});
    expect(r.events).toEqual([]);
  });
});
