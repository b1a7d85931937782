/**
 * The merge rule of the sync model: multi-value registers with dotted version vectors.
 *
 * The twin of sync/merge.py. A write is an object with at least `dot` ([device, n]) and `ctx`
 * ({device: n}); its nonce and ciphertext only matter for telling a duplicate from an
 * equivocation. A live set is an array of writes for one field of one record. Nothing here
 * reads a value, so the same rule runs on ciphertext and on the server.
 */

export const ACCEPTED = 'accepted';
export const DUPLICATE = 'duplicate';
export const STALE = 'stale';
export const EQUIVOCATION = 'equivocation';

// Contexts come off the wire: a device id such as "constructor" must not reach Object.prototype.
const has = (obj, key) => Object.prototype.hasOwnProperty.call(obj, key);
const counter = (ctx, device) => (has(ctx, device) ? ctx[device] : 0);

function sameDot(a, b) {
  return a.dot.length === b.dot.length && a.dot[0] === b.dot[0] && a.dot[1] === b.dot[1];
}

function equalJSON(a, b) {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((k) => has(b, k) && equalJSON(a[k], b[k]));
}

/** True when write `a` had seen write `b` (a.ctx reaches b's dot). */
export function covers(a, b) {
  const [device, n] = b.dot;
  return counter(a.ctx, device) >= n;
}

/** True when two writes with the same dot are the same write, byte for byte (or, where only
 *  hashes are kept, hash for hash: `h`, as on the server). */
export function sameContent(a, b) {
  return ['dot', 'ctx', 'nonce', 'ct', 'h'].every((k) => equalJSON(a[k], b[k]));
}

/** Merge an incoming write into a live set; return {tag, live, removed}, never mutate `live`. */
export function merge(live, write) {
  for (const value of live) {
    if (sameDot(value, write)) {
      return { tag: sameContent(value, write) ? DUPLICATE : EQUIVOCATION, live, removed: [] };
    }
  }
  if (live.some((value) => covers(value, write))) return { tag: STALE, live, removed: [] };
  const kept = live.filter((v) => !covers(write, v));
  const removed = live.filter((v) => covers(write, v));
  return { tag: ACCEPTED, live: [...kept, write], removed };
}

/**
 * The first device (other than the writer) whose counter in `ctx` is above `seen[device]`, the
 * highest dot of it the reader knows was issued for this record and field; else null. The twin
 * of sync/merge.py `unseen`: the server checks every device against the dots it accepted, a
 * device can check only its own counters (the only ones it knows exactly).
 */
export function unseen(ctx, seen, writer) {
  for (const [device, n] of Object.entries(ctx)) {
    if (device !== writer && n > counter(seen, device)) return device;
  }
  return null;
}

/**
 * True when a pulled write (by `writer`, with context `ctx`) names device `me` above the highest
 * dot `me` issued for its field (`issued`): the client's side of `unseen`, for its own counter
 * only. Live contexts were checked on arrival, so `known(live)` adds only what a store kept
 * before the rule held (taken as it is, like the server's migration). Twin of sync/merge.py.
 */
export function namesUnissued(ctx, me, writer, issued, live) {
  return writer !== me && counter(ctx, me) > Math.max(issued, counter(known(live), me));
}

/**
 * Merge one change's writes into {field: live set}; resolve to {fields, tags} (a tag per write).
 * A write that equivocates is skipped alone; the others are applied (as sync/merge.py
 * apply_writes; tests/vectors/robust.json). `fields` is not mutated. `fieldOf(write, i)` says
 * which field a write goes to (its own `field` unless told: a stored write has none).
 */
export function applyWrites(fields, writes, fieldOf = (write) => write.field) {
  const out = { ...fields };
  const tags = [];
  writes.forEach((write, i) => {
    const field = fieldOf(write, i);
    const outcome = merge(has(out, field) ? out[field] : [], write);
    tags.push(outcome.tag);
    if (outcome.tag !== EQUIVOCATION) out[field] = outcome.live;
  });
  return { fields: out, tags };
}

/** Merge many writes in order; equivocations are ignored. Returns the final live set. */
export function mergeAll(live, writes) {
  for (const write of writes) live = merge(live, write).live;
  return live;
}

/** The join of the dots and contexts of a live set: everything its holder has seen. */
export function known(live) {
  const seen = new Map();
  const see = (device, n) => {
    if (n > (seen.get(device) ?? 0)) seen.set(device, n);
  };
  for (const value of live) {
    for (const [device, n] of Object.entries(value.ctx)) see(device, n);
    see(value.dot[0], value.dot[1]);
  }
  return Object.fromEntries(seen);
}

/** The dot and context of a new local write by `device` that covers every live value. */
export function nextWrite(live, device) {
  const ctx = known(live);
  return { dot: [device, counter(ctx, device) + 1], ctx };
}

/** True when a field's live values hold more than one distinct plaintext (canonical JSON text). */
export function isConflict(plaintexts) {
  return new Set(plaintexts).size > 1;
}

/** Siblings as every replica shows them: latest t, then smallest device; equal plaintexts folded. */
export function displayOrder(entries) {
  const byDevice = (a, b) => (a.device < b.device ? -1 : a.device > b.device ? 1 : 0);
  const ordered = [...entries].sort((a, b) => b.t - a.t || byDevice(a, b));
  const seen = new Set();
  return ordered.filter((entry) => !seen.has(entry.value) && seen.add(entry.value));
}
