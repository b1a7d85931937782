/**
 * The local key: AES-256-GCM for what only this device keeps (drafts, list summaries and the
 * record keys beside them). It lives sealed in the vault and in memory only while unlocked.
 */

import { b64decode, b64encode } from '../core/b64.js';
import { pad, unpad } from '../core/fields.js';

const subtle = globalThis.crypto.subtle;

/** 32 fresh random bytes as base64url: a new local key, for the vault. */
export function newLocalKey() {
  return b64encode(globalThis.crypto.getRandomValues(new Uint8Array(32)));
}

/** Import the local key from the vault as a non-extractable CryptoKey. */
export function importLocalKey(text) {
  const raw = b64decode(text, 32);
  return subtle.importKey('raw', raw, 'AES-GCM', false, ['encrypt', 'decrypt']).finally(() => raw.fill(0));
}

// The label is the additional data: a sealed box opens only where it was sealed for.
const aad = (label) => new TextEncoder().encode('zapis/local/1/' + label);

/**
 * Seal a JSON value (padded to size buckets, so lengths say little). The box holds bytes, not
 * text: it never leaves the device, and opening a thousand of them must not decode base64.
 */
export async function sealLocal(key, label, value) {
  const nonce = globalThis.crypto.getRandomValues(new Uint8Array(12));
  const ct = await subtle.encrypt({ name: 'AES-GCM', iv: nonce, additionalData: aad(label) }, key,
    pad(new TextEncoder().encode(JSON.stringify(value))));
  return { nonce, ct: new Uint8Array(ct) };
}

/** Open a sealed JSON value; throws if it was altered or sealed for another label. */
export async function openLocal(key, label, box) {
  const plain = await subtle.decrypt({ name: 'AES-GCM', iv: box.nonce, additionalData: aad(label) }, key, box.ct);
  return JSON.parse(new TextDecoder().decode(unpad(new Uint8Array(plain))));
}
