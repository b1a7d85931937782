/**
 * Key-binding statements, safety numbers and revocation orders: the twin of the same part of
 * sync/envelopes.py (docs/protocol.md, "Keys bound together" and "Revocation").
 */

import { canonicalBytes } from './canonical.js';
import { signObject, verifyObject } from './signed.js';

export const BINDING = 'zapis/device/1';
export const REVOKE = 'zapis/revoke/1';
export const SAFETY = 'zapis/safety/1';
const BINDING_MEMBERS = ['device', 'ecdh_key', 'role', 'sig', 'sign_key', 'type', 'workspace'];

const isObject = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The device's own signed statement that these two keys are its keys, under this id, in this
 * workspace and role: made at enrollment, so nobody else can pair its signing key with another
 * ECDH key.
 */
export function makeBinding(signPrivate, { workspace, device, role, sign_key, ecdh_key }) {
  return signObject(signPrivate, { type: BINDING, workspace, device, role, sign_key, ecdh_key });
}

/** True when `binding` names exactly the entry's id, keys and role in this workspace and verifies. */
export async function bindingMatches(binding, entry, workspace) {
  if (!isObject(binding) || !isObject(entry) || binding.type !== BINDING || binding.workspace !== workspace
      || binding.device !== entry.id || binding.role !== entry.role || binding.sign_key !== entry.sign_key
      || binding.ecdh_key !== entry.ecdh_key || typeof entry.sign_key !== 'string'
      || Object.keys(binding).sort().join() !== BINDING_MEMBERS.join()) return false;
  return verifyObject(entry.sign_key, binding);
}

/**
 * What people compare between the device and the coordinator's screen: 30 digits in six groups,
 * from SHA-256 over both public keys, the device id and the workspace.
 */
export async function safetyNumber(workspace, device, signKey, ecdhKey) {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256',
    canonicalBytes([SAFETY, workspace, device, signKey, ecdhKey])));
  const groups = [];
  for (let i = 0; i < 30; i += 5) {
    let n = 0;
    for (let j = i; j < i + 5; j += 1) n = n * 256 + digest[j]; // 40 bits: exact in a double
    groups.push(String(n % 100000).padStart(5, '0'));
  }
  return groups.join(' ');
}

/** A coordinator's signed order removing a device from the workspace. */
export function makeRevocation(issuerKey, { workspace, device, issuer }) {
  return signObject(issuerKey, { type: REVOKE, workspace, device, issuer });
}
