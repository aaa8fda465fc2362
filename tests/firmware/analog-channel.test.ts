import { describe, expect, it } from 'vitest';
import { ALARM, NORMAL } from '../../firmware/detect/channel.ts';
import { analogOf, noise, runAnalog, smokeConfig } from './support/channel-run.ts';

const H = 3_600_000;
const kinds = (events: { kind: string }[]) => events.map((e) => e.kind);

describe('AnalogChannel (photoelectric smoke defaults)', () => {
  it('clean air with ADC noise for 24 h: no event at all', () => {
    const n = noise(1);
    // ±0.004 of full scale is about ±13 mV on a 3.3 V ADC, typical ESP32 noise
    const { events, channel } = runAnalog(smokeConfig(), () => analogOf(0) + 0.004 * n(), 24 * H);
    expect(events).toEqual([]);
    expect(channel.level).toBe(NORMAL);
  });

  it('slow drift (dust, temperature) of 1 mdB/m per hour for 60 h is compensated: no event', () => {
    const { events, channel } = runAnalog(smokeConfig(), (t) => analogOf(t / H), 60 * H);
    expect(events).toEqual([]);
    expect(channel.baseline()).toBeGreaterThan(50);
  });

  it('drift past the compensation limit is a "dirty" trouble, never an alarm', () => {
    const { events } = runAnalog(smokeConfig(), (t) => analogOf((1.8 * t) / H), 100 * H);
    expect(kinds(events)).toEqual(['trouble']);
    expect(events[0].d).toMatchObject({ code: 'dirty' });
    expect(events[0].t).toBeGreaterThan(60 * H);
  });

  it('steam or dust puffs shorter than the verification time do not alarm', () => {
    // 600 mdB/m (4x the alarm threshold) for 3 s every 10 minutes, for 2 hours
    const puff = (t: number) => analogOf(t % 600_000 < 3000 ? 600 : 0);
    expect(runAnalog(smokeConfig(), puff, 2 * H).events).toEqual([]);
    // 6 s puffs may reach pre-alarm, but never alarm
    const longer = (t: number) => analogOf(t % 600_000 < 6000 ? 600 : 0);
    expect(kinds(runAnalog(smokeConfig(), longer, 2 * H).events)).not.toContain('alarm');
  });

  it('after a verified pre-alarm, the alarm level must still hold half the verification time', () => {
    // over pre-alarm (100) from 60 s; over the alarm level (200) for 3 s at 80 s, then for 5 s at 90 s
    const over = (from: number, to: number) => (t: number) => t >= from && t < to;
    const signal = (t: number) =>
      analogOf(over(80_000, 83_000)(t) || over(90_000, 95_000)(t) ? 200 : t >= 60_000 ? 100 : 0);
    const { events } = runAnalog(smokeConfig(), signal, 120_000);
    expect(kinds(events)).toEqual(['prealarm', 'alarm']);
    // 4 s after the second excursion started, plus the median's one-sample lag
    expect(events[1].t).toBeGreaterThanOrEqual(94_000);
    expect(events[1].t).toBeLessThanOrEqual(96_000);
  });

  it('a reading over the alarm threshold for less than verifyS does not alarm', () => {
    const cfg = smokeConfig();
    const seven = (t: number) => analogOf(t >= 60_000 && t < 67_000 ? 200 : 0);
    expect(kinds(runAnalog(cfg, seven, 120_000).events)).not.toContain('alarm');
  });

  it('verification restarts when the reading drops back: two 7 s excursions 3 s apart do not alarm; 9 s does', () => {
    const cfg = smokeConfig(); // verifyS 8, a median of 3 samples a second
    const over = (from: number, to: number) => (t: number) => t >= from && t < to;
    const twice = (t: number) => analogOf(over(60_000, 67_000)(t) || over(70_000, 77_000)(t) ? 200 : 0);
    expect(kinds(runAnalog(cfg, twice, 120_000).events)).not.toContain('alarm');
    const nine = (t: number) => analogOf(over(60_000, 69_000)(t) ? 200 : 0);
    expect(kinds(runAnalog(cfg, nine, 120_000).events)).toContain('alarm');
  });

  it('steady rise: pre-alarm, then, the verification served at pre-alarm, alarm within half of it + filter lag, then clear', () => {
    // 0 -> 600 mdB/m over 300 s from t = 60 s, hold, then back to clean air at t = 600 s
    const signal = (t: number) => {
      const s = t / 1000;
      if (s < 60) return analogOf(0);
      if (s < 360) return analogOf((s - 60) * 2);
      return analogOf(s < 600 ? 600 : 0);
    };
    const { events, channel } = runAnalog(smokeConfig(), signal, 700_000);
    expect(kinds(events)).toEqual(['prealarm', 'alarm', 'clear']);
    // reading reaches 80 mdB/m (pre-alarm) at 100 s, held for 8 s by 108 s; 150 mdB/m at 135 s
    const crossed = (60 + 150 / 2) * 1000;
    const alarm = events[1];
    expect(alarm.t).toBeGreaterThanOrEqual(crossed + 4000);
    expect(alarm.t).toBeLessThanOrEqual(crossed + 6000);
    expect(alarm.d).toMatchObject({ th: 150, src: 'smoke' });
    expect(events[0].t).toBeLessThan(alarm.t);
    expect(events[2].t).toBeGreaterThan(600_000);
    expect(channel.level).toBe(NORMAL);
  });

  it('hysteresis: a reading hovering around the alarm threshold does not flap', () => {
    const n = noise(7);
    const signal = (t: number) => analogOf(t < 30_000 ? 0 : 150 + 40 * n());
    const { events, channel } = runAnalog(smokeConfig({ verifyS: 0 }), signal, 600_000);
    expect(kinds(events).filter((k) => k === 'alarm')).toHaveLength(1);
    expect(kinds(events)).not.toContain('clear');
    expect(channel.level).toBe(ALARM);
  });

  it('the baseline does not learn smoke: a slow smouldering rise still alarms', () => {
    // 1 mdB/m per second: slow for a fire, far above the 2 mdB/m per hour drift limit
    const { events } = runAnalog(smokeConfig(), (t) => analogOf(Math.max(0, t / 1000 - 60)), 600_000);
    expect(kinds(events)).toEqual(['prealarm', 'alarm']);
  });

  it('open circuit (reads 0) and short circuit (reads full scale) are troubles after faultS, not alarms', () => {
    const open = runAnalog(smokeConfig(), (t) => (t < 60_000 ? analogOf(0) : 0), 120_000);
    expect(kinds(open.events)).toEqual(['trouble']);
    expect(open.events[0].d).toMatchObject({ code: 'sensor_open' });
    expect(open.events[0].t).toBe(70_000);
    const short = runAnalog(smokeConfig(), (t) => (t < 60_000 ? analogOf(0) : 1), 120_000);
    expect(kinds(short.events)).toEqual(['trouble']);
    expect(short.events[0].d).toMatchObject({ code: 'sensor_short' });
  });

  it('dense smoke saturating the chamber during an alarm is not a short circuit', () => {
    const signal = (t: number) => (t < 30_000 ? analogOf(0) : t < 60_000 ? analogOf(600) : 1);
    const { events, channel } = runAnalog(smokeConfig(), signal, 300_000);
    expect(kinds(events)).toEqual(['alarm']);
    expect(channel.level).toBe(ALARM);
  });

  it('a fault clears when the reading returns to the valid range, and an out-of-range glitch is ignored', () => {
    const signal = (t: number) => (t >= 60_000 && t < 120_000 ? 0 : analogOf(0));
    const { events } = runAnalog(smokeConfig(), signal, 300_000);
    expect(kinds(events)).toEqual(['trouble', 'trouble_clear']);
    const glitch = (t: number) => (t >= 60_000 && t < 65_000 ? 1 : analogOf(0));
    expect(runAnalog(smokeConfig(), glitch, 120_000).events).toEqual([]);
  });

  it('a stuck sensor: at a rail it is a fault; stuck at a clean-air value it cannot be told from clean air', () => {
    expect(kinds(runAnalog(smokeConfig(), () => 0, 60_000).events)).toEqual(['trouble']);
    expect(kinds(runAnalog(smokeConfig(), () => 1, 60_000).events)).toEqual(['trouble']);
    expect(runAnalog(smokeConfig(), () => analogOf(10), 6 * H).events).toEqual([]);
  });

  it('falling polarity (signal drops with smoke) alarms on the drop', () => {
    const cfg = smokeConfig({ rising: false, zero: 0.8 });
    const signal = (t: number) => (t < 60_000 ? 0.8 : 0.8 - 300 / cfg.gain);
    const { events } = runAnalog(cfg, signal, 120_000);
    // a step verifies both thresholds at once: straight to alarm
    expect(kinds(events)).toEqual(['alarm']);
    expect(events[0].t).toBe(60_000 + 1000 + 8000);
  });
});
