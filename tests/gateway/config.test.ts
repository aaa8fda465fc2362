import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, validateConfig } from '../../gateway/config/load.ts';
import { configJsonSchema } from '../../gateway/config/schema.ts';
import { tempDir } from './support/gateway-rig.ts';

const dir = tempDir('pw-gw-config-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const ROOT = join(import.meta.dirname, '..', '..');

function write(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

function problems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('gateway config', () => {
  it('runs on an empty config with defaults, frozen', () => {
    const c = validateConfig({}, 'empty');
    expect(c).toMatchObject({ gatewayId: 'gw1', dataDir: './var', localBroker: { mode: 'embedded', port: 1883 } });
    expect(c.supervision).toEqual({ missedHeartbeats: 3, maxOfflineS: 100, defaultHeartbeatS: 30 });
    expect(Object.isFrozen(c.cloud.backoff)).toBe(true);
    expect(loadConfig(write('empty.yaml', '')).parkId).toBe('park1');
  });

  it('accepts the shipped example config', () => {
    const c = loadConfig(join(ROOT, 'gateway', 'example-config.yaml'));
    expect(c.cloud.url).toBe('mqtts://cloud.example.com:8883');
    expect(c.serial).toEqual([{ path: '/dev/ttyUSB0', baudRate: 115200 }]);
  });

  it('has the GB/T 26875 uplink off by default and holds its confirm timeout to the standard', () => {
    expect(validateConfig({}, 'empty').gbt26875).toMatchObject({
      enabled: false,
      confirmTimeoutMs: 5000,
      retries: 3,
      downTroubleS: 60,
    });
    expect(loadConfig(join(ROOT, 'gateway', 'example-config.yaml')).gbt26875.smokeComponentType).toBe(42);
    const p = problems(() => validateConfig({ gbt26875: { confirmTimeoutMs: 15000, deviceAddress: 'xyz' } }, 'gbt'));
    expect(p.join('\n')).toMatch(/gbt26875\.confirmTimeoutMs/);
    expect(p.join('\n')).toMatch(/gbt26875\.deviceAddress: must be 12 hex digits/);
  });

  it('names the key, the reason and the fix for each problem', () => {
    const p = problems(() =>
      loadConfig(
        write(
          'bad.yaml',
          'gatewayID: x\ncloud:\n  inflight: 0\n  url: http://x\nlocalBroker:\n  mode: remote\nsupervision:\n  maxOfflineS: "100"\n',
        ),
      ),
    );
    expect(p.join('\n')).toMatch(/\(top level.*unknown key "gatewayID"/);
    expect(p.join('\n')).toMatch(/cloud\.inflight: .* at least 1/);
    expect(p.join('\n')).toMatch(/cloud\.url: must start with mqtt:\/\//);
    expect(p.join('\n')).toMatch(/localBroker\.mode: .*one of: "embedded", "external"/);
    expect(p.join('\n')).toMatch(/supervision\.maxOfflineS: .*write a number/);
  });

  it('reports syntax errors and unreadable files with the file name', () => {
    expect(problems(() => loadConfig(write('broken.yaml', 'a: [1, 2\n')))[0]).toMatch(/YAML .*syntax error/);
    expect(problems(() => loadConfig(write('broken.json', '{"a": ')))[0]).toMatch(/JSON .*syntax error/);
    expect(problems(() => loadConfig(join(dir, 'missing.yaml')))[0]).toMatch(/cannot read the file/);
    expect(problems(() => loadConfig(write('list.yaml', '- a\n')))[0]).toMatch(/must be a mapping/);
  });

  it('exports a JSON Schema for editors', () => {
    const schema = configJsonSchema() as { properties: Record<string, unknown> };
    expect(Object.keys(schema.properties)).toContain('outbox');
  });

  it('stops `parkwatch gateway` with exit status 2 and the problem on stderr', () => {
    const file = write('typo.yaml', 'outbox:\n  quotaBytez: 5\n');
    const run = spawnSync(process.execPath, [join(ROOT, 'bin', 'parkwatch.js'), 'gateway', '--config', file], {
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(file);
    expect(run.stderr).toMatch(/outbox: .*unknown key "quotaBytez"/);
  });
});
