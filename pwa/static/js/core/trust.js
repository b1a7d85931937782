/**
 * Which devices a client may trust: the twin of sync/trust.py (read its docstring for the rules).
 *
 * A device is trusted only if its own key-binding statement verifies under its signing key and
 * names exactly the keys, id and role the directory shows, and one of its certificates names the
 * same and chains through unrevoked coordinators to the root, whose fingerprint came with the
 * invite link. Revocation orders of trusted coordinators are applied level by level from the
 * root; orders a client kept count from the start; the root cannot be revoked.
 */

import { CERT } from './envelopes.js';
import { REVOKE, bindingMatches } from './binding.js';
import { fingerprint as fingerprintOf } from './keys.js';
import { verifyObject } from './signed.js';

const isObject = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);

function certMatches(cert, entry, workspace) {
  return isObject(cert) && cert.type === CERT
    && cert.workspace === workspace && cert.device === entry.id && cert.sign_key === entry.sign_key
    && cert.ecdh_key === entry.ecdh_key && cert.role === entry.role && typeof cert.issuer === 'string';
}

/** Every certificate of a directory entry: `certs` (oldest first), else [`cert`]. */
export function entryCerts(entry) {
  if (Array.isArray(entry.certs) && entry.certs.length) return entry.certs;
  return entry.cert !== undefined && entry.cert !== null ? [entry.cert] : [];
}

function orderOk(order, workspace) {
  return isObject(order) && order.type === REVOKE && order.workspace === workspace
    && typeof order.device === 'string' && typeof order.issuer === 'string' && typeof order.sig === 'string';
}

async function safeFingerprint(publicText) {
  try {
    return await fingerprintOf(publicText);
  } catch {
    return null; // not a key: an entry that matches no fingerprint, judged untrusted by the caller
  }
}

/**
 * Trust in a directory: {trusted: {id: role}, revoked: [id] (sorted), orders: [valid orders]}.
 * `kept`: revocation orders this client found valid before. Revoked devices that still chain stay
 * in `trusted` (their earlier writes are genuine); never wrap keys to a device in `revoked`.
 */
