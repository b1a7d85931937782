/**
 * base64url without padding, decoded strictly (the twin of sync/b64.py). Where the engine has
 * them (Chromium 140+, Firefox 133+, Safari 18.2+), the native Uint8Array.fromBase64 and toBase64
 * do the work for longer texts; below a few dozen bytes the JavaScript here is faster (a native
 * call costs about a microsecond before it reads a character: bench/README.md, "2026-12-04 later"),
 * and it is all there is in Node 20 and older browsers. Both give the same answers
 * (tests/js/b64.test.mjs, run in Node and in Chromium).
 */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
// Each UTF-16 code unit's 6-bit value, -1 for anything not of the alphabet: one typed lookup a
// character checks and decodes it (a Map lookup, or a pattern test first, cost more than the rest).
const VALUE = new Int8Array(65536).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) VALUE[ALPHABET.charCodeAt(i)] = i;

const NATIVE_ENCODE = typeof Uint8Array.prototype.toBase64 === 'function';
const NATIVE_DECODE = typeof Uint8Array.fromBase64 === 'function';
/** True when this engine's own base64 does the longer texts (the catch-up decodes megabytes). */
export const NATIVE_BASE64 = NATIVE_ENCODE && NATIVE_DECODE;
// Below these the JavaScript is faster (measured in Chromium 156; bench/README.md).
const NATIVE_FROM_BYTES = 32;
const NATIVE_FROM_CHARS = 128;
const URL_NO_PADDING = { alphabet: 'base64url', omitPadding: true };
const URL = { alphabet: 'base64url' }; // its last chunk 'loose': 2 or 3 characters need no padding

/** Text that is not canonical base64url without padding. */
export class Base64Error extends Error {
  constructor(message) {
    super(message);
    this.name = 'Base64Error';
  }
}

/** Encode bytes as base64url text without padding. */
export function b64encode(bytes) {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('b64encode takes a Uint8Array');
  return NATIVE_ENCODE && bytes.length >= NATIVE_FROM_BYTES ? bytes.toBase64(URL_NO_PADDING) : encodeJS(bytes);
}

/** b64encode in JavaScript, whatever the engine has (exported for the tests that compare them). */
export function encodeJS(bytes) {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('b64encode takes a Uint8Array');
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    out += ALPHABET[n >> 18] + ALPHABET[(n >> 12) & 63] + ALPHABET[(n >> 6) & 63] + ALPHABET[n & 63];
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i] << 16;
    out += ALPHABET[n >> 18] + ALPHABET[(n >> 12) & 63];
  } else if (rest === 2) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8);
    out += ALPHABET[n >> 18] + ALPHABET[(n >> 12) & 63] + ALPHABET[(n >> 6) & 63];
  }
  return out;
}

const refused = () => new Base64Error('not base64url without padding');

function checkLength(out, length) {
  if (length !== undefined && length !== null && out.length !== length) {
    throw new Base64Error(`expected ${length} bytes, got ${out.length}`);
  }
  return out;
}

/** Decode canonical unpadded base64url text; optionally require an exact byte length. */
export function b64decode(text, length) {
  if (!NATIVE_DECODE || typeof text !== 'string' || text.length < NATIVE_FROM_CHARS) return decodeJS(text, length);
  const n = text.length;
  const rest = n % 4;
  if (rest === 1) throw refused();
  // A last chunk of 2 characters carries 8 bits of 12, of 3 characters 16 of 18: the others must
  // be zero, or two texts would decode to the same bytes ('loose' would let them through).
  const last = VALUE[text.charCodeAt(n - 1)];
  if (last < 0) throw refused();
  if (rest && (last & (rest === 2 ? 15 : 3)) !== 0) {
    throw new Base64Error('non-canonical base64url (stray bits at the end)');
  }
  let out;
  try {
    out = Uint8Array.fromBase64(text, URL);
  } catch {
    throw refused(); // a character not of the alphabet, or padding inside
  }
  // fromBase64 skips ASCII whitespace and reads padding; either leaves fewer bytes than
  // characters make, which is refused here (a length of 4k + 1 never reaches this).
  if (out.length !== Math.floor((n * 3) / 4)) throw refused();
  return checkLength(out, length);
}

/** b64decode in JavaScript, whatever the engine has (exported for the tests that compare them). */
export function decodeJS(text, length) {
  if (typeof text !== 'string' || text.length % 4 === 1) throw refused();
  const n = text.length;
  const out = new Uint8Array(Math.floor((n * 3) / 4));
  let i = 0;
  let j = 0;
  let bad = 0;
  // Four characters make three bytes; a character not of the alphabet (-1) makes `v` negative.
  for (const whole = n - (n % 4); i < whole; i += 4) {
    const v = (VALUE[text.charCodeAt(i)] << 18) | (VALUE[text.charCodeAt(i + 1)] << 12)
      | (VALUE[text.charCodeAt(i + 2)] << 6) | VALUE[text.charCodeAt(i + 3)];
    bad |= v;
    out[j++] = v >> 16;
    out[j++] = (v >> 8) & 255;
    out[j++] = v & 255;
  }
  let bits = 0;
  let acc = 0;
  for (; i < n; i++) {
    const c = VALUE[text.charCodeAt(i)];
    bad |= c;
    acc = (acc << 6) | (c & 63);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[j++] = (acc >> bits) & 255;
      acc &= (1 << bits) - 1;
    }
  }
  if (bad < 0) throw refused();
  // Leftover bits must be zero, or two texts would decode to the same bytes.
  if (acc !== 0) throw new Base64Error('non-canonical base64url (stray bits at the end)');
  return checkLength(out, length);
}
