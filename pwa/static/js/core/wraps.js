/** Key wraps: a record key sealed for one recipient device with ephemeral ECDH, HKDF and AES-GCM. */

import { b64decode, b64encode } from './b64.js';
import { canonicalBytes } from './canonical.js';
import { ProtocolError } from './errors.js';
import { KEY_BYTES, NONCE_BYTES } from './fields.js';
import { exportPublic, importEcdhPublic } from './keys.js';
import { signObject } from './signed.js';

export const WRAP = 'zapis/wrap/1';

const subtle = globalThis.crypto.subtle;
const ECDH = { name: 'ECDH', namedCurve: 'P-256' };

async function kek(privateKey, publicKey, salt, info, usage) {
  const shared = await subtle.deriveBits({ name: 'ECDH', public: publicKey }, privateKey, 256);
  const hkdf = await subtle.importKey('raw', shared, 'HKDF', false, ['deriveKey']);
  return subtle.deriveKey({ name: 'HKDF', hash: 'SHA-256', salt, info }, hkdf,
    { name: 'AES-GCM', length: 256 }, false, [usage]);
}

function kdfInputs(workspace, record, recipient, epk) {
  return {
    salt: canonicalBytes([WRAP, workspace, record]),
    info: canonicalBytes([WRAP, recipient, epk]),
  };
}

export const KEY_COMMIT = 'zapis/key-commit/1';

/**
 * base64url(HMAC-SHA256(record key, "zapis/key-commit/1")): what a change says its key is (its
 * signed `kc`), so a reader can refuse a wrap of any other key (as sync/envelopes.py).
 */
export async function keyCommitment(recordKey) {
  const hmac = await subtle.importKey('raw', recordKey, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return b64encode(new Uint8Array(await subtle.sign('HMAC', hmac, new TextEncoder().encode(KEY_COMMIT))));
}

/** A fresh random 256-bit record key. */
export function newRecordKey() {
  return globalThis.crypto.getRandomValues(new Uint8Array(KEY_BYTES));
}

/** Wrap a record key for one recipient device and sign the wrap as the sender. */
export async function wrapKey({ recordKey, workspace, record, sender, senderKey, recipient, recipientEcdh,
  ephemeral, nonce }) {
  // Only the fixed test vectors pass `ephemeral`: a reused ephemeral key would link wraps together.
  const eph = ephemeral ?? await subtle.generateKey(ECDH, false, ['deriveBits']);
  const epk = await exportPublic(eph.publicKey);
  const { salt, info } = kdfInputs(workspace, record, recipient, epk);
  const key = await kek(eph.privateKey, await importEcdhPublic(recipientEcdh), salt, info, 'encrypt');
  const iv = nonce ?? globalThis.crypto.getRandomValues(new Uint8Array(NONCE_BYTES));
  const ct = await subtle.encrypt({ name: 'AES-GCM', iv, additionalData: info }, key, recordKey);
  return signObject(senderKey, {
    type: WRAP, workspace, record, recipient, sender, epk,
    nonce: b64encode(iv), ct: b64encode(new Uint8Array(ct)),
  });
}

/** The record key from a wrap addressed to this device's ECDH key; else ProtocolError('bad_wrap'). */
export async function unwrapKey(wrap, ecdhPrivateKey) {
  let recordKey;
  try {
    const { salt, info } = kdfInputs(wrap.workspace, wrap.record, wrap.recipient, wrap.epk);
    const epk = await importEcdhPublic(wrap.epk, { cache: false });
    const key = await kek(ecdhPrivateKey, epk, salt, info, 'decrypt');
    const iv = b64decode(wrap.nonce, NONCE_BYTES);
    const ct = b64decode(wrap.ct);
    const plain = await subtle.decrypt({ name: 'AES-GCM', iv, additionalData: info }, key, ct);
    recordKey = new Uint8Array(plain);
  } catch (cause) {
    throw new ProtocolError('bad_wrap', 'a record key could not be unwrapped', { cause });
  }
  if (recordKey.length !== KEY_BYTES) {
    throw new ProtocolError('bad_wrap', 'a wrapped record key has the wrong length');
  }
  return recordKey;
}
