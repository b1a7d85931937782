/**
 * Key epochs after a revocation (docs/protocol.md, "Key epochs"): when a coordinator removes a
 * device that could read records, every such record gets a new random key, wrapped with the
 * earlier ones to the readers that remain, so later edits are closed to the removed device's keys.
 * The twin of Replica.start_rotation / holders / rotate and Client.rotate_keys in sync/.
 *
 * Which records: every one this device reads if the removed device is a coordinator; else those
 * it signed a change or a wrap of (signed data), and those the server says it holds a wrap of (a
 * hint: a lying server can only leave records out, never add a reader). Who gets the new keys:
 * this device, the trusted coordinators not revoked, the devices that signed changes of the
 * record, and the recipients of the record's stored wraps whose signatures verify under one of
 * those; each only if trusted and not revoked. Progress ({pending, done, total}) is kept in the
 * meta store with each record's wraps, in one transaction, so a closed tab resumes where it stopped.
 */

import { verifyObject, WRAP_TYPES } from '../core/envelopes.js';
import { wrapsOf } from '../core/record-state.js';

export const ROTATE_BATCH = 50;

/** Devices that signed changes of a record: its key was theirs (the creator among them). */
function writers(state) {
  const out = new Set();
  for (const signers of Object.values(state.kcs ?? {})) for (const d of signers) out.add(d);
  for (const live of Object.values(state.fields ?? {})) for (const w of live) out.add(w.dot[0]);
  return out;
}

/** Ids among `readable` (a Set) whose record states show that `device` could read them. */
export function couldRead(states, readable, device, { coordinator = false } = {}) {
  if (coordinator) return [...readable].sort();
  const touched = (s) => writers(s).has(device) || wrapsOf(s).some((w) => w.sender === device);
  return states.filter((s) => readable.has(s.id) && touched(s)).map((s) => s.id).sort();
}

/**
 * Who gets a record's new key list: [{id, ecdh_key}]. `wraps`: the record's stored wraps as the
 * server lists them. `ctx`: {device, ownEcdh, workspace, directory (Map id → entry), trusted
 * ({id: role}), recipients ([{id, ecdh_key}]: trusted coordinators not revoked), canWrapTo(id)}.
 */
export async function holders(state, wraps, ctx) {
  const signed = writers(state);
  const vouching = new Set([...signed, ...Object.keys(ctx.trusted).filter((d) => ctx.trusted[d] === 'coordinator')]);
  const out = new Set([ctx.device, ...ctx.recipients.map((r) => r.id), ...signed]);
  for (const wrap of wraps) {
    const sender = wrap?.sender;
    if (wrap?.record !== state.id || wrap.workspace !== ctx.workspace || !WRAP_TYPES.includes(wrap.type)) continue;
    if (!vouching.has(sender) || !(sender === ctx.device || ctx.canWrapTo(sender))) continue;
    const key = sender === ctx.device ? ctx.signPublic : ctx.directory.get(sender)?.sign_key;
    if (key && await verifyObject(key, wrap)) out.add(wrap.recipient);
  }
  const result = [];
  for (const id of [...out].sort()) {
    if (id === ctx.device) result.push({ id, ecdh_key: ctx.ownEcdh });
    else if (ctx.canWrapTo(id) && ctx.directory.get(id)?.ecdh_key) result.push({ id,
      ecdh_key: ctx.directory.get(id).ecdh_key });
  }
  return result;
}

/** The server's hint: the ids of the records `device` holds a wrap of, every page. `api(method, path, body)`. */
export async function serverHint(api, device) {
  const ids = [];
  let after = null;
  for (;;) {
    const page = await api('GET', `/api/devices/${encodeURIComponent(device)}/records?limit=1000`
      + (after ? `&after=${encodeURIComponent(after)}` : ''));
    ids.push(...page.records);
    if (!page.more || !page.records.length) return ids;
    after = page.records.at(-1);
  }
}

/**
 * After removing `device`: add the records it could read (and the hinted ones this device reads)
 * to the rotation under way. Resolves to the stored progress {pending, done, total}.
 */
export async function startRotation({ store, records, device, coordinator, hint = [] }) {
  const readable = new Set(records.summaries.keys());
  const states = coordinator ? [] : await store.allRecords();
  const ids = new Set([...couldRead(states, readable, device, { coordinator }),
    ...hint.filter((id) => readable.has(id))]);
  const meta = (await store.getMeta('rotation')) ?? { pending: [], done: 0, total: 0 };
  const pending = [...new Set([...meta.pending, ...ids])].sort();
  const done = meta.pending.length ? meta.done : 0;
  const next = { pending, done, total: done + pending.length };
  await store.putMeta('rotation', next);
  return next;
}

/**
 * Rotate the next batch of the rotation under way: ask the server for the records' stored wraps,
 * then give each record its new key (records.rotate, which stores the progress with the wraps).
 * Resolves to {done, total} after the batch, or null when nothing is under way. `ctx`: as `holders`.
 */
export async function rotateOnce({ store, records, api, ctx }, limit = ROTATE_BATCH) {
  let meta = await store.getMeta('rotation');
  if (!meta?.pending?.length || !records) return null;
  const ids = meta.pending.slice(0, limit);
  const { wraps } = await api('POST', '/api/records/wraps', { records: ids });
  for (const id of ids) {
    const state = await store.getRecord(id);
    const mine = wraps.filter((w) => w?.record === id);
    const recipients = state ? await holders(state, mine, ctx) : [];
    meta = { ...meta, pending: meta.pending.filter((x) => x !== id), done: meta.done + 1 };
    await records.rotate(id, recipients, meta);
  }
  return { done: meta.done, total: meta.total };
}

/** The rotation under way as {done, total}, or null. */
export async function rotationProgress(store) {
  const meta = await store.getMeta('rotation');
  return meta?.pending?.length ? { done: meta.done, total: meta.total } : null;
}
