import { readFileSync } from 'node:fs';
import { runInThisContext } from 'node:vm';
import * as A from 'acorn';
import { simple } from 'acorn-walk';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkSource } from '../../firmware/check/checker.ts';
import { PROBES } from '../../firmware/check/probes.ts';
import { regexFeatures } from '../../firmware/check/regex-features.ts';
import { describeOnEspruino } from '../espruino/harness/espruino-bin.ts';
import { runEspruinoScript } from '../support/espruino-run.ts';

/**
 * The checker's rule table is probes.ts: each probe runs in the real Espruino interpreter and its
 * verdict there must be the one written down; the checker must flag exactly the features that fail.
 */
const cases = PROBES.map((p, i) => [p.feature, p.espruino ? 'works' : 'fails', i, p] as const);

describe('Espruino probes (firmware/check/probes.ts)', () => {
  it.each(cases)('%s: the probe is true in Node (it tests the feature, not a typo)', (_f, _v, _i, p) => {
    expect(runInThisContext(p.script)).toBe(true);
  });

  it.each(cases.filter((c) => c[3].kind === 'regex'))(
    '%s: the pattern analyser sees the feature in its probe',
    (_f, _v, _i, p) => {
      const seen = new Set<string>();
      simple(A.parse(p.script, { ecmaVersion: 'latest' }), {
        Literal: (n) => {
          const r = (n as A.Literal).regex;
          if (r) for (const f of regexFeatures(r.pattern, r.flags)) seen.add(f);
        },
      });
      expect([...seen]).toContain(p.feature);
    },
  );

  it.each(cases)('%s (%s): the checker agrees', (_f, _v, _i, p) => {
    const rule = p.kind === 'regex' ? 'regex' : 'missing-builtin';
    // a method is flagged on any receiver only when no probed prototype has it; by path, always
    const path = p.feature.includes('.prototype.') ? `var y = ${p.feature};` : '';
    const flagged = checkSource(`var x = ${p.script};${path}`).filter(
      (f) => f.rule === rule && f.message.includes(p.feature),
    );
    if (p.espruino) expect(flagged).toEqual([]);
    else expect(flagged.length).toBeGreaterThan(0);
  });
});

describeOnEspruino('Espruino probes on the real interpreter', () => {
  let verdicts: Map<number, string>;
  beforeAll(async () => {
    const lines = [
      'function probe(i, f) { var r; try { r = f() === true; } catch (e) { r = "throws " + e; } print("PROBE " + i + " " + r); }',
      ...PROBES.map((p, i) => `probe(${i}, function () { return ${p.script}; });`),
    ];
    const out = await runEspruinoScript(lines.join('\n'));
    verdicts = new Map([...out.matchAll(/^PROBE (\d+) (.*)$/gm)].map((m) => [Number(m[1]), m[2].trim()]));
  }, 30_000);

  it.each(cases)('%s %s on the interpreter', (_f, _v, i, p) => {
    const got = verdicts.get(i);
    expect(got, `probe did not report: ${p.script}`).toBeDefined();
    expect(got === 'true' ? 'works' : `fails (${got})`).toEqual(p.espruino ? 'works' : expect.stringMatching(/^fails/));
  });

  it("the checker's clean fixture runs on the interpreter without an error", async () => {
    const clean = readFileSync(new URL('../fixtures/checker/clean.js', import.meta.url), 'utf8');
    const out = await runEspruinoScript(clean);
    expect(out).not.toMatch(/Uncaught|Error/);
  });
});
