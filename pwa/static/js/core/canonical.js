/**
 * Canonical JSON (RFC 8785, JCS) for the types the protocol uses: the twin of sync/canonical.py.
 *
 * Signatures cover these bytes, so both languages must agree on every one: objects, arrays,
 * strings, booleans, null and safe integers only. Fractions are refused rather than encoded,
 * which keeps ECMAScript number formatting out of both implementations.
 */

export const MAX_DEPTH = 32;

const ESCAPES = { '"': '\\"', '\\': '\\\\', '\b': '\\b', '\t': '\\t', '\n': '\\n', '\f': '\\f', '\r': '\\r' };
// Control characters are what this pattern looks for.
// eslint-disable-next-line no-control-regex
const NEEDS_CARE = /["\\\u0000-\u001f\ud800-\udfff]/;
const encoder = new TextEncoder();

/** A value that has no canonical JSON form in this protocol. */
export class CanonicalJSONError extends Error {
  constructor(message) {
    super(message);
    this.name = 'CanonicalJSONError';
  }
}

function string(value) {
  if (!NEEDS_CARE.test(value)) return '"' + value + '"';
  let out = '"';
  for (let i = 0; i < value.length; i++) {
    const ch = value[i];
    const code = value.charCodeAt(i);
    if (ESCAPES[ch] !== undefined) {
      out += ESCAPES[ch];
    } else if (code < 0x20) {
      out += '\\u' + code.toString(16).padStart(4, '0');
    } else if (code >= 0xd800 && code <= 0xdbff) {
      const next = value.charCodeAt(i + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) throw lone();
      out += ch + value[++i];
    } else if (code >= 0xdc00 && code <= 0xdfff) {
      throw lone();
    } else {
      out += ch;
    }
  }
  return out + '"';
}

function lone() {
  // TextEncoder would silently turn a lone surrogate into U+FFFD, and sign different text.
  return new CanonicalJSONError('strings must be valid Unicode (found a lone surrogate)');
}

function isPlainObject(value) {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function encode(value, depth) {
  if (depth > MAX_DEPTH) throw new CanonicalJSONError(`nesting deeper than ${MAX_DEPTH} levels`);
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (Number.isNaN(value) || !Number.isFinite(value)) {
        throw new CanonicalJSONError('NaN and infinities have no JSON form');
      }
      if (!Number.isInteger(value)) {
        throw new CanonicalJSONError('fractional numbers are not allowed; use integers or strings');
      }
      if (!Number.isSafeInteger(value)) {
        throw new CanonicalJSONError(`integer ${value} is outside the range JavaScript holds exactly`);
      }
      return String(value); // String(-0) is '0'
    case 'string':
      return string(value);
    case 'object':
      break;
    default:
      throw new CanonicalJSONError(`type ${typeof value} has no JSON form`);
  }
  if (Array.isArray(value)) {
    const parts = [];
    for (let i = 0; i < value.length; i++) {
      // A hole in a sparse array is undefined, which JSON.stringify would quietly turn into null.
      if (!(i in value)) throw new CanonicalJSONError('arrays must not have holes');
      parts.push(encode(value[i], depth + 1));
    }
    return '[' + parts.join(',') + ']';
  }
  if (!isPlainObject(value)) {
    throw new CanonicalJSONError(`${value.constructor?.name ?? 'this object'} has no JSON form`);
  }
  if (Object.getOwnPropertySymbols(value).length) {
    throw new CanonicalJSONError('object keys must be strings');
  }
  // The default sort compares UTF-16 code units, which is exactly the order JCS asks for.
  const keys = Object.keys(value).sort();
  const parts = keys.map((key) => string(key) + ':' + encode(value[key], depth + 1));
  return '{' + parts.join(',') + '}';
}

/** Return the canonical JSON text of `value`. */
export function canonicalJSON(value) {
  return encode(value, 0);
}

/** Return the canonical JSON of `value` as UTF-8 bytes: what signatures cover. */
export function canonicalBytes(value) {
  return encoder.encode(canonicalJSON(value));
}
