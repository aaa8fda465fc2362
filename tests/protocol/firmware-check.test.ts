import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { checkSource } from '../../firmware/check/checker.ts';

/** One sample of every construct and built-in DESIGN.md lists as failing on Espruino. */
const FORBIDDEN: [string, string, string][] = [
  ['object destructuring', 'const { a } = o;', 'destructuring'],
  ['array destructuring', 'const [a, b] = arr;', 'destructuring'],
  ['spread in call', 'f(...args);', 'spread'],
  ['spread in object', 'const o = { ...p };', 'spread'],
  ['rest parameter', 'function f(...rest) { return rest; }', 'rest'],
  ['default parameter', 'function f(a = 1) { return a; }', 'default-parameter'],
  ['async function', 'async function f() {}', 'async'],
  ['await', 'async function f() { await g(); }', 'async'],
  ['async arrow', 'const f = async () => 1;', 'async'],
  ['generator', 'function* g() { yield 1; }', 'generator'],
  ['Symbol', 'const s = Symbol("x");', 'missing-builtin'],
  ['Map', 'const m = new Map();', 'missing-builtin'],
  ['Set', 'const s = new Set();', 'missing-builtin'],
  ['WeakMap', 'const w = new WeakMap();', 'missing-builtin'],
  ['Proxy', 'const p = new Proxy({}, {});', 'missing-builtin'],
  ['Reflect', 'Reflect.ownKeys({});', 'missing-builtin'],
  ['optional chaining', 'const x = a?.b;', 'optional-chaining'],
  ['exponent', 'const x = 2 ** 3;', 'exponent'],
  ['exponent assign', 'x **= 2;', 'exponent'],
  ['computed key', 'const o = { [k]: 1 };', 'computed-key'],
  ['tagged template', 'tag`x`;', 'tagged-template'],
  ['label', 'outer: for (;;) { break outer; }', 'label'],
  ['class extends Error', 'class E2 extends Error {}', 'extends-error'],
  ['for-let closure', 'for (let i = 0; i < 3; i++) setTimeout(() => print(i), 1);', 'for-let-closure'],
  ['Array.from', 'Array.from(x);', 'missing-builtin'],
  ['Array.of', 'Array.of(1, 2);', 'missing-builtin'],
  ['Array.prototype.slice.call', 'Array.prototype.slice.call(arguments);', 'missing-builtin'],
  ['[].slice.call', '[].slice.call(arguments);', 'missing-builtin'],
  ['length assignment', 'arr.length = 0;', 'length-assign'],
  ['Promise.race', 'Promise.race([p]);', 'missing-builtin'],
  ['Promise.allSettled', 'Promise.allSettled([p]);', 'missing-builtin'],
  ['Promise finally', 'p.then(f).finally(g);', 'missing-builtin'],
  ['Object.freeze', 'Object.freeze(o);', 'missing-builtin'],
  ['Math.trunc', 'Math.trunc(1.5);', 'missing-builtin'],
  ['Number.isInteger', 'Number.isInteger(1);', 'missing-builtin'],
  ['TextEncoder', 'new TextEncoder().encode("x");', 'missing-builtin'],
  ['class field', 'class A { x = 1; }', 'class-field'],
  ['function used before its declaration', 'f();\nfunction f() {}', 'hoisting'],
  ['inherited static', 'class A { static make() {} }\nclass B extends A {}\nB.make();', 'inherited-static'],
  ['module syntax', 'export const x = 1;', 'parse'],
  ['regex ? quantifier', 'const r = /^ab?$/;', 'regex'],
  ['regex {n}', 'const r = /^[0-9a-f]{4}$/;', 'regex'],
  ['regex {n,m}', 'const r = /^[A-Za-z0-9_-]{1,32}$/;', 'regex'],
  ['regex {n,}', 'const r = /^a{2,}$/;', 'regex'],
  ['regex lazy quantifier', 'const r = /a+?/;', 'regex'],
  ['regex (?:...)', 'const r = /^(?:ab)$/;', 'regex'],
  ['regex lookahead', 'const r = /a(?=b)/;', 'regex'],
  ['regex negative lookahead', 'const r = /a(?!b)/;', 'regex'],
  ['regex lookbehind', 'const r = /(?<=a)b/;', 'regex'],
  ['regex named group', 'const r = /(?<x>a)/;', 'regex'],
  ['regex backreference', 'const r = /(a)\\1/;', 'regex'],
  ['regex quantified group', 'const r = /^(ab)+$/;', 'regex'],
  ['regex word boundary', 'const r = /\\bid\\b/;', 'regex'],
  ['regex \\u escape', 'const r = /\\u00e9/;', 'regex'],
  ['regex m flag', 'const r = /^a$/m;', 'regex'],
  ['regex s flag', 'const r = /a.b/s;', 'regex'],
  ['new RegExp with a literal pattern', "const r = new RegExp('^a{1,2}$', 'i');", 'regex'],
  ['RegExp() with a literal pattern', "const r = RegExp('(?:a)');", 'regex'],
  ['Number.isFinite', 'Number.isFinite(x);', 'missing-builtin'],
  ['Number.isNaN', 'Number.isNaN(x);', 'missing-builtin'],
  ['Number.EPSILON', 'const e = Number.EPSILON;', 'missing-builtin'],
  ['Math.imul', 'Math.imul(a, b);', 'missing-builtin'],
  ['Math.log2', 'Math.log2(8);', 'missing-builtin'],
  ['Math.hypot', 'Math.hypot(3, 4);', 'missing-builtin'],
  ['Object.is', 'Object.is(a, b);', 'missing-builtin'],
  ['String.fromCodePoint', 'String.fromCodePoint(65);', 'missing-builtin'],
  ['trimEnd', 's.trimEnd();', 'missing-builtin'],
  ['trimStart', 's.trimStart();', 'missing-builtin'],
  ['matchAll', 's.matchAll(/a/g);', 'missing-builtin'],
  ['codePointAt', 's.codePointAt(0);', 'missing-builtin'],
  ['at', 'arr.at(-1);', 'missing-builtin'],
  ['flat', 'arr.flat();', 'missing-builtin'],
  ['flatMap', 'arr.flatMap(f);', 'missing-builtin'],
  ['copyWithin', 'arr.copyWithin(0, 1);', 'missing-builtin'],
  ['findLast', 'arr.findLast(f);', 'missing-builtin'],
  ['Array.prototype.lastIndexOf', 'Array.prototype.lastIndexOf.call(a, 1);', 'missing-builtin'],
  ['BigInt', 'const b = BigInt(1);', 'missing-builtin'],
];

