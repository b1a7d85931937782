// Shared by the JS tests: the vector files and keys built from them. Not a test file itself.
import { readFileSync } from 'node:fs';

import { b64decode, b64encode } from '../../pwa/static/js/core/b64.js';

/** The parsed vector file tests/vectors/<name>.json. */
export function vectors(name) {
  return JSON.parse(readFileSync(new URL(`../vectors/${name}.json`, import.meta.url), 'utf-8'));
}

/** An ECDH key pair from PKCS#8 text: WebCrypto cannot derive a public key, so go through JWK. */
export async function ecdhPairFromPkcs8(text) {
  const algorithm = { name: 'ECDH', namedCurve: 'P-256' };
  const subtle = globalThis.crypto.subtle;
  const extractable = await subtle.importKey('pkcs8', b64decode(text), algorithm, true, ['deriveBits']);
  const { kty, crv, x, y } = await subtle.exportKey('jwk', extractable);
  const publicKey = await subtle.importKey('jwk', { kty, crv, x, y }, algorithm, true, []);
  const privateKey = await subtle.importKey('pkcs8', b64decode(text), algorithm, false, ['deriveBits']);
  return { publicKey, privateKey };
}

/** A deterministic PRNG (mulberry32), so a failing property test can be replayed from its seed. */
export function prng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n) => Math.floor(next() * n);
  const pick = (items) => items[int(items.length)];
  const shuffle = (items) => {
    const out = [...items];
    for (let i = out.length - 1; i > 0; i--) {
      const j = int(i + 1);
      [out[i], out[j]] = [out[j], out[i]];
    }
    return out;
  };
  return { next, int, pick, shuffle };
}

/** Bytes of a UTF-8 string, for signing in tests. */
export const utf8 = (text) => new TextEncoder().encode(text);

/** Flip one bit of a base64url value, keeping it canonical. */
export function flipBit(text, byte = 0) {
  const bytes = b64decode(text);
  bytes[byte] ^= 1;
  return b64encode(bytes);
}
