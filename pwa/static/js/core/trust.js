/**
 * Which devices a client may trust: certificate chains that end at the workspace fingerprint.
 *
 * The twin of sync/trust.py. The server hands out the device directory, but a hostile server
 * could add a device of its own: a device is trusted only if a chain of coordinator signatures
 * leads from the root, whose fingerprint came with the invite link, to a certificate naming
 * exactly the keys the directory shows.
 */

import { CERT } from './envelopes.js';
import { fingerprint as fingerprintOf } from './keys.js';
import { verifyObject } from './signed.js';

function certMatches(cert, entry, workspace) {
  return typeof cert === 'object' && cert !== null && !Array.isArray(cert) && cert.type === CERT
    && cert.workspace === workspace && cert.device === entry.id && cert.sign_key === entry.sign_key
    && cert.ecdh_key === entry.ecdh_key && cert.role === entry.role;
}

async function safeFingerprint(publicText) {
  try {
    return await fingerprintOf(publicText);
  } catch {
    return null;
  }
}

/** Resolve to {device id: role} for every device whose certificate chains to the fingerprint. */
export async function verifyDirectory(devices, workspace, fingerprint) {
  // Revoked devices stay verified (their earlier writes are genuine); callers must not wrap keys to them.
  const byIssuer = new Map();
  let root = null;
  for (const entry of devices) {
    const cert = entry.cert;
    if (!certMatches(cert, entry, workspace)) continue;
    if (cert.issuer === entry.id) {
      if (root === null && entry.role === 'coordinator'
          && await safeFingerprint(entry.sign_key) === fingerprint
          && await verifyObject(entry.sign_key, cert)) {
        root = entry;
      }
    } else {
      if (!byIssuer.has(cert.issuer)) byIssuer.set(cert.issuer, []);
      byIssuer.get(cert.issuer).push(entry);
    }
  }
  if (root === null) return {};
  const verified = new Map([[root.id, root.role]]);
  const queue = [root];
  while (queue.length) {
    const issuer = queue.pop();
    if (issuer.role !== 'coordinator') continue;
    for (const entry of byIssuer.get(issuer.id) ?? []) {
      if (!verified.has(entry.id) && await verifyObject(issuer.sign_key, entry.cert)) {
        verified.set(entry.id, entry.role);
        queue.push(entry);
      }
    }
  }
  return Object.fromEntries(verified);
}
