/**
 * The signed and encrypted envelopes of the protocol in WebCrypto: the twin of sync/envelopes.py.
 *
 * Every signed object carries a `type` naming what it is, so a signature made for one kind of
 * object can never be presented as another. This module is the one door to them; the pieces
 * live in fields.js, changes.js, wraps.js and signed.js. See docs/protocol.md for the bytes.
 */

import { signObject } from './signed.js';

export { ProtocolError } from './errors.js';
export { signObject, verifyObject } from './signed.js';
export {
  FIELD, FIELD2, KEY_BYTES, MAX_PLAINTEXT, NONCE_BYTES, PAD_BUCKETS, decryptField, decryptValue, encryptField,
  encryptValue, fieldAAD, fieldAAD2, openValue, pad, unpad,
} from './fields.js';
export { CHANGE, changeHeader, checkChange, signChange, verifyChange, writeHash } from './changes.js';
export {
  KEY_COMMIT, MAX_EPOCH, WRAP, WRAP2, WRAP_TYPES, keyCommitment, newRecordKey, unwrapKey, unwrapKeys, wrapEpoch,
  wrapKey,
  wrapKeys,
} from './wraps.js';

export const CERT = 'zapis/cert/1';
export const PURGE = 'zapis/purge/1';
export const ROLES = ['coordinator', 'volunteer', 'reporter'];

/** A coordinator's signed statement that a device with these keys belongs, in this role. */
export function makeCertificate(issuerKey, { workspace, device, role, sign_key, ecdh_key, issuer }) {
  return signObject(issuerKey, { type: CERT, workspace, device, role, sign_key, ecdh_key, issuer });
}

/** A coordinator's signed order to erase a record everywhere. */
export function makePurge(privateKey, workspace, record, device) {
  return signObject(privateKey, { type: PURGE, workspace, record, device });
}
