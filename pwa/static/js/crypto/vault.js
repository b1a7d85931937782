/**
 * The passphrase: it seals the device's private keys, bearer token and local key (design §3).
 *
 * One PBKDF2-SHA256 run (600,000 rounds) per attempt yields 64 bytes: the first half is the AES
 * key that opens the vault, the second half is checked against the duress verifier. Every vault
 * carries a verifier, random when no duress passphrase is set, so the store does not tell
 * whether one is.
 */

import { b64decode, b64encode } from '../core/b64.js';
import { canonicalBytes } from '../core/canonical.js';

export const ITERATIONS = 600000;
const KDF = 'PBKDF2-SHA256';
const AAD = new TextEncoder().encode('zapis/vault/1');
const DURESS_LABEL = new TextEncoder().encode('zapis/duress/1');
const subtle = globalThis.crypto.subtle;
const random = (n) => globalThis.crypto.getRandomValues(new Uint8Array(n));

async function stretch(passphrase, salt, iterations) {
  if (iterations < ITERATIONS) throw new Error('a vault needs at least 600,000 PBKDF2 rounds');
  const base = await subtle.importKey('raw', new TextEncoder().encode(passphrase.normalize('NFC')), 'PBKDF2',
    false, ['deriveBits']);
  const bits = new Uint8Array(await subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt, iterations },
    base, 512));
  const key = await subtle.importKey('raw', bits.slice(0, 32), 'AES-GCM', false, ['encrypt', 'decrypt']);
  const check = new Uint8Array(DURESS_LABEL.length + 32);
  check.set(DURESS_LABEL);
  check.set(bits.subarray(32), DURESS_LABEL.length);
  const verifier = b64encode(new Uint8Array(await subtle.digest('SHA-256', check)));
  bits.fill(0);
  check.fill(0);
  return { key, verifier };
}

function equal(a, b) {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/** Seal `secret` (a JSON object) under a passphrase; keep `salt` and `duress` of an earlier vault. */
export async function seal(secret, passphrase, { salt = b64encode(random(16)), duress = b64encode(random(32)) } = {}) {
  const { key } = await stretch(passphrase, b64decode(salt), ITERATIONS);
  const nonce = random(12);
  const ct = await subtle.encrypt({ name: 'AES-GCM', iv: nonce, additionalData: AAD }, key, canonicalBytes(secret));
  return { v: 1, kdf: KDF, iterations: ITERATIONS, salt, nonce: b64encode(nonce), ct: b64encode(new Uint8Array(ct)),
    duress };
}

/** Try a passphrase: {status: 'open', secret} | {status: 'duress'} | {status: 'wrong'}. */
export async function open(vault, passphrase) {
  const { key, verifier } = await stretch(passphrase, b64decode(vault.salt), vault.iterations);
  if (equal(verifier, vault.duress)) return { status: 'duress' };
  try {
    const plain = await subtle.decrypt({ name: 'AES-GCM', iv: b64decode(vault.nonce), additionalData: AAD }, key,
      b64decode(vault.ct));
    return { status: 'open', secret: JSON.parse(new TextDecoder().decode(plain)) };
  } catch {
    return { status: 'wrong' };
  }
}

/** The duress verifier of a passphrase for this vault (same salt, so one PBKDF2 run checks both). */
export async function duressVerifier(vault, passphrase) {
  return (await stretch(passphrase, b64decode(vault.salt), vault.iterations)).verifier;
}

/** A verifier that no passphrase matches: what a vault holds when no duress passphrase is set. */
export function noDuress() {
  return b64encode(random(32));
}
