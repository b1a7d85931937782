/**
 * Key wraps: a record's key list (k0..kn, one key per key epoch) sealed for one recipient device
 * with ephemeral ECDH, HKDF and AES-GCM. One key makes a `zapis/wrap/1`, more a `zapis/wrap/2`
 * with `epoch` n (as sync/envelopes.py).
 */

import { b64decode, b64encode } from './b64.js';
import { canonicalBytes } from './canonical.js';
import { ProtocolError } from './errors.js';
import { KEY_BYTES, NONCE_BYTES } from './fields.js';
import { exportPublic, importEcdhPublic } from './keys.js';
import { signObject } from './signed.js';
import { hmacSha256 } from './hash.js';

export const WRAP = 'zapis/wrap/1';
export const WRAP2 = 'zapis/wrap/2';
export const WRAP_TYPES = [WRAP, WRAP2];
/** A wrap/2 holds at most MAX_EPOCH + 1 keys. */
export const MAX_EPOCH = 255;

const subtle = globalThis.crypto.subtle;
const ECDH = { name: 'ECDH', namedCurve: 'P-256' };

async function kek(privateKey, publicKey, salt, info, usage) {
  const shared = await subtle.deriveBits({ name: 'ECDH', public: publicKey }, privateKey, 256);
  const hkdf = await subtle.importKey('raw', shared, 'HKDF', false, ['deriveKey']);
  return subtle.deriveKey({ name: 'HKDF', hash: 'SHA-256', salt, info }, hkdf,
    { name: 'AES-GCM', length: 256 }, false, [usage]);
}

// `info` is also the AAD. A wrap/1 (epoch null) names no epoch; a wrap/2 its type and epoch in both.
function kdfInputs(workspace, record, recipient, epk, epoch = null) {
  if (epoch === null) return { salt: canonicalBytes([WRAP, workspace, record]),
    info: canonicalBytes([WRAP, recipient, epk]) };
  return { salt: canonicalBytes([WRAP2, workspace, record]), info: canonicalBytes([WRAP2, recipient, epk, epoch]) };
}

export const KEY_COMMIT = 'zapis/key-commit/1';
const KEY_COMMIT_BYTES = new TextEncoder().encode(KEY_COMMIT);

/**
 * base64url(HMAC-SHA256(record key, "zapis/key-commit/1")): what a change says its key is (its
 * signed `kc`), so a reader can refuse a wrap of any other key (as sync/envelopes.py).
 */
export async function keyCommitment(recordKey) {
  return b64encode(hmacSha256(recordKey, KEY_COMMIT_BYTES)); // core/hash.js: in JavaScript, at once
}

/** A fresh random 256-bit record key. */
export function newRecordKey() {
  return globalThis.crypto.getRandomValues(new Uint8Array(KEY_BYTES));
}

/**
 * Wrap a record's key list [k0, ..., kn] (`recordKeys`; or one key as `recordKey`) for one
 * recipient device and sign the wrap as the sender.
 */
export async function wrapKeys({ recordKeys, recordKey, workspace, record, sender, senderKey, recipient,
  recipientEcdh, ephemeral, nonce }) {
  const list = recordKeys ?? [recordKey];
  if (!list.length || list.length > MAX_EPOCH + 1
    || list.some((k) => !(k instanceof Uint8Array) || k.length !== KEY_BYTES)) {
    throw new ProtocolError('bad_wrap', `a key list holds 1 to ${MAX_EPOCH + 1} keys of 32 bytes`);
  }
  const epoch = list.length > 1 ? list.length - 1 : null;
  // Only the fixed test vectors pass `ephemeral`: a reused ephemeral key would link wraps together.
  const eph = ephemeral ?? await subtle.generateKey(ECDH, false, ['deriveBits']);
  const epk = await exportPublic(eph.publicKey);
  const { salt, info } = kdfInputs(workspace, record, recipient, epk, epoch);
  const key = await kek(eph.privateKey, await importEcdhPublic(recipientEcdh), salt, info, 'encrypt');
  const iv = nonce ?? globalThis.crypto.getRandomValues(new Uint8Array(NONCE_BYTES));
  const plain = new Uint8Array(KEY_BYTES * list.length);
  list.forEach((k, i) => plain.set(k, i * KEY_BYTES));
  const ct = await subtle.encrypt({ name: 'AES-GCM', iv, additionalData: info }, key, plain);
  plain.fill(0);
  const wrap = { type: epoch === null ? WRAP : WRAP2, workspace, record, recipient, sender, epk,
    nonce: b64encode(iv), ct: b64encode(new Uint8Array(ct)) };
  if (epoch !== null) wrap.epoch = epoch;
  return signObject(senderKey, wrap);
}

/** Wrap one record key (epoch 0) for one recipient device: a `zapis/wrap/1`. */
export function wrapKey(args) {
  return wrapKeys({ ...args, recordKeys: [args.recordKey] });
}

/** The epoch of a wrap's newest key (0 for a wrap/1); ProtocolError('bad_wrap') for anything else. */
export function wrapEpoch(wrap) {
  if (wrap?.type === WRAP) return 0;
  const epoch = wrap?.epoch;
  if (wrap?.type !== WRAP2 || !Number.isInteger(epoch) || epoch < 1 || epoch > MAX_EPOCH) {
    throw new ProtocolError('bad_wrap',
      `a wrap must be zapis/wrap/1, or zapis/wrap/2 with an epoch of 1 to ${MAX_EPOCH}`);
  }
  return epoch;
}

/**
 * A record's key list [k0, ..., kn] from a wrap addressed to this device's ECDH key; else
 * ProtocolError('bad_wrap').
 */
export async function unwrapKeys(wrap, ecdhPrivateKey) {
  const epoch = wrapEpoch(wrap);
  let data;
  try {
    const { salt, info } = kdfInputs(wrap.workspace, wrap.record, wrap.recipient, wrap.epk,
      wrap.type === WRAP2 ? epoch : null);
    const epk = await importEcdhPublic(wrap.epk, { cache: false });
    const key = await kek(ecdhPrivateKey, epk, salt, info, 'decrypt');
    const iv = b64decode(wrap.nonce, NONCE_BYTES);
    const ct = b64decode(wrap.ct);
    data = new Uint8Array(await subtle.decrypt({ name: 'AES-GCM', iv, additionalData: info }, key, ct));
  } catch (cause) {
    throw new ProtocolError('bad_wrap', 'a record key could not be unwrapped', { cause });
  }
  if (data.length !== KEY_BYTES * (epoch + 1)) {
    throw new ProtocolError('bad_wrap', 'a wrapped record key has the wrong length');
  }
  const keys = [];
  for (let i = 0; i < data.length; i += KEY_BYTES) keys.push(data.slice(i, i + KEY_BYTES));
  data.fill(0);
  return keys;
}

/** The first key (k0) of a wrap addressed to this device's ECDH key; else ProtocolError('bad_wrap'). */
export async function unwrapKey(wrap, ecdhPrivateKey) {
  return (await unwrapKeys(wrap, ecdhPrivateKey))[0];
}
