import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseConfig, validateConfig } from '../../firmware/config.ts';
import { configText, describeConfigErrors, NodeConfigSchema } from '../../firmware/node-config-schema.ts';
import { nodeConfig } from './support/node-harness.ts';

/** JSON with sorted keys, so two objects with the same content compare equal. */
function sorted(v: unknown): string {
  return JSON.stringify(v, (_k, x) =>
    x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort()) : x,
  );
}

const BAD: [string, unknown, string][] = [
  ['not an object', [], 'config: must be an object'],
  ['no id', { ...nodeConfig(), id: undefined }, 'config.id: bad or missing text'],
  ['id with a slash', nodeConfig({ id: 'a/b' }), 'config.id: bad or missing text'],
  ['short key', nodeConfig({ key: 'abcd' }), 'config.key: bad or missing text'],
  ['unknown link', { ...nodeConfig(), link: { kind: 'lora' } }, 'link.kind: must be one of mqtt|serial'],
  ['mqtt without ssid', { ...nodeConfig(), link: { kind: 'mqtt', host: 'gw' } }, 'link.ssid: bad or missing text'],
  ['port out of range', { ...nodeConfig(), link: { kind: 'mqtt', ssid: 'x', host: 'gw', port: 70000 } }, 'link.port'],
  ['no channels', nodeConfig({ channels: [] }), 'channels: must be a list of 1..4 channels'],
  [
    'five channels',
    nodeConfig({
      channels: Array.from({ length: 5 }, (_, i) => ({ name: 'c' + i, kind: 'contact' as const, pin: 'water' })),
    }),
    'channels',
  ],
  [
    'duplicate names',
    nodeConfig({
      channels: [
        { name: 'water', kind: 'contact' },
        { name: 'water', kind: 'contact' },
      ],
    }),
    'channels[1].name: duplicate channel name',
  ],
  [
    'unknown pin',
    nodeConfig({ channels: [{ name: 'smoke', kind: 'analog', pin: 'x' }] }),
    'channels[0].pin: no pin named "x" in pins',
  ],
  [
    'pre above alarm',
    nodeConfig({ channels: [{ name: 'smoke', kind: 'analog', pre: 200 }] }),
    'channels[0].pre: must not be above alarm',
  ],
  [
    'hyst not below pre',
    nodeConfig({ channels: [{ name: 'smoke', kind: 'analog', hyst: 80 }] }),
    'channels[0].hyst: must be below pre',
  ],
  [
    'zero outside range',
    nodeConfig({ channels: [{ name: 'smoke', kind: 'analog', zero: 0.99 }] }),
    'channels[0].zero: must lie inside lo..hi',
  ],
  [
    'median 4',
    nodeConfig({ channels: [{ name: 'smoke', kind: 'analog', median: 4 as 3 }] }),
    'channels[0].median: must be 1, 3 or 5',
  ],
  [
    'string number',
    nodeConfig({ heartbeatS: '30' as unknown as number }),
    'config.heartbeatS: must be a number in 5..3600',
  ],
  [
    'a heartbeat that is not a whole number',
    nodeConfig({ heartbeatS: 30.5 }),
    'config.heartbeatS: must be a whole number in 5..3600',
  ],
  ['bad pin name', nodeConfig({ pins: { smoke: 'pin 34' } }), 'pins.smoke: bad or missing text'],
  ['battery pin missing', nodeConfig({ battery: { pin: 'nope' } }), 'battery.pin: no pin named "nope" in pins'],
];

describe('node config: the Espruino-side validator', () => {
  it('fills in the defaults of a minimal config', () => {
    const r = validateConfig(nodeConfig());
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.config.heartbeatS).toBe(30);
    expect(r.config.channels[0]).toMatchObject({ pin: 'smoke', pre: 80, alarm: 150, verifyS: 8, median: 3 });
    expect(r.config.channels[1]).toMatchObject({ pin: 'water', active: 0, onMs: 3000, latch: true });
    expect(r.config.pins.smoke).toBe('D34');
  });

  for (const [what, cfg, error] of BAD) {
    it(`refuses ${what}, naming the field`, () => {
      const r = validateConfig(cfg);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.startsWith(error)).toBe(true);
      expect(NodeConfigSchema.safeParse(cfg).success).toBe(false);
    });
  }

  it('missing or broken file text', () => {
    expect(parseConfig(undefined)).toEqual({ ok: false, error: 'pw.cfg: missing' });
    expect(parseConfig('{"id":')).toEqual({ ok: false, error: 'pw.cfg: not JSON' });
  });
});

describe('node config: the zod mirror agrees with the node', () => {
  it('same result with defaults for the sample configs', () => {
    const samples = [
      nodeConfig(),
      nodeConfig({ link: { kind: 'mqtt', ssid: 'park-iot', pass: 'secret', host: '10.0.0.2' } }),
      nodeConfig({ tamper: {}, battery: { lowMv: 3300 }, pins: { smoke: 'D36' }, heartbeatS: 60 }),
    ];
    for (const cfg of samples) {
      const node = validateConfig(JSON.parse(configText(cfg)));
      expect(node.ok).toBe(true);
      if (node.ok) expect(sorted(NodeConfigSchema.parse(cfg))).toBe(sorted(node.config));
    }
  });

  it('accepts and refuses the same random analog thresholds', () => {
    const n = fc.oneof(fc.integer({ min: -10, max: 400 }), fc.double({ min: -1, max: 2, noNaN: true }));
    fc.assert(
      fc.property(n, n, n, n, n, (pre, alarm, hyst, zero, verifyS) => {
        const cfg = nodeConfig({ channels: [{ name: 'smoke', kind: 'analog', pre, alarm, hyst, zero, verifyS }] });
        expect(validateConfig(cfg).ok).toBe(NodeConfigSchema.safeParse(cfg).success);
      }),
      { numRuns: 300 },
    );
  });

  it('explains problems to installers line by line', () => {
    const r = NodeConfigSchema.safeParse(nodeConfig({ key: 'zz' }));
    expect(r.success).toBe(false);
    if (!r.success) expect(describeConfigErrors(r.error)[0]).toMatch(/^key: .*十六进制/);
  });
});
