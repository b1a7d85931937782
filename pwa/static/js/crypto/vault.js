/**
 * The passphrase: it seals the device's private keys, bearer token and local key (design §3).
 *
 * Vault v2 (written since issue 17): one PBKDF2-SHA256 run of ITERATIONS rounds yields 32 bytes,
 * exactly one output block, so the person's cost per attempt equals an attacker's. HKDF-SHA256
 * expands them into the AES-GCM key that opens the vault and the 32-byte duress check. Every vault
 * carries a duress check, random when no duress passphrase is set, so the store does not tell
 * whether one is. docs/pwa.md ("The passphrase and its work factor") says why PBKDF2 and why
 * this many rounds.
 *
 * Vault v1 (older installs): PBKDF2 at 600,000 rounds to 64 bytes, the first half the key, the
 * second half hashed into the duress verifier. An attacker needed the first block only, so the
 * person paid twice what a guess cost. A v1 vault still opens; the session seals it again as v2
 * at that unlock (`upgrade`). Its duress verifier cannot be carried over (only the duress
 * passphrase could recompute it), so it is kept as `legacy_duress` and checked, at v1 cost, only
 * when a passphrase fails to open the vault, until a duress passphrase is set or cleared again.
 */

import { b64decode, b64encode } from '../core/b64.js';
import { canonicalBytes } from '../core/canonical.js';

export const ITERATIONS = 1200000;
export const V1_ITERATIONS = 600000;
const KDF = 'PBKDF2-SHA256/HKDF-SHA256';
const V1_KDF = 'PBKDF2-SHA256';
const enc = (s) => new TextEncoder().encode(s);
const AAD = { 1: enc('zapis/vault/1'), 2: enc('zapis/vault/2') };
const DURESS_LABEL = enc('zapis/duress/1');
const INFO_KEY = enc('zapis/vault/2/key');
const INFO_DURESS = enc('zapis/vault/2/duress');
const subtle = globalThis.crypto.subtle;
const random = (n) => globalThis.crypto.getRandomValues(new Uint8Array(n));

async function pbkdf2(passphrase, salt, iterations, bits) {
  const base = await subtle.importKey('raw', enc(passphrase.normalize('NFC')), 'PBKDF2', false, ['deriveBits']);
  return new Uint8Array(await subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt, iterations }, base, bits));
}

// v2: 32 bytes from PBKDF2, expanded by HKDF (empty salt: the PBKDF2 output is already uniform).
async function stretch(passphrase, salt, iterations) {
  if (iterations < ITERATIONS) throw new Error(`a v2 vault needs at least ${ITERATIONS} PBKDF2 rounds`);
  const seed = await pbkdf2(passphrase, salt, iterations, 256);
  const prk = await subtle.importKey('raw', seed, 'HKDF', false, ['deriveBits', 'deriveKey']);
  seed.fill(0);
  const hkdf = (info) => ({ name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info });
  const key = await subtle.deriveKey(hkdf(INFO_KEY), prk, { name: 'AES-GCM', length: 256 }, false,
    ['encrypt', 'decrypt']);
  const check = new Uint8Array(await subtle.deriveBits(hkdf(INFO_DURESS), prk, 256));
  const verifier = b64encode(check);
  check.fill(0);
  return { key, verifier };
}

