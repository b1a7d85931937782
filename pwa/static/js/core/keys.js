/** P-256 keys in WebCrypto: generation, the wire forms (raw points, P1363 signatures), fingerprints. */

import { b64decode, b64encode } from './b64.js';

export const PUBLIC_KEY_BYTES = 65;
export const SIGNATURE_BYTES = 64;

const subtle = globalThis.crypto.subtle;
const ECDSA = { name: 'ECDSA', namedCurve: 'P-256' };
const ECDH = { name: 'ECDH', namedCurve: 'P-256' };
const SIGN_WITH = { name: 'ECDSA', hash: 'SHA-256' };
const CACHE_SIZE = 4096;
// The order of P-256's base point. A signature (r, s) also verifies as (r, n - s); only the low
// one (s <= n / 2) is accepted, so one signed text has exactly one signature (as sync/keys.py).
const ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551n;
const HALF_ORDER = ORDER >> 1n;

function toBig(bytes) {
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  return n;
}

function fromBig(n, length) {
  const out = new Uint8Array(length);
  for (let i = length - 1; i >= 0; i--) {
    out[i] = Number(n & 255n);
    n >>= 8n;
  }
  return out;
}

/** The low-s form of a P1363 signature (WebCrypto may give either). */
export function lowS(sig) {
  const s = toBig(sig.subarray(32));
  if (s <= HALF_ORDER) return sig;
  const out = sig.slice();
  out.set(fromBig(ORDER - s, 32), 32);
  return out;
}

// The bounds as 32 big-endian bytes, for isLowS: comparing bytes takes a fiftieth of the time of
// building two BigInts, and a catch-up checks two signatures a record.
const ORDER_BYTES = fromBig(ORDER, 32);
const HALF_ORDER_BYTES = fromBig(HALF_ORDER, 32);

// a[at .. at + 32) compared with b as big-endian numbers: negative, 0 or positive.
function compare32(a, at, b) {
  for (let i = 0; i < 32; i++) {
    const d = a[at + i] - b[i];
    if (d !== 0) return d;
  }
  return 0;
}

function isZero32(a, at) {
  for (let i = 0; i < 32; i++) if (a[at + i] !== 0) return false;
  return true;
}

/** True when a 64-byte P1363 signature has 0 < r < n and 0 < s <= n / 2. */
export function isLowS(sig) {
  if (sig.length !== 64) return false;
  return !isZero32(sig, 0) && compare32(sig, 0, ORDER_BYTES) < 0
    && !isZero32(sig, 32) && compare32(sig, 32, HALF_ORDER_BYTES) <= 0;
}
const signKeys = new Map();
const ecdhKeys = new Map();

/** A public key that is not an uncompressed P-256 point on the curve. */
export class InvalidKeyError extends Error {
  constructor(message) {
    super(message);
    this.name = 'InvalidKeyError';
  }
}

/** New signing (ECDSA) and key agreement (ECDH) key pairs for a device. */
export async function generateDeviceKeys({ extractable = false } = {}) {
  const [sign, ecdh] = await Promise.all([
    subtle.generateKey(ECDSA, extractable, ['sign', 'verify']),
    subtle.generateKey(ECDH, extractable, ['deriveBits']),
  ]);
  return { sign, ecdh };
}

/** The 65-byte uncompressed point of a public key, as base64url: the form it travels in. */
export async function exportPublic(publicKey) {
  return b64encode(new Uint8Array(await subtle.exportKey('raw', publicKey)));
}

function importPublic(cache, text, algorithm, usages) {
  let key = cache?.get(text);
  if (!key) {
    key = (async () => {
      let raw;
      try {
        raw = b64decode(text, PUBLIC_KEY_BYTES);
      } catch {
        raw = null; // not base64 of the right length: the InvalidKeyError below
      }
      if (!raw || raw[0] !== 4) throw new InvalidKeyError('not an uncompressed P-256 public key');
      try {
        return await subtle.importKey('raw', raw, algorithm, true, usages);
      } catch {
        throw new InvalidKeyError('not a point on P-256');
      }
    })();
    if (!cache) return key;
    // Oldest first: Map iterates in insertion order, which makes this a cheap bounded cache.
    if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value);
    cache.set(text, key);
    key.catch(() => cache.delete(text)); // a failed import is not cached; the caller gets its error
  }
  return key;
}

/** Import a signing public key from base64url text (cached); rejects with InvalidKeyError. */
export function importSignPublic(text) {
  return importPublic(signKeys, text, ECDSA, ['verify']);
}

/** Import an ECDH public key from base64url text (cached unless told); rejects with InvalidKeyError. */
export function importEcdhPublic(text, { cache = true } = {}) {
  // Ephemeral keys of wraps are each seen once: caching them would only push out devices' keys.
  return importPublic(cache ? ecdhKeys : null, text, ECDH, []);
}

/** Import a PKCS#8 private key (base64url) for 'sign' or 'ecdh'. */
export function importPrivatePkcs8(text, use, extractable = false) {
  if (use !== 'sign' && use !== 'ecdh') throw new TypeError("use must be 'sign' or 'ecdh'");
  const [algorithm, usages] = use === 'sign' ? [ECDSA, ['sign']] : [ECDH, ['deriveBits']];
  return subtle.importKey('pkcs8', b64decode(text), algorithm, extractable, usages);
}

/** SHA-256 of the raw public key, base64url: a workspace's or a device's fingerprint. */
export async function fingerprint(publicText) {
  const raw = b64decode(publicText, PUBLIC_KEY_BYTES);
  return b64encode(new Uint8Array(await subtle.digest('SHA-256', raw)));
}

/** ECDSA P-256 SHA-256 signature of `bytes` in P1363 form (r||s), base64url, low-s. */
export async function sign(privateKey, bytes) {
  return b64encode(lowS(new Uint8Array(await subtle.sign(SIGN_WITH, privateKey, bytes))));
}

/** True when `signatureText` is a low-s signature of `bytes` under that key; false for malformed input. */
export async function verify(publicText, signatureText, bytes) {
  try {
    const key = await importSignPublic(publicText);
    const sig = b64decode(signatureText, SIGNATURE_BYTES);
    if (!isLowS(sig)) return false;
    return await subtle.verify(SIGN_WITH, key, sig, bytes);
  } catch {
    return false; // a malformed key or signature verifies nothing, never a throw (as in Python)
  }
}
