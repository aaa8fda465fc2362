import { type Context, createContext, Script } from 'node:vm';
import { PROBES } from '../../firmware/check/probes.ts';
import { regexFeatures } from '../../firmware/check/regex-features.ts';

/**
 * A `vm` context that behaves like Espruino 2v29 where V8 would silently do better: the built-ins
 * Espruino lacks are absent (a call throws, as on the board), RegExp refuses the pattern features
 * Espruino's engine cannot run (there they silently never match) and JSON.stringify escapes as
 * Espruino does (signatures are computed over those bytes). The table is firmware/check/probes.ts,
 * measured in the real interpreter; the checker rejects regex literals statically.
 * Non-configurable constants (Number.EPSILON, Number.MAX_SAFE_INTEGER) cannot be removed.
 */
export function espruinoContext(globals: Record<string, unknown>): Context {
  const context = createContext(globals);
  (HARDEN.runInContext(context) as Harden)(checkPattern, MISSING);
  return context;
}

type Harden = (check: (pattern: unknown, flags: unknown) => void, missing: string[][]) => void;

const FAILING_REGEX = new Set(PROBES.filter((p) => p.kind === 'regex' && !p.espruino).map((p) => p.feature));
/** Paths of the built-ins Espruino lacks: ['Number', 'isFinite'], ['String', 'prototype', 'trimEnd']. */
const MISSING = PROBES.filter((p) => p.kind === 'builtin' && !p.espruino).map((p) => p.feature.split('.'));

/** Throws, naming the pattern and its features, when Espruino cannot run this pattern. */
function checkPattern(pattern: unknown, flags: unknown): void {
  const re =
    typeof pattern === 'object' && pattern !== null ? (pattern as { source: string; flags: string }) : undefined;
  const source = re ? re.source : String(pattern ?? '');
  const f = flags !== undefined ? String(flags) : re ? re.flags : '';
  const bad = [...regexFeatures(source, f)].filter((x) => FAILING_REGEX.has(x));
  if (bad.length > 0)
    throw new SyntaxError(`/${source}/${f}: ${bad.join(', ')} not supported by Espruino's regular expressions`);
}

/** Runs in the context's own realm (its RegExp, JSON, Number...), once per context. */
const HARDEN = new Script(
  String.raw`(function (check, missing) {
  var R = Reflect;
  var NativeRegExp = RegExp;
  var native = JSON.stringify.bind(JSON);
  // V8 writes non-ASCII as it is and control characters as \u001f; Espruino writes \u00E9 and \u001F
  var escapes = /\\(?:u[0-9a-f]{4}|\\)|[\u007f-\uffff]/g;
  function upper(m) {
    if (m === '\\\\') return m;
    if (m.length === 6) return '\\u' + m.slice(2).toUpperCase();
    return '\\u' + ('000' + m.charCodeAt(0).toString(16).toUpperCase()).slice(-4);
  }
  JSON.stringify = function stringify(value, replacer, space) {
    var text = native(value, replacer, space);
    return typeof text === 'string' && /[\\\u007f-\uffff]/.test(text) ? text.replace(escapes, upper) : text;
  };
  var Checked = new Proxy(NativeRegExp, {
    construct: function (target, args, newTarget) {
      check(args[0], args[1]);
      return R.construct(target, args, newTarget === Checked ? target : newTarget);
    },
    apply: function (target, self, args) {
      check(args[0], args[1]);
      return R.apply(target, self, args);
    },
  });
  globalThis.RegExp = Checked;
  missing.forEach(function (path) {
    var o = globalThis;
    for (var i = 0; i < path.length - 1; i++) o = o[path[i]];
    delete o[path[path.length - 1]];
  });
})`,
  { filename: 'espruino-realm.js' },
);
