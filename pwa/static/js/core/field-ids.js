/**
 * Opaque field ids (protocol 3): what the wire, the server and the local store carry instead of
 * field names. The twin of sync/field_ids.py; docs/protocol.md, "Field values".
 *
 *   fidKey    = HKDF-SHA256(ikm = k0, salt = canonical_json(["zapis/field-id/1", workspace, record]),
 *                           info = "zapis/field-id/1", 32 bytes)
 *   fid(name) = base64url(HMAC-SHA256(fidKey, UTF-8 name)[:16])                 (22 characters)
 */

import { b64encode } from './b64.js';
import { canonicalBytes } from './canonical.js';
import { hkdfSha256, hmacKey } from './hash.js';

export const FIELD_ID = 'zapis/field-id/1';
const NAME = /^[a-z_][a-z0-9_]{0,39}$/;
const ID = /^[A-Za-z0-9_-]{22}$/;
const PADDING = /^_pad_[0-9]{1,2}$/;
// Every new record's first change writes exactly this many fields (its own, `_deleted` false, then
// padding fields `_pad_1`, `_pad_2`, … holding null), so the count does not tell its kind.
export const FIRST_CHANGE_WRITES = 20;

const encoder = new TextEncoder();

/**
 * The field-id key of a record from its epoch-0 key `k0` (32 bytes): a keyed HMAC ({mac(bytes),
 * destroy()}, core/hash.js), computed here rather than by WebCrypto, as a record's ids are many.
 */
export async function fieldIdKeyFrom(k0, workspace, record) {
  const bits = hkdfSha256(k0, canonicalBytes([FIELD_ID, workspace, record]), encoder.encode(FIELD_ID), 32);
  const key = hmacKey(bits);
  bits.fill(0);
  return key;
}

/** The opaque id of field `name` under a record's field-id key (synchronous: see fidOf). */
export async function fid(fidKey, name) {
  return fidOf(fidKey, name);
}

// A name's UTF-8 bytes, kept: a catch-up asks for the same few dozen names (a kind's fields, the
// padding's `_pad_i`) about twenty times a record. Bounded, as a decrypted value names its field.
const NAME_BYTES = new Map();
const NAMES_KEPT = 512;

function nameBytes(name) {
  let bytes = NAME_BYTES.get(name);
  if (!bytes) {
    if (NAME_BYTES.size >= NAMES_KEPT) NAME_BYTES.clear();
    bytes = encoder.encode(name);
    NAME_BYTES.set(name, bytes);
  }
  return bytes;
}

/** The opaque id of field `name` under a record's field-id key, at once. */
export function fidOf(fidKey, name) {
  return b64encode(fidKey.mac(nameBytes(name)).subarray(0, 16));
}

/** True when `field` has the shape of a field name (as legacy records carry them). */
export const isName = (field) => typeof field === 'string' && NAME.test(field);

/** True when `field` has the shape of an opaque field id (22 base64url characters). */
export const isId = (field) => typeof field === 'string' && ID.test(field);

/** True when a record with these wire fields is a legacy record: it has fields, all name-shaped. */
export function isLegacy(fields) {
  const list = [...fields];
  return list.length > 0 && list.every(isName);
}

/** True for the padding fields of a first change: readers never show them. */
export const isPadding = (name) => PADDING.test(name);

/** The values a new record's first change writes: `values`, `_deleted` false unless given, then padding. */
export function paddedFirst(values, deleted = '_deleted') {
  const out = { ...values };
  if (!Object.prototype.hasOwnProperty.call(out, deleted)) out[deleted] = false;
  for (let i = 1; Object.keys(out).length < FIRST_CHANGE_WRITES; i++) {
    if (!Object.prototype.hasOwnProperty.call(out, `_pad_${i}`)) out[`_pad_${i}`] = null;
  }
  return out;
}
