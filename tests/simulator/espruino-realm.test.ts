import { runInContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { PROBES } from '../../firmware/check/probes.ts';
import { espruinoContext } from '../../simulator/board/espruino-realm.ts';
import { describeOnEspruino } from '../espruino/harness/espruino-bin.ts';
import { runEspruinoScript } from '../support/espruino-run.ts';

/** The simulator's vm refuses what Espruino cannot do (simulator/board/espruino-realm.ts). */
const run = (code: string) => runInContext(code, espruinoContext({}));

describe('Espruino realm of the simulator', () => {
  it.each([
    ['^[A-Za-z0-9_-]{1,32}$', 'repeat-range'],
    ['^[0-9a-f]{4}$', 'repeat-exact'],
    ['^ab?$', 'optional'],
    ['(?:a)', 'non-capturing-group'],
    ['a(?=b)', 'lookahead'],
    ['(a)\\1', 'backreference'],
  ])('new RegExp(%j) throws, naming the pattern and %s', (pattern, feature) => {
    expect(() => run(`new RegExp(${JSON.stringify(pattern)})`)).toThrow(`/${pattern}/: ${feature}`);
    expect(() => run(`RegExp(${JSON.stringify(pattern)}, 'g')`)).toThrow(feature);
  });

  it('builds the patterns Espruino runs, and they are still RegExps', () => {
    expect(run("new RegExp('^[a-z]+\\\\d*$', 'i').test('Ab12')")).toBe(true);
    expect(run("new RegExp('x') instanceof RegExp && /y/ instanceof RegExp")).toBe(true);
  });

  /** non-configurable in V8, so they stay; the checker rejects them */
  const constants = ['Number.EPSILON', 'Number.MAX_SAFE_INTEGER'];
  const missing = PROBES.filter((p) => p.kind === 'builtin' && !p.espruino && !constants.includes(p.feature));
  it.each(missing.map((p) => [p.feature, p.script]))('%s is absent, as on Espruino', (_f, script) => {
    let ok: unknown;
    try {
      ok = run(script);
    } catch {
      ok = 'throws';
    }
    expect(ok).not.toBe(true);
  });
});

describeOnEspruino('Espruino realm against the real interpreter', () => {
  it('JSON.stringify writes the bytes Espruino writes (signatures are computed over them)', async () => {
    const values = [
      '\x01\x1f\x7f\x80\u00e9\u4e2d\ud83d\ude00\u2028 "\\/\t\n',
      { 泵房: '地下一层 B1', ssid: 'café-网', n: [1, 2.5, -3] },
      'a\\u001fb',
      { nested: { deep: ['é', null, true] } },
    ];
    const script = values.map((v) => `print('JSON ' + JSON.stringify(${JSON.stringify(v)}));`).join('\n');
    const espruino = [...(await runEspruinoScript(script)).matchAll(/^JSON (.*)$/gm)].map((m) => m[1].trim());
    const sim = values.map((v) => run(`JSON.stringify(${JSON.stringify(v)})`));
    expect(espruino).toHaveLength(values.length);
    expect(sim).toEqual(espruino);
  });
});
