import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenario, ScenarioError } from '../../simulator/scenario/load.ts';

const dir = mkdtempSync(join(tmpdir(), 'pw-scen-'));
function problems(name: string, text: string): string[] {
  const file = join(dir, name);
  writeFileSync(file, text);
  try {
    loadScenario(file);
    return [];
  } catch (err) {
    if (err instanceof ScenarioError) return err.problems;
    throw err;
  }
}

describe('scenario files', () => {
  it('reports every problem with its path in the file', () => {
    const p = problems(
      'bad.yaml',
      `name: x
durationS: 60
nodes:
  - { id: a, link: serial, inputs: { smoke: { nist: { test: SDC02, column: Pho1A }, constant: 1 } } }
faults:
  - { kind: wifi_drop, node: a, atS: 10, forS: 5 }
  - { kind: power_cut, node: ghost, atS: 10, forS: 5 }
  - { kind: cloud_broker_down, atS: 1, forS: 1 }
expect:
  - { expect: message, node: a, withinS: 10, colour: red }
`,
    );
    expect(p).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^nodes\.0\.inputs\.smoke: give exactly one of/),
        expect.stringMatching(/^expect\.0: Unrecognized key: "colour"/),
      ]),
    );
  });

  it('checks references between faults, expectations and nodes', () => {
    const p = problems(
      'refs.yaml',
      `name: x
durationS: 60
nodes:
  - { id: a, link: serial }
faults:
  - { kind: wifi_drop, node: a, atS: 10, forS: 5 }
  - { kind: power_cut, node: ghost, atS: 10, forS: 5 }
  - { kind: cloud_broker_down, atS: 1, forS: 1 }
expect:
  - { expect: offline, node: ghost, afterS: 0, withinS: 100 }
`,
    );
    expect(p).toEqual([
      'faults.0.node: node a has no Wi-Fi (serial link)',
      'faults.1.node: no node "ghost" in nodes / 节点不存在',
      'faults.2.kind: cloud_broker_down needs mode: live (in-process mode has no cloud) / 需要 live 模式',
      'expect.0.node: no node "ghost" in nodes / 节点不存在',
    ]);
  });

  it('says which file cannot be parsed', () => {
    expect(problems('broken.yaml', 'name: [unclosed')[0]).toMatch(/^not valid YAML/);
    expect(problems('broken.json', '{')[0]).toMatch(/^not valid JSON/);
  });
});
