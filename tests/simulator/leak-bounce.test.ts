import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CONTACT_DEBOUNCE_MS } from '../../firmware/detect/contact-channel.ts';
import { WATER_DEFAULTS } from '../../firmware/node-config-schema.ts';
import { EVAL_KEY, firstOf, observeNode } from '../../simulator/eval/observe-node.ts';
import { loadFirmwareScript } from '../../simulator/firmware-script.ts';
import type { ResolvedInput } from '../../simulator/node/inputs.ts';
import { generateTrace } from '../../simulator/traces/generators.ts';
import type { Trace } from '../../simulator/traces/trace.ts';

/**
 * A splashing leak must alarm however late it starts and however it splashes: the built firmware
 * on a VirtualBoard (Espruino's setWatch debounce), a water probe with the defaults (3 s
 * delayed-on, latched), driven by bouncing contact traces. The alarm's event time must fall after
 * the probe has been wet for the delayed-on time and no later than the delayed-on time after the
 * contact settled (plus the pin's debounce).
 */
const fw = await loadFirmwareScript();
const ON_MS = WATER_DEFAULTS.onMs;

/** `atS` places the trace on the scenario's time line, as a scenario's input does. */
function runLeak(trace: Trace, durationMs: number, atS = 0) {
  const contact = trace.channels.find((c) => c.name === 'contact');
  if (!contact) throw new Error('no contact channel');
  const input: ResolvedInput = { value: contact, contact, trace, atS, perUnit: 1 };
  const run = observeNode({
    fw,
    config: { id: 'pump', key: EVAL_KEY, link: { kind: 'serial' }, channels: [{ name: 'water', kind: 'contact' }] },
    inputs: { water: input },
    durationMs,
  });
  expect(run.errors).toEqual([]);
  return firstOf(run.messages, 'alarm', 'water');
}

/** Wet pulses with dry gaps from trace time 1 s, then wet for good: the contact trace and when it settles. */
function pulseTrace(pulses: { wetMs: number; dryMs: number }[]): { trace: Trace; settledMs: number } {
  const t = [0];
  const v = [0];
  let at = 1000;
  for (const p of pulses) {
    t.push(at / 1000, (at + p.wetMs) / 1000);
    v.push(1, 0);
    at += p.wetMs + p.dryMs;
  }
  t.push(at / 1000);
  v.push(1);
  return {
    trace: { source: 'pulses', channels: [{ name: 'contact', unit: '', t, v, step: true }], marks: [] },
    settledMs: at,
  };
}

describe('a bouncing leak alarms at any start time (firmware on the VirtualBoard)', () => {
  it('the generator leak: start times from 1 s to 15 min, seconds and odd milliseconds, any bounce count', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1000, max: 900_000 }),
        fc.integer({ min: 0, max: 12 }),
        fc.integer({ min: 40, max: 2000 }),
        (startMs, bounces, bounceMs) => {
          const startS = startMs / 1000;
          const settledMs = startMs + bounces * bounceMs;
          const trace = generateTrace({
            seed: 1,
            durationS: settledMs / 1000 + 60,
            parts: [{ type: 'leak', startS, bounces, bounceMs }],
          });
          const alarm = runLeak(trace, settledMs + ON_MS + 10_000);
          expect(alarm, `leak at ${startS} s, ${bounces} x ${bounceMs} ms`).toBeDefined();
          expect(alarm!.atMs).toBeGreaterThanOrEqual(startMs + ON_MS);
          expect(alarm!.atMs).toBeLessThanOrEqual(settledMs + CONTACT_DEBOUNCE_MS + ON_MS);
        },
      ),
      { numRuns: 40, seed: 16 },
    );
  });

  it('the start times from the report (61 s to 12 min, 4 bounces of 300 ms)', () => {
    for (const startS of [61, 90, 120, 150, 180, 300, 600, 720]) {
      const trace = generateTrace({
        seed: 4,
        durationS: 800,
        parts: [{ type: 'leak', startS, bounces: 4, bounceMs: 300 }],
      });
      const alarm = runLeak(trace, (startS + 20) * 1000);
      // onMs after the water came (short dry moments bridged), at the latest onMs after it settled
      expect(alarm?.atMs, `leak at ${startS} s`).toBeGreaterThanOrEqual(startS * 1000 + ON_MS);
      expect(alarm?.atMs, `leak at ${startS} s`).toBeLessThanOrEqual(
        (startS + 1.2) * 1000 + CONTACT_DEBOUNCE_MS + ON_MS,
      );
    }
  });

  it('irregular splashes, chatter shorter than the debounce included', () => {
    const pulse = fc.record({
      wetMs: fc.oneof(fc.integer({ min: 1, max: 19 }), fc.integer({ min: 20, max: ON_MS - 200 })),
      dryMs: fc.oneof(fc.integer({ min: 1, max: 19 }), fc.integer({ min: 20, max: 5000 })),
    });
    fc.assert(
      // the trace is placed at startMs - 1 s on the time line, so its edges are trace time + atS
      fc.property(fc.integer({ min: 1000, max: 600_000 }), fc.array(pulse, { maxLength: 30 }), (startMs, pulses) => {
        const { trace, settledMs: settledInTrace } = pulseTrace(pulses);
        const settledMs = startMs - 1000 + settledInTrace;
        const alarm = runLeak(trace, settledMs + ON_MS + 10_000, (startMs - 1000) / 1000);
        expect(alarm, `leak at ${startMs} ms: ${JSON.stringify(pulses)}`).toBeDefined();
        // chatter under the debounce is not seen, so wet can count from the first edge
        expect(alarm!.atMs).toBeGreaterThanOrEqual(startMs + ON_MS);
        expect(alarm!.atMs).toBeLessThanOrEqual(settledMs + CONTACT_DEBOUNCE_MS + ON_MS);
      }),
      { numRuns: 40, seed: 16 },
    );
  });
});
