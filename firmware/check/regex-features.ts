/**
 * The features a regular expression uses, by name (the `feature` of a regex probe in probes.ts),
 * read from the pattern's text: the checker compares them with what Espruino was measured to run,
 * because a pattern Espruino cannot run silently never matches there.
 */
export function regexFeatures(pattern: string, flags: string): Set<string> {
  const out = new Set<string>();
  for (const f of flags) out.add(`flag-${f}`);
  /** the last atom could take a quantifier; `group` when it was a (...) */
  let atom: 'none' | 'plain' | 'group' = 'none';
  const groups: boolean[] = [];
  let i = 0;
  while (i < pattern.length) {
    const c = pattern[i];
    if (c === '\\') {
      i = readEscape(pattern, i, false, out);
      atom = 'plain';
    } else if (c === '[') {
      i = charClass(pattern, i, out);
      atom = 'plain';
    } else if (c === '(') {
      groups.push(true);
      if (pattern.startsWith('(?:', i)) out.add('non-capturing-group');
      else if (pattern.startsWith('(?=', i) || pattern.startsWith('(?!', i)) out.add('lookahead');
      else if (pattern.startsWith('(?<=', i) || pattern.startsWith('(?<!', i)) out.add('lookbehind');
      else if (pattern.startsWith('(?<', i)) out.add('named-group');
      else out.add('group');
      i += pattern[i + 1] === '?' ? 2 : 1;
      atom = 'none';
    } else if (c === ')') {
      groups.pop();
      i++;
      atom = 'group';
    } else if (c === '|') {
      out.add('alternation');
      i++;
      atom = 'none';
    } else if (c === '^' || c === '$') {
      out.add('anchors');
      i++;
      atom = 'none';
    } else if (c === '*' || c === '+' || c === '?' || (c === '{' && quantifierBraces(pattern, i) > 0)) {
      const end = c === '{' ? quantifierBraces(pattern, i) : i + 1;
      out.add(quantifierName(pattern.slice(i, end)));
      if (atom === 'group') out.add('group-quantifier');
      i = end;
      if (pattern[i] === '?') {
        out.add('lazy');
        i++;
      }
      atom = 'none';
    } else {
      out.add(c === '.' ? 'any' : 'char');
      i++;
      atom = 'plain';
    }
  }
  return out;
}

function quantifierName(q: string): string {
  if (q === '*') return 'star';
  if (q === '+') return 'plus';
  if (q === '?') return 'optional';
  if (!q.includes(',')) return 'repeat-exact';
  return q.endsWith(',}') ? 'repeat-min' : 'repeat-range';
}

/** End index of `{n}`, `{n,}` or `{n,m}` at `i`, or 0 when the brace is a plain character. */
function quantifierBraces(p: string, i: number): number {
  const m = /^\{\d+(,\d*)?\}/.exec(p.slice(i));
  return m ? i + m[0].length : 0;
}

/** Reads the escape at `i` (a backslash), records its feature, returns the index after it. */
function readEscape(p: string, i: number, inClass: boolean, out: Set<string>): number {
  const c = p[i + 1] ?? '';
  if (/[1-9]/.test(c) && !inClass) {
    out.add('backreference');
    return i + 2;
  }
  if (c === 'k' && p[i + 2] === '<') {
    out.add('backreference');
    return p.indexOf('>', i) + 1 || p.length;
  }
  if ('dws'.includes(c)) out.add(inClass ? 'class-escape-in-class' : 'class-escape');
  else if ('DWS'.includes(c)) out.add(inClass ? 'class-escape-in-class' : 'negated-class-escape');
  else if ((c === 'b' || c === 'B') && !inClass) out.add('word-boundary');
  else if (c === 'x') {
    out.add('hex-escape');
    return i + 4;
  } else if (c === 'u') {
    out.add('unicode-escape');
    return p[i + 2] === '{' ? p.indexOf('}', i) + 1 || p.length : i + 6;
  } else if (c === 'p' || c === 'P') {
    out.add('unicode-property');
    return p[i + 2] === '{' ? p.indexOf('}', i) + 1 || p.length : i + 3;
  } else if ('tnrfv0b'.includes(c)) out.add('control-escape');
  else out.add('escaped-char');
  return i + 2;
}

/** Reads the class `[...]` at `i`, returns the index after its `]`. */
function charClass(p: string, i: number, out: Set<string>): number {
  let j = i + 1;
  if (p[j] === '^') {
    out.add('negated-class');
    j++;
  } else out.add('class');
  // a `]` first in the class is a character in JavaScript only as `[]` (empty) or `[^]` (anything)
  while (j < p.length && p[j] !== ']') j = p[j] === '\\' ? readEscape(p, j, true, out) : j + 1;
  return j + 1;
}