describe('firmware check: Espruino subset', () => {
  it.each(FORBIDDEN)('rejects %s', (_name, source, rule) => {
    const findings = checkSource(source);
    expect(findings.map((f) => f.rule)).toContain(rule);
    expect(findings[0].line).toBeGreaterThan(0);
  });

  it('accepts a clean script using everything Espruino supports', () => {
    const clean = readFileSync(new URL('../fixtures/checker/clean.js', import.meta.url), 'utf8');
    expect(checkSource(clean)).toEqual([]);
  });

  it('does not flag local names that shadow nothing, property keys or later-called functions inside functions', () => {
    const src = 'function a() { return b(); }\nfunction b() { return { Map: 1, from: 2 }.Map; }\nconst x = obj.Set;';
    expect(checkSource(src)).toEqual([]);
  });

  const classSource =
    'class Analog { read() { return 1; } }\nclass Smoke extends Analog { read() { return super.read() + 1; } }\nnew Smoke().read();';

  it("rejects TypeScript's ES5 class output (its __extends runs before the function is declared)", () => {
    const es5 = ts.transpileModule(classSource, { compilerOptions: { target: ts.ScriptTarget.ES5 } }).outputText;
    expect(checkSource(es5).map((f) => f.rule)).toContain('hoisting');
  });

  it("accepts TypeScript's ES2015 class output with useDefineForClassFields false", () => {
    const es2015 = ts.transpileModule(
      `${classSource}\nclass P { x: number = 1; }\nconst y = (z as any)?.w ?? 2 ** 3;`,
      {
        compilerOptions: { target: ts.ScriptTarget.ES2015, useDefineForClassFields: false },
      },
    ).outputText;
    expect(checkSource(es2015)).toEqual([]);
  });

  it('the CLI prints file:line:column and exits 1 on findings, 0 when clean', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pw-check-'));
    const bad = join(dir, 'bad.js');
    writeFileSync(bad, 'const a = 1;\nconst { b } = a;\n');
    const res = spawnSync('node', ['bin/parkwatch.js', 'firmware', 'check', bad], { encoding: 'utf8' });
    expect(res.status).toBe(1);
    expect(res.stdout).toContain(`${bad}:2:7: destructuring`);
    const ok = execFileSync('node', ['bin/parkwatch.js', 'firmware', 'check', 'tests/fixtures/checker/clean.js'], {
      encoding: 'utf8',
    });
    expect(ok).toContain('OK');
  });
});
