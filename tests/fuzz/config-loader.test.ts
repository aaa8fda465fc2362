import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, validateConfig } from '../../gateway/config/load.ts';
import { heapGrowth } from './heap-growth.ts';

/**
 * The config loader with random values and mutated files: the only failure it may produce is a
 * ConfigError naming the file and at least one problem; a config it accepts is frozen.
 */

const dir = mkdtempSync(join(tmpdir(), 'pw-fuzz-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const VALID_YAML = `gatewayId: gw-7
parkId: park-2
dataDir: /var/lib/parkwatch
http:
  host: 127.0.0.1
  port: 8080
localBroker:
  mode: embedded
  port: 1884
serial:
  - path: /dev/ttyUSB0
    baudRate: 115200
cloud:
  url: mqtts://cloud.example:8883
  inflight: 500
  tls:
    ca: /etc/parkwatch/ca.pem
  backoff:
    minMs: 500
    maxMs: 30000
supervision:
  maxOfflineS: 100
outbox:
  quotaBytes: 1048576
log:
  level: info
`;

/** Either a config or a ConfigError; anything else (a TypeError, a YAML exception) fails the property. */
function outcome(run: () => unknown, file: string): 'ok' | 'refused' {
  try {
    const cfg = run();
    expect(Object.isFrozen(cfg)).toBe(true);
    return 'ok';
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    const e = err as ConfigError;
    expect(e.file).toBe(file);
    expect(e.problems.length).toBeGreaterThan(0);
    expect(e.message).toContain(file);
    return 'refused';
  }
}

describe('fuzz: config loader', () => {
  it('accepts the sample and refuses nothing valid', () => {
    const file = join(dir, 'valid.yaml');
    writeFileSync(file, VALID_YAML);
    expect(outcome(() => loadConfig(file), file)).toBe('ok');
  });

  it('validates random values: a frozen config or a ConfigError, never anything else', () => {
    const value = fc.oneof(
      fc.jsonValue({ maxDepth: 4 }),
      fc.anything({ maxDepth: 3 }),
      // near misses: the real top-level keys with random values
      fc.record(
        {
          gatewayId: fc.jsonValue({ maxDepth: 1 }),
          http: fc.jsonValue({ maxDepth: 2 }),
          localBroker: fc.jsonValue({ maxDepth: 2 }),
          serial: fc.jsonValue({ maxDepth: 3 }),
          cloud: fc.jsonValue({ maxDepth: 3 }),
          outbox: fc.jsonValue({ maxDepth: 2 }),
        },
        { requiredKeys: [] },
      ),
    );
    fc.assert(
      fc.property(value, (v) => {
        outcome(() => validateConfig(v, 'fuzz.yaml'), 'fuzz.yaml');
      }),
      { numRuns: 10_000 },
    );
  });

  it('loads mutated and random files: ConfigError with the file name, never a crash', () => {
    const file = join(dir, 'mutated.yaml');
    const jsonFile = join(dir, 'mutated.json');
    const edit = fc.record({
      where: fc.nat(),
      text: fc.string({ unit: 'binary', maxLength: 8 }),
      drop: fc.nat({ max: 8 }),
    });
    fc.assert(
      fc.property(fc.array(edit, { minLength: 1, maxLength: 4 }), fc.boolean(), (edits, asJson) => {
        let text = asJson ? JSON.stringify({ gatewayId: 'gw-7', cloud: { inflight: 10 } }) : VALID_YAML;
        for (const e of edits) {
          const i = e.where % (text.length + 1);
          text = text.slice(0, i) + e.text + text.slice(i + e.drop);
        }
        const target = asJson ? jsonFile : file;
        writeFileSync(target, text);
        outcome(() => loadConfig(target), target);
      }),
      { numRuns: 4_000 },
    );
  });

  it('refuses a missing file and a directory with a ConfigError', () => {
    const missing = join(dir, 'nope.yaml');
    expect(outcome(() => loadConfig(missing), missing)).toBe('refused');
    expect(outcome(() => loadConfig(dir), dir)).toBe('refused');
  });

  it('keeps no memory across many refusals', async () => {
    const values = fc.sample(fc.jsonValue({ maxDepth: 3 }), { numRuns: 2_000, seed: 3 });
    const growth = await heapGrowth(() => {
      for (const v of values) {
        try {
          validateConfig(v, 'fuzz.yaml');
        } catch {
          // refusals are the point here
        }
      }
    });
    expect(growth).toBeLessThan(4 * 1024 * 1024);
  });
});