export async function evaluate(devices, workspace, fingerprint, kept = []) {
  const entries = new Map();
  for (const entry of devices) {
    if (isObject(entry) && typeof entry.id === 'string' && !entries.has(entry.id)
        && await bindingMatches(entry.binding, entry, workspace)) entries.set(entry.id, entry);
  }
  let root = null;
  const issued = new Map();
  for (const entry of entries.values()) {
    for (const cert of entryCerts(entry)) {
      if (!certMatches(cert, entry, workspace)) continue;
      if (cert.issuer === entry.id) {
        if (root === null && entry.role === 'coordinator' && await safeFingerprint(entry.sign_key) === fingerprint
            && await verifyObject(entry.sign_key, cert)) root = entry.id;
      } else {
        if (!issued.has(cert.issuer)) issued.set(cert.issuer, []);
        issued.get(cert.issuer).push([entry.id, cert]);
      }
    }
  }
  if (root === null) return { trusted: {}, revoked: [], orders: [] };
  const checked = new Map();
  const signed = async (issuer, obj) => {
    if (!checked.has(obj)) checked.set(obj, new Map());
    const byIssuer = checked.get(obj);
    if (!byIssuer.has(issuer)) byIssuer.set(issuer, await verifyObject(entries.get(issuer).sign_key, obj));
    return byIssuer.get(issuer);
  };
  // The server's flag alone (devices revoked before orders existed) also stops a coordinator from
  // anchoring anything; never the root's.
  const flagged = new Set([...entries.values()].filter((e) => e.status === 'revoked' && e.id !== root)
    .map((e) => e.id));
  const chains = async (revoked) => {
    const depth = new Map([[root, 0]]);
    let frontier = [root];
    while (frontier.length) {
      const following = [];
      for (const issuer of frontier) {
        if (entries.get(issuer).role !== 'coordinator' || revoked.has(issuer) || flagged.has(issuer)) continue;
        for (const [device, cert] of issued.get(issuer) ?? []) {
          if (!depth.has(device) && await signed(issuer, cert)) {
            depth.set(device, depth.get(issuer) + 1);
            following.push(device);
          }
        }
      }
      frontier = following;
    }
    return depth;
  };
  const orders = new Map();
  const shown = [...entries.values()].flatMap((e) => (Array.isArray(e.revocations) ? e.revocations : []));
  for (const order of [...kept, ...shown]) {
    if (!orderOk(order, workspace)) continue;
    if (!orders.has(order.issuer)) orders.set(order.issuer, []);
    orders.get(order.issuer).push(order);
  }
  const valid = kept.filter((o) => orderOk(o, workspace) && o.device !== root);
  const revoked = new Set(valid.map((o) => o.device));
  const applied = new Set();
  let depth;
  for (;;) {
    depth = await chains(revoked);
    const candidates = [...depth.keys()].filter((d) => entries.get(d).role === 'coordinator' && !revoked.has(d)
      && !flagged.has(d) && !applied.has(d));
    if (!candidates.length) break;
    const level = Math.min(...candidates.map((d) => depth.get(d)));
    for (const issuer of candidates.filter((d) => depth.get(d) === level)) {
      applied.add(issuer);
      for (const order of orders.get(issuer) ?? []) {
        if (order.device !== root && await signed(issuer, order)) {
          valid.push(order);
          revoked.add(order.device);
        }
      }
    }
  }
  const unique = new Map();
  for (const order of valid) if (!unique.has(order.sig)) unique.set(order.sig, order);
  const bySig = (a, b) => (a < b ? -1 : a > b ? 1 : 0);
  return {
    trusted: Object.fromEntries([...depth.keys()].map((d) => [d, entries.get(d).role])),
    revoked: [...revoked].sort(bySig),
    orders: [...unique.keys()].sort(bySig).map((s) => unique.get(s)),
  };
}

/** Resolve to {device id: role} for every device whose certificate chains to the fingerprint. */
export async function verifyDirectory(devices, workspace, fingerprint, kept = []) {
  return (await evaluate(devices, workspace, fingerprint, kept)).trusted;
}

/**
 * What is wrong with this device's own directory entry: a list of codes ('keys', 'role',
 * 'binding', 'certificate'), empty when nothing is. `me`: {device, role, sign_key, ecdh_key}.
 */
export async function selfCheck(entry, workspace, me) {
  const problems = [];
  if (!isObject(entry)) return problems;
  const mine = { id: me.device, role: me.role, sign_key: me.sign_key, ecdh_key: me.ecdh_key };
  if (entry.sign_key !== me.sign_key || entry.ecdh_key !== me.ecdh_key) problems.push('keys');
  if (entry.role !== me.role) problems.push('role');
  const binding = entry.binding ?? null;
  if (binding !== null && !(await bindingMatches(binding, mine, workspace))) {
    problems.push('binding');
  }
  if (entryCerts(entry).some((cert) => !certMatches(cert, mine, workspace))) problems.push('certificate');
  return problems;
}

/**
 * Who gets a new record's key besides its author: trusted coordinators, never one revoked (by a
 * signed order or the server's flag: `removed`), and nobody at all while this device's own entry
 * is wrong (`alarm`). `directory`: entries; resolves nothing, returns [{id, ecdh_key}].
 */
export function wrapRecipients(directory, trusted, me, { removed = [], alarm = [] } = {}) {
  if (alarm.length) return [];
  const gone = new Set(removed);
  return [...directory].filter((d) => trusted[d.id] === 'coordinator' && d.status !== 'revoked' && !gone.has(d.id)
    && d.id !== me).map((d) => ({ id: d.id, ecdh_key: d.ecdh_key }));
}