// v1, to open older vaults and check a duress verifier carried over from one.
async function stretchV1(passphrase, salt, iterations) {
  if (iterations < V1_ITERATIONS) throw new Error('a vault needs at least 600,000 PBKDF2 rounds');
  const bits = await pbkdf2(passphrase, salt, iterations, 512);
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

async function decrypt(vault, key) {
  try {
    const plain = await subtle.decrypt({ name: 'AES-GCM', iv: b64decode(vault.nonce), additionalData: AAD[vault.v] },
      key, b64decode(vault.ct));
    return JSON.parse(new TextDecoder().decode(plain));
  } catch {
    return null; // the wrong passphrase (AES-GCM refuses): the caller says 'wrong'
  }
}

/** Seal `secret` (a JSON object) under a passphrase as a v2 vault; `duress` keeps an earlier check. */
export async function seal(secret, passphrase, { salt = b64encode(random(16)), duress = noDuress(), legacy } = {}) {
  const { key } = await stretch(passphrase, b64decode(salt), ITERATIONS);
  const nonce = random(12);
  const ct = await subtle.encrypt({ name: 'AES-GCM', iv: nonce, additionalData: AAD[2] }, key, canonicalBytes(secret));
  const vault = { v: 2, kdf: KDF, iterations: ITERATIONS, salt, nonce: b64encode(nonce),
    ct: b64encode(new Uint8Array(ct)), duress };
  if (legacy) vault.legacy_duress = legacy;
  return vault;
}

/**
 * Try a passphrase: {status: 'open', secret, upgrade} | {status: 'duress'} | {status: 'wrong'}.
 * `upgrade` is true when the vault is older than v2 and should be sealed again (see `upgrade`).
 */
export async function open(vault, passphrase) {
  if (vault.v === 1) {
    const { key, verifier } = await stretchV1(passphrase, b64decode(vault.salt), vault.iterations);
    if (equal(verifier, vault.duress)) return { status: 'duress' };
    const secret = await decrypt(vault, key);
    return secret ? { status: 'open', secret, upgrade: true } : { status: 'wrong' };
  }
  if (vault.v !== 2) throw new Error(`unknown vault version ${vault.v}`);
  const { key, verifier } = await stretch(passphrase, b64decode(vault.salt), vault.iterations);
  if (equal(verifier, vault.duress)) return { status: 'duress' };
  const secret = await decrypt(vault, key);
  if (secret) return { status: 'open', secret, upgrade: false };
  // Only a passphrase that opens nothing pays for the check carried over from a v1 vault.
  const legacy = vault.legacy_duress;
  if (legacy && equal((await stretchV1(passphrase, b64decode(legacy.salt), legacy.iterations)).verifier,
    legacy.verifier)) {
    return { status: 'duress' };
  }
  return { status: 'wrong' };
}

/** A v1 vault, opened with `passphrase` to `secret`, sealed again as v2 (new salt; duress kept as legacy). */
export async function upgrade(vault, secret, passphrase) {
  if (vault.v !== 1) return vault;
  return seal(secret, passphrase,
    { legacy: { salt: vault.salt, iterations: vault.iterations, verifier: vault.duress } });
}

/** The vault with `passphrase` as its duress passphrase (replacing any, the carried-over one too). */
export async function withDuress(vault, passphrase) {
  const { legacy_duress: _, ...rest } = vault;
  return { ...rest, duress: (await stretch(passphrase, b64decode(vault.salt), vault.iterations)).verifier };
}

/** The vault with no duress passphrase: a check no passphrase matches. */
export function withoutDuress(vault) {
  const { legacy_duress: _, ...rest } = vault;
  return { ...rest, duress: noDuress() };
}

/** The duress check of a passphrase for this v2 vault (same salt, so one PBKDF2 run checks both). */
export async function duressVerifier(vault, passphrase) {
  return (await stretch(passphrase, b64decode(vault.salt), vault.iterations)).verifier;
}

/** A check that no passphrase matches: what a vault holds when no duress passphrase is set. */
export function noDuress() {
  return b64encode(random(32));
}

/** A v1 vault, as older versions of the app wrote it (kept for tests of the upgrade). */
export async function sealV1(secret, passphrase, { salt = b64encode(random(16)), duress = noDuress() } = {}) {
  const { key } = await stretchV1(passphrase, b64decode(salt), V1_ITERATIONS);
  const nonce = random(12);
  const ct = await subtle.encrypt({ name: 'AES-GCM', iv: nonce, additionalData: AAD[1] }, key, canonicalBytes(secret));
  return { v: 1, kdf: V1_KDF, iterations: V1_ITERATIONS, salt, nonce: b64encode(nonce),
    ct: b64encode(new Uint8Array(ct)),
    duress };
}

/** The v1 duress verifier of a passphrase (tests: a v1 vault with a duress passphrase set). */
export async function duressVerifierV1(salt, passphrase, iterations = V1_ITERATIONS) {
  return (await stretchV1(passphrase, b64decode(salt), iterations)).verifier;
}
