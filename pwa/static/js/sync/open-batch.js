/**
 * Opening a batch of pulled items: each one's checks, its signature against a trusted device's
 * key, and a key wrap's opening with this device's ECDH key (docs/protocol.md, "Pull"). Pure
 * apart from WebCrypto: the same function runs on the page, in the crypto workers
 * (sync/crypto-worker.js, through sync/crypto-pool.js) and in node tests, so either path gives
 * the same answers item by item. What to do with the answers (quarantine, problems, the
 * directory) stays in sync/verify.js.
 *
 * An item is {kind: 'wrap' | 'change' | 'purge', item}; its answer is {ok: true, key?} (a wrap's
 * opened key list, or null without an ECDH key), {untrusted: true} (its signer does not chain to
 * the root: held back) or {code} (a problem: ProtocolError's code, else 'malformed').
 */

import {
  MAX_EPOCH, PURGE, ProtocolError, WRAP_TYPES, checkChange, unwrapKeys, verifyChange, verifyObject,
} from '../core/envelopes.js';

/** A pulled item signed by a device whose certificate does not (yet) chain to the root. */
export class Untrusted extends Error {}

// Items opened at once: WebCrypto answers them side by side, and a page of a thousand changes
// does not hold a thousand pending operations.
const AT_ONCE = 64;

function signerKey(ctx, device) {
  if (device === ctx.device) return ctx.signPublic;
  if (!Object.prototype.hasOwnProperty.call(ctx.trusted, device)) throw new Untrusted();
  return ctx.directory.get(device).sign_key;
}

async function checkWrap(ctx, wrap) {
  if (!WRAP_TYPES.includes(wrap.type) || wrap.workspace !== ctx.workspace || wrap.recipient !== ctx.device) {
    throw new ProtocolError('bad_wrap', 'a wrap for another device or workspace');
  }
  if (!(await verifyObject(signerKey(ctx, wrap.sender), wrap))) {
    throw new ProtocolError('bad_signature', "a key wrap's signature does not verify");
  }
  // Opening it proves it is addressed to this device's key; its key list is kept for the list.
  return ctx.ecdhKey ? unwrapKeys(wrap, ctx.ecdhKey) : null;
}

async function checkChangeItem(ctx, change) {
  if (change.workspace !== ctx.workspace || !Array.isArray(change.writes)) {
    throw new ProtocolError('bad_change', 'a change from another workspace');
  }
  checkChange(change);
  if (Object.prototype.hasOwnProperty.call(change, 'e')
    && !(Number.isInteger(change.e) && change.e >= 0 && change.e <= MAX_EPOCH)) {
    throw new ProtocolError('bad_change', `a change's key epoch is not an integer of 0 to ${MAX_EPOCH}`);
  }
  if (!(await verifyChange(signerKey(ctx, change.device), change))) {
    throw new ProtocolError('bad_signature', "a change's signature does not verify");
  }
  return null;
}

async function checkPurge(ctx, order) {
  if (order.type !== PURGE || order.workspace !== ctx.workspace) {
    throw new ProtocolError('bad_purge', 'a purge order for another workspace');
  }
  const key = signerKey(ctx, order.device);
  const role = order.device === ctx.device ? ctx.role : ctx.trusted[order.device];
  if (role !== 'coordinator') throw new ProtocolError('bad_purge', 'only a coordinator may purge a record');
  if (!(await verifyObject(key, order))) {
    throw new ProtocolError('bad_signature', "a purge order's signature does not verify");
  }
  return null;
}

const CHECKS = { wrap: checkWrap, change: checkChangeItem, purge: checkPurge };

/** One item's answer (never throws). */
export async function openItem(ctx, { kind, item }) {
  try {
    const key = await CHECKS[kind](ctx, item);
    return kind === 'wrap' ? { ok: true, key } : { ok: true };
  } catch (err) {
    if (err instanceof Untrusted) return { untrusted: true };
    return { code: err instanceof ProtocolError ? err.code : 'malformed' };
  }
}

/**
 * Open `items` ([{kind, item}]) for this device. `ctx`: {workspace, device, role, signPublic,
 * ecdhKey, directory (Map id → entry), trusted ({id: role})}. Resolves to their answers, in order.
 */
export async function openBatch(items, ctx) {
  const out = new Array(items.length);
  for (let i = 0; i < items.length; i += AT_ONCE) {
    const part = items.slice(i, i + AT_ONCE);
    const answers = await Promise.all(part.map((x) => openItem(ctx, x)));
    answers.forEach((a, k) => { out[i + k] = a; });
  }
  return out;
}

/** What a worker needs of the verification context (no functions, nothing it does not use). */
export function workerContext(ctx) {
  return { workspace: ctx.workspace, device: ctx.device, role: ctx.role, signPublic: ctx.signPublic,
    ecdhKey: ctx.ecdhKey ?? null, directory: ctx.directory, trusted: ctx.trusted };
}
