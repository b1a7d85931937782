/** Field values: padded, encrypted with the record key, bound to workspace, record, field and dot. */

import { b64decode, b64encode } from './b64.js';
import { canonicalBytes } from './canonical.js';
import { ProtocolError } from './errors.js';

export const FIELD = 'zapis/field/1';
export const NONCE_BYTES = 12;
export const KEY_BYTES = 32;
export const MAX_PLAINTEXT = 64 * 1024;
// Plaintexts are padded up to one of these sizes (then to multiples of the last), so the
// length of a ciphertext says little about what it holds.
export const PAD_BUCKETS = [128, 512, 2048, 8192];

const subtle = globalThis.crypto.subtle;
const decoder = new TextDecoder('utf-8', { fatal: true });

// Importing a record key once per key array keeps bulk decryption cheap. The bytes are kept
// beside the CryptoKey and compared, so a reused buffer can never pick up another record's key.
const aesKeys = new WeakMap();

async function aesKey(bytes) {
  if (!(bytes instanceof Uint8Array) || bytes.length !== KEY_BYTES) {
    throw new TypeError('a record key is a Uint8Array of 32 bytes');
  }
  const hit = aesKeys.get(bytes);
  if (hit && hit.bytes.every((b, i) => b === bytes[i])) return hit.key;
  const copy = bytes.slice();
  const key = await subtle.importKey('raw', copy, 'AES-GCM', false, ['encrypt', 'decrypt']);
  aesKeys.set(bytes, { bytes: copy, key });
  return key;
}

/** ISO/IEC 7816-4 padding (0x80 then zeros) up to the next size bucket. */
export function pad(data) {
  const need = data.length + 1;
  const last = PAD_BUCKETS[PAD_BUCKETS.length - 1];
  const size = PAD_BUCKETS.find((b) => b >= need) ?? Math.ceil(need / last) * last;
  const out = new Uint8Array(size);
  out.set(data);
  out[data.length] = 0x80;
  return out;
}

/** Remove the padding added by `pad`; throw ProtocolError('bad_padding') if there is none. */
export function unpad(data) {
  let end = data.length;
  while (end > 0 && data[end - 1] === 0) end--;
  if (end === 0 || data[end - 1] !== 0x80) {
    throw new ProtocolError('bad_padding', 'the decrypted value is not padded correctly');
  }
  return data.slice(0, end - 1);
}

/**
 * Additional data binding a ciphertext to its workspace, record, field and dot. `epoch` is the
 * change's key epoch (`e`): the v3 field AAD (zapis/field/2) carries it; the v1 AAD of legacy
 * records does not (their values are bound to their epoch by the fresh key and the signed kc and e).
 */
export function fieldAAD(workspace, record, field, dot, epoch = 0) { // eslint-disable-line no-unused-vars
  return canonicalBytes([FIELD, workspace, record, field, dot[0], dot[1]]);
}

/** Encrypt one field value with its writer's time; resolve to {nonce, ct} as base64url. */
export async function encryptField(recordKey, workspace, record, field, dot, value, t, nonce, epoch = 0) {
  const plaintext = canonicalBytes({ t, v: value });
  if (plaintext.length > MAX_PLAINTEXT) {
    throw new ProtocolError('value_too_large', 'a field value may hold at most 64 KiB');
  }
  const iv = nonce ?? globalThis.crypto.getRandomValues(new Uint8Array(NONCE_BYTES));
  const additionalData = fieldAAD(workspace, record, field, dot, epoch);
  const key = await aesKey(recordKey);
  const ct = await subtle.encrypt({ name: 'AES-GCM', iv, additionalData }, key, pad(plaintext));
  return { nonce: b64encode(iv), ct: b64encode(new Uint8Array(ct)) };
}

/**
 * Decrypt a field value to {value, t}. Throw ProtocolError('unreadable_value') for anything that
 * is not a value as the contract says: a ciphertext that does not decrypt (altered, moved, or
 * made with another key), or a plaintext that is not padded, not UTF-8, not canonical-able JSON,
 * or not {"t": integer >= 0, "v": value} (as sync/envelopes.py decrypt_field).
 */
export async function decryptField(recordKey, workspace, record, field, dot, nonce, ct, epoch = 0) {
  const key = await aesKey(recordKey);
  let padded;
  try {
    const iv = b64decode(nonce, NONCE_BYTES);
    const additionalData = fieldAAD(workspace, record, field, dot, epoch);
    const plain = await subtle.decrypt({ name: 'AES-GCM', iv, additionalData }, key, b64decode(ct));
    padded = new Uint8Array(plain);
  } catch (cause) {
    throw new ProtocolError('unreadable_value', 'a value could not be decrypted: it was altered, moved '
      + 'from another field or record, or made with another key', { cause });
  }
  let body;
  try {
    body = JSON.parse(decoder.decode(unpad(padded)));
    canonicalBytes(body); // no fractions, lone surrogates or unsafe integers: as in Python
  } catch (cause) {
    throw new ProtocolError('unreadable_value', 'a value decrypted but is not padded JSON', { cause });
  }
  const keys = body !== null && typeof body === 'object' && !Array.isArray(body) ? Object.keys(body).sort() : [];
  if (keys.join() !== 't,v' || !Number.isSafeInteger(body.t) || body.t < 0) {
    throw new ProtocolError('unreadable_value', 'a value decrypted but is not {t, v}');
  }
  return { value: body.v, t: body.t };
}
