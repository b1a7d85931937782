/**
 * The dense pull page (protocol version 3): a transport encoding of the logical page, the twin of
 * sync/dense.py (docs/protocol.md, "Pull"; vectors in tests/vectors/dense.json).
 *
 *   page   = {cursor, more, workspace, recipient, changes, wraps, tombstones, devices}
 *   change = [record, device, kc | null, sig, [write, ...]]  (+ [e] when the change has a key epoch)
 *   write  = [field, n, ctx, nonce, ct]                      a live write
 *          | [field, n, ctx, h]                              a covered write, as its hash
 *   wrap   = [record, sender, epk, nonce, ct, sig]           (+ [epoch]: a "zapis/wrap/2")
 *
 * Every change and wrap is of the page's workspace, every wrap addressed to its recipient. A
 * write's dot is [the change's device, n]; its context leaves out that device, whose entry is
 * always n - 1 (absent when n = 1). decodePage rebuilds exactly the logical objects signatures and
 * merge use; an item not of this shape is passed on unchanged, and the reader's checks refuse it
 * like any malformed item.
 */

export const PROTOCOL = '3'; // sent as the Zapis-Protocol request header of every API call
export const HEADER = 'Zapis-Protocol';
export const WRAP_1 = 'zapis/wrap/1';
export const WRAP_2 = 'zapis/wrap/2';

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const has = (obj, key) => Object.prototype.hasOwnProperty.call(obj, key);

class NotDense extends Error {}

/** A dense change as its logical object; throws if it is not of the dense shape (and then leaves it as it was). */
export function decodeChange(c, workspace) {
  if (!Array.isArray(c) || (c.length !== 5 && c.length !== 6) || typeof c[1] !== 'string' || !Array.isArray(c[4])
      || (c.length === 6 && !Number.isSafeInteger(c[5]))) {
    throw new NotDense('change');
  }
  const device = c[1];
  const writes = new Array(c[4].length);
  for (let i = 0; i < writes.length; i += 1) {
    const w = c[4][i];
    if (!Array.isArray(w) || !Number.isSafeInteger(w[1]) || w[1] < 1 || !isObject(w[2]) || has(w[2], device)) {
      throw new NotDense('write');
    }
    if (w.length === 5) writes[i] = { field: w[0], dot: [device, w[1]], ctx: w[2], nonce: w[3], ct: w[4] };
    else if (w.length === 4) writes[i] = { field: w[0], dot: [device, w[1]], ctx: w[2], h: w[3] };
    else throw new NotDense('write');
  }
  for (const w of writes) if (w.dot[1] > 1) w.ctx[device] = w.dot[1] - 1; // once the whole change is dense
  const out = { workspace, record: c[0], device };
  if (c[2] !== null) out.kc = c[2];
  out.sig = c[3];
  out.writes = writes;
  if (c.length === 6) out.e = c[5];
  return out;
}

/** A dense wrap as its logical object; throws if it is not of the dense shape. */
export function decodeWrap(w, workspace, recipient) {
  if (!Array.isArray(w) || (w.length !== 6 && w.length !== 7)) throw new NotDense('wrap');
  const out = { type: w.length === 6 ? WRAP_1 : WRAP_2, workspace, record: w[0], recipient, sender: w[1], epk: w[2],
    nonce: w[3], ct: w[4], sig: w[5] };
  if (w.length === 7) {
    if (!Number.isSafeInteger(w[6])) throw new NotDense('wrap');
    out.epoch = w[6];
  }
  return out;
}

function each(items, decode, ...args) {
  if (!Array.isArray(items)) return [];
  return items.map((item) => {
    try {
      return decode(item, ...args);
    } catch {
      return item; // refused later by the reader's checks, item by item
    }
  });
}

/**
 * The logical page of a dense one: changes and wraps rebuilt in place of their arrays, with the
 * page's workspace and recipient taken into them; cursor, more, tombstones and devices as sent.
 * Write contexts are taken over from the parsed page, not copied.
 */
export function decodePage(page) {
  const { workspace, recipient, ...rest } = page;
  return { ...rest, changes: each(page.changes, decodeChange, workspace),
    wraps: each(page.wraps, decodeWrap, workspace, recipient) };
}

// -- encoding: the server formats its text by hand; this is the reference (tests, fake servers) --

/** A logical write as its dense array; throws for what the dense form cannot carry. */
export function encodeWrite(w, device) {
  const [dev, n] = w.dot;
  const ctx = { ...w.ctx };
  const own = has(ctx, dev) ? ctx[dev] : null;
  delete ctx[dev];
  if (dev !== device || own !== (n > 1 ? n - 1 : null)) throw new Error('a write the dense form cannot carry');
  return has(w, 'ct') ? [w.field, n, ctx, w.nonce, w.ct] : [w.field, n, ctx, w.h];
}

/** A logical change as its dense array. */
export function encodeChange(c) {
  const out = [c.record, c.device, c.kc ?? null, c.sig, c.writes.map((w) => encodeWrite(w, c.device))];
  if (has(c, 'e')) out.push(c.e);
  return out;
}

/** A logical wrap as its dense array. */
export function encodeWrap(w) {
  const out = [w.record, w.sender, w.epk, w.nonce, w.ct, w.sig];
  if (w.type === WRAP_2) out.push(w.epoch);
  return out;
}

/** The dense page of a logical one pulled by `recipient` of `workspace`. */
export function encodePage(page, workspace, recipient) {
  return { cursor: page.cursor, more: page.more, workspace, recipient, ...page,
    changes: (page.changes ?? []).map(encodeChange), wraps: (page.wraps ?? []).map(encodeWrap) };
}
