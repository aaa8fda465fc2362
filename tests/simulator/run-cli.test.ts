import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { runRun } from '../../simulator/cli/run-cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'pw-simrun-'));
const SCENARIO = `name: clean air for a minute
durationS: 60
nodes:
  - id: n1
    link: serial
    inputs:
      smoke: { generate: { seed: 1, durationS: 60, parts: [{ type: noise, sigma: 0.003 }] } }
expect:
  - { expect: no_alarm, fromS: 0, toS: 60 }
  - { expect: message, kind: alarm, node: n1, afterS: 0, withinS: 60 }
`;

describe('parkwatch sim run', () => {
  it('exits 1 on a failed expectation and writes JUnit XML and an offline HTML report', async () => {
    const file = join(dir, 'clean.yaml');
    writeFileSync(file, SCENARIO);
    const junit = join(dir, 'out.xml');
    const report = join(dir, 'out.html');
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const status = await runRun([file, '--junit', junit, '--report', report]);
    const printed = log.mock.calls.map((c) => String(c[0])).join('\n');
    log.mockRestore();
    expect(status).toBe(1);
    expect(printed).toMatch(/clean air for a minute .* 1\/2 +FAIL/);
    expect(printed).toMatch(/alarm from n1 within 60 s of 0 s\n +never arrived/);
    const xml = readFileSync(junit, 'utf8');
    expect(xml).toMatch(/<testsuite name="clean air for a minute" tests="2" failures="1"/);
    expect(xml).toMatch(/<failure message="never arrived"\/>/);
    const html = readFileSync(report, 'utf8');
    expect(html).toMatch(/<svg /);
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);
  });

  it('reports a broken scenario file as an error with its path, and exits 1', async () => {
    const file = join(dir, 'broken.yaml');
    writeFileSync(file, 'name: x\ndurationS: -1\nnodes: []\nexpect: []\n');
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const status = await runRun([file]);
    const printed = log.mock.calls.map((c) => String(c[0])).join('\n');
    log.mockRestore();
    expect(status).toBe(1);
    expect(printed).toMatch(/durationS: Too small/);
  });
});
