/** Field values: padded, encrypted with the record key, bound to workspace, record, field (id) and dot. */

import { b64decode, b64encode } from './b64.js';
import { canonicalBytes, canonicalJSON } from './canonical.js';
import { ProtocolError } from './errors.js';
import { fid, isId, isName } from './field-ids.js';

export const FIELD = 'zapis/field/1';
export const FIELD2 = 'zapis/field/2';
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
 * Additional data of a legacy value (records made before protocol 3): workspace, record, name, dot.
 * The key epoch is not in it: such values are bound to their epoch by the signed `kc` and `e` (a
 * caller may pass an epoch after the arguments below; it is ignored).
 */
export function fieldAAD(workspace, record, field, dot) {
  return canonicalBytes([FIELD, workspace, record, field, dot[0], dot[1]]);
}

/** Additional data of a protocol-3 value: workspace, record, field id, key epoch and dot. */
export function fieldAAD2(workspace, record, field, dot, epoch = 0) {
  return canonicalBytes([FIELD2, workspace, record, field, epoch, dot[0], dot[1]]);
}

async function seal(recordKey, body, additionalData, nonce) {
  const plaintext = canonicalBytes(body);
  if (plaintext.length > MAX_PLAINTEXT) {
    throw new ProtocolError('value_too_large', 'a field value may hold at most 64 KiB');
  }
  const iv = nonce ?? globalThis.crypto.getRandomValues(new Uint8Array(NONCE_BYTES));
  const key = await aesKey(recordKey);
  const ct = await subtle.encrypt({ name: 'AES-GCM', iv, additionalData }, key, pad(plaintext));
  return { nonce: b64encode(iv), ct: b64encode(new Uint8Array(ct)) };
}

// Decrypt, unpad and parse; the body must be an object of exactly `members` (sorted, joined by
// commas) with `t` a safe integer >= 0. Anything else is ProtocolError('unreadable_value').
async function open(recordKey, additionalData, nonce, ct, members) {
  const key = await aesKey(recordKey);
  let padded;
  try {
    const iv = b64decode(nonce, NONCE_BYTES);
    const plain = await subtle.decrypt({ name: 'AES-GCM', iv, additionalData }, key, b64decode(ct));
    padded = new Uint8Array(plain);
  } catch (cause) {
    throw new ProtocolError('unreadable_value', 'a value could not be decrypted: it was altered, moved '
      + 'from another field or record, or made with another key', { cause });
  }
  let body;
  try {
    body = JSON.parse(decoder.decode(unpad(padded)));
    canonicalJSON(body); // no fractions, lone surrogates or unsafe integers (as in Python); the text is not needed
  } catch (cause) {
    throw new ProtocolError('unreadable_value', 'a value decrypted but is not padded JSON', { cause });
  }
  const keys = body !== null && typeof body === 'object' && !Array.isArray(body) ? Object.keys(body).sort() : [];
  if (keys.join() !== members || !Number.isSafeInteger(body.t) || body.t < 0) {
    throw new ProtocolError('unreadable_value', `a value decrypted but is not {${members}}`);
  }
  return body;
}

/** Encrypt one value of a legacy record ({t, v}, AAD zapis/field/1); resolve to {nonce, ct}. */
export function encryptField(recordKey, workspace, record, field, dot, value, t, nonce) {
  return seal(recordKey, { t, v: value }, fieldAAD(workspace, record, field, dot), nonce);
}

/**
 * Decrypt a value of a legacy record to {value, t}. Throw ProtocolError('unreadable_value') for
 * anything that is not a value as the contract says: a ciphertext that does not decrypt (altered,
 * moved, or made with another key), or a plaintext that is not padded, not UTF-8, not
 * canonical-able JSON, or not {"t": integer >= 0, "v": value} (as sync/envelopes.py decrypt_field).
 */
export async function decryptField(recordKey, workspace, record, field, dot, nonce, ct) {
  const body = await open(recordKey, fieldAAD(workspace, record, field, dot), nonce, ct, 't,v');
  return { value: body.v, t: body.t };
}

/** Encrypt one value of a protocol-3 record: {n: name, t, v} under field id `field` = fid(name). */
export function encryptValue(recordKey, workspace, record, field, name, dot, value, t, epoch = 0, nonce) {
  return seal(recordKey, { n: name, t, v: value }, fieldAAD2(workspace, record, field, dot, epoch), nonce);
}

/**
 * Decrypt a value of a protocol-3 record to {name, value, t}: as decryptField, and the name must
 * be a field name whose id under `fidKey` is `field` (else unreadable_value).
 */
export async function decryptValue(recordKey, fidKey, workspace, record, field, dot, nonce, ct, epoch = 0) {
  const body = await open(recordKey, fieldAAD2(workspace, record, field, dot, epoch), nonce, ct, 'n,t,v');
  if (!isName(body.n) || await fid(fidKey, body.n) !== field) {
    throw new ProtocolError('unreadable_value', "a value's field name does not match its field id");
  }
  return { name: body.n, value: body.v, t: body.t };
}

/**
 * Decrypt a value in whichever form it was written, to {name, value, t}: a name-shaped field is a
 * legacy value (its name is the field); if it does not open so and is id-shaped too, it is tried
 * as a protocol-3 value (as sync/envelopes.py open_value).
 */
export async function openValue(recordKey, fidKey, workspace, record, field, dot, nonce, ct, epoch = 0) {
  if (isName(field)) {
    try {
      const { value, t } = await decryptField(recordKey, workspace, record, field, dot, nonce, ct);
      return { name: field, value, t };
    } catch (err) {
      if (!isId(field)) throw err;
    }
  }
  return decryptValue(recordKey, fidKey, workspace, record, field, dot, nonce, ct, epoch);
}
