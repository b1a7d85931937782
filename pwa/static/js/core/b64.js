/** base64url without padding, decoded strictly (the twin of sync/b64.py). */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
// Each character code's 6-bit value (-1: not of the alphabet); a typed table, as a Map lookup per
// character made decoding a pulled page's ciphertexts one of the catch-up's largest costs.
const VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) VALUE[ALPHABET.charCodeAt(i)] = i;
const PATTERN = /^[A-Za-z0-9_-]*$/;

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

/** Decode canonical unpadded base64url text; optionally require an exact byte length. */
export function b64decode(text, length) {
  if (typeof text !== 'string' || !PATTERN.test(text) || text.length % 4 === 1) {
    throw new Base64Error('not base64url without padding');
  }
  const n = text.length;
  const out = new Uint8Array(Math.floor((n * 3) / 4));
  let i = 0;
  let j = 0;
  // Four characters make three bytes; the pattern above vouched for every character.
  for (const whole = n - (n % 4); i < whole; i += 4) {
    const v = (VALUE[text.charCodeAt(i)] << 18) | (VALUE[text.charCodeAt(i + 1)] << 12)
      | (VALUE[text.charCodeAt(i + 2)] << 6) | VALUE[text.charCodeAt(i + 3)];
    out[j++] = v >> 16;
    out[j++] = (v >> 8) & 255;
    out[j++] = v & 255;
  }
  let bits = 0;
  let acc = 0;
  for (; i < n; i++) {
    acc = (acc << 6) | VALUE[text.charCodeAt(i)];
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[j++] = (acc >> bits) & 255;
      acc &= (1 << bits) - 1;
    }
  }
  // Leftover bits must be zero, or two texts would decode to the same bytes.
  if (acc !== 0) throw new Base64Error('non-canonical base64url (stray bits at the end)');
  if (length !== undefined && length !== null && out.length !== length) {
    throw new Base64Error(`expected ${length} bytes, got ${out.length}`);
  }
  return out;
}
