/**
 * Canonical JSON: object keys sorted, no whitespace, every character outside printable
 * ASCII escaped as \uXXXX. The result is pure ASCII, so a byte is a character on the node
 * and on the gateway, and the serial checksum and the HMAC see the same bytes on both.
 * Numbers should be integers: floats may print differently on Espruino and V8, which is
 * harmless for signing (the signature covers the sent bytes) but not for golden vectors.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  const t = typeof value;
  if (t === 'number') return isFinite(value as number) ? String(value) : 'null';
  if (t === 'boolean') return value ? 'true' : 'false';
  if (t === 'string') return quote(value as string);
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ',';
      out += canonicalJson(value[i]);
    }
    return out + ']';
  }
  if (t === 'object') {
    const obj = value as { [key: string]: unknown };
    const keys = Object.keys(obj).sort();
    let out = '{';
    let first = true;
    for (const key of keys) {
      if (obj[key] === undefined) continue;
      if (!first) out += ',';
      first = false;
      out += quote(key) + ':' + canonicalJson(obj[key]);
    }
    return out + '}';
  }
  return 'null';
}

const HEX = '0123456789abcdef';

function quote(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 34) out += '\\"';
    else if (c === 92) out += '\\\\';
    else if (c >= 32 && c < 127) out += s.charAt(i);
    else if (c === 10) out += '\\n';
    else if (c === 13) out += '\\r';
    else if (c === 9) out += '\\t';
    else
      out +=
        '\\u' + HEX.charAt((c >> 12) & 15) + HEX.charAt((c >> 8) & 15) + HEX.charAt((c >> 4) & 15) + HEX.charAt(c & 15);
  }
  return out + '"';
}
