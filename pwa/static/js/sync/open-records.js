/**
 * Opening a record for the list: judging its wraps against its key commitments, decrypting its
 * live values, and its summary sealed for the cache. Pure apart from WebCrypto, so the same code
 * runs in records.js on the page (a record opened or saved there) and in the crypto workers
 * (sync/crypto-worker.js: a pulled page's records while a new phone catches up), with the same
 * results (tests/js/open-batch.test.mjs).
 *
 * `ctx`: {workspace, device, trusted ({id: role}), removed ([ids]), ecdhKey (this device's
 * private ECDH key), opened (Map wrap sig → key list, filled as wraps are opened), names (a Set of
 * field names that may name an id no readable value names; learned names join it),
 * fieldIdKey(id, k0) → the record's field-id key (records.js caches them)}.
 */

import { b64encode } from '../core/b64.js';
import { canonicalJSON } from '../core/canonical.js';
import { decryptField, keyCommitment, openValue, unwrapKeys } from '../core/envelopes.js';
import { fid, fidOf, fieldIdKeyFrom, isLegacy, isPadding } from '../core/field-ids.js';
import { displayOrder } from '../core/merge.js';
import { epochOf, kcOf, wrapsOf } from '../core/record-state.js';
import { versionOf } from '../core/version.js';
import { sealLocal } from '../crypto/local-box.js';
import { summarize } from '../summary.js';

export { versionOf };

const has = (obj, key) => Object.prototype.hasOwnProperty.call(obj ?? {}, key);

/** May `sender` start a record's new key epoch, for this device? Itself, or a trusted coordinator not revoked. */
export function startsEpochs(ctx, sender) {
  if (sender === ctx.device) return true;
  return has(ctx.trusted, sender) && ctx.trusted[sender] === 'coordinator' && !(ctx.removed ?? []).includes(sender);
}


/** A wrap's key list, opened once (`ctx.opened`: wrap sig → list, kept across calls). */
async function openWrap(ctx, wrap) {
  let list = ctx.opened.get(wrap.sig);
  if (!list) {
    list = await unwrapKeys(wrap, ctx.ecdhKey);
    ctx.opened.set(wrap.sig, list);
  }
  return list;
}


async function opensAny(ctx, state, key) {
  for (const [field, live] of Object.entries(state.fields)) {
    for (const w of live) {
      if (kcOf(state, w) !== null) continue;
      try {
        await decryptField(key, ctx.workspace, state.id, field, w.dot, w.nonce, w.ct);
        return true;
      } catch {
        // not this key, or not a value: try the next
      }
    }
  }
  return false;
}


// The name of a field id no readable value names: a known name deriving to it, else null.
async function nameOf(ctx, fidKey, field) {
  for (const name of ctx.names) if (await fid(fidKey, name) === field) return name;
  return null;
}


/**
 * Judge a record's wraps against its key commitments (docs/protocol.md, the twin of
 * Replica._settle in sync/replica.py). Resolves to {key (k0), chain (the believed key list:
 * this device writes with its last key, at epoch chain.length - 1), ring (kc → key, every
 * accepted key), wrong ([wrap])}. A wrap holds a key list (one key for a wrap/1). From this
 * device or a trusted coordinator not revoked (`startsEpochs`), the whole list is accepted when
 * a change commits to one of its keys, or its k0 opens an old value without a commitment, or
 * provisionally while the record holds nothing. From anyone else each key is judged alone, as
 * a wrap's one key always was (committed to, and the sender a trusted coordinator or a signer
 * of a change committing to it; a k0 also by an old value or provisionally), and it offers only
 * its k0 as a chain: a field device never introduces an epoch. A list none of whose keys is
 * committed to and whose k0 opens nothing is wrong. The chain is the best candidate: lowest
 * rank, then longest, then the smallest commitment of its newest key, then arrival.
 */
export async function judge(state, ctx) {
  const kcs = state.kcs ?? {};
  const anyKc = Object.keys(kcs).length > 0;
  const legacy = Object.values(state.fields).some((live) => live.some((w) => kcOf(state, w) === null));
  const trusted = ctx.trusted ?? {};
  const ring = new Map();
  const candidates = [];
  const wrong = [];
  for (const wrap of wrapsOf(state)) {
    let chain;
    try {
      chain = await openWrap(ctx, wrap);
    } catch {
      continue; // not addressed to this device's key: the pull reported it
    }
    const commits = await Promise.all(chain.map((k) => keyCommitment(k)));
    const sender = wrap.sender;
    const pairs = commits.map((kc, i) => [kc, chain[i]]);
    let good;
    let candidate;
    let committed;
    if (startsEpochs(ctx, sender)) {
      good = pairs;
      candidate = chain;
      committed = commits.some((kc) => has(kcs, kc));
    } else {
      const coordinator = has(trusted, sender) && trusted[sender] === 'coordinator';
      good = pairs.filter(([kc]) => has(kcs, kc) && (coordinator || kcs[kc].includes(sender)));
      candidate = chain.slice(0, 1);
      committed = good.some(([kc]) => kc === commits[0]);
    }
    let rank = null;
    if (committed) rank = 0;
    else if (legacy && await opensAny(ctx, state, chain[0])) rank = 1;
    else if (!anyKc && !legacy) rank = 2; // provisional: nothing of the record to check it against yet
    else if (!commits.some((kc) => has(kcs, kc))) {
      wrong.push(wrap);
      continue;
    } // else: keys the record's changes commit to, from a sender not vouching for them (yet)
    for (const [kc, k] of good) ring.set(kc, k);
    if (rank !== null) {
      ring.set(commits[0], chain[0]);
      candidates.push({ rank, len: candidate.length, newest: candidate.length > 1 ? commits[candidate.length - 1] : '',
        i: candidates.length, chain: candidate });
    }
  }
  candidates.sort((a, b) => a.rank - b.rank || b.len - a.len
    || (a.newest < b.newest ? -1 : a.newest > b.newest ? 1 : 0) || a.i - b.i);
  const chain = candidates[0]?.chain ?? null;
  return { key: chain?.[0] ?? null, chain, ring, wrong };
}


/**
 * The wire fields of a record's padding (`_pad_1`, `_pad_2`, … of its first change): names in a
 * legacy record, else their ids, found in order until one is missing. Readers never show padding,
 * so its values are not decrypted: about half the values of a new record (core/field-ids.js
 * FIRST_CHANGE_WRITES), each a WebCrypto call, for an HMAC each in JavaScript.
 */
export function paddingIds(state, fidKey) {
  const fields = Object.keys(state.fields);
  if (isLegacy(fields)) return new Set(fields.filter(isPadding));
  const out = new Set();
  for (let i = 1; i <= fields.length; i++) {
    const id = fidOf(fidKey, `_pad_${i}`);
    if (!has(state.fields, id)) break;
    out.add(id);
  }
  return out;
}

/**
 * Decrypt every live value with the key its change committed to (or, without a commitment,
 * the record's key), in its form (protocol 3: {n, t, v} under a field id; legacy: {t, v} under a
 * name), and group the values by field name. A value that does not decrypt, parse or unpad, or
 * whose name does not match its id, costs only itself: it is left out and listed in `unreadable`
 * ({field: its name, or null when this device cannot tell it, device, dot, code:
 * 'unreadable_value'}). Padding fields are left out. `wire` maps each name to its wire field.
 */
export async function decryptState(state, { key, ring, wrong = [] }, ctx) {
  const values = {};
  const siblings = {};
  const conflicts = [];
  const unreadable = [];
  const wire = {};
  const byName = new Map();
  let t = 0;
  const { workspace } = ctx;
  const fidKey = await ctx.fieldIdKey(state.id, key);
  const bad = [];
  const padding = paddingIds(state, fidKey);
  for (const [field, live] of Object.entries(state.fields)) {
    if (padding.has(field)) continue; // never shown: not opened (its bytes are signed with the change)
    await Promise.all(live.map(async (w) => {
      try {
        const kc = kcOf(state, w);
        const k = kc === null ? key : ring.get(kc);
        if (!k) throw new Error('no key matches this value');
        const { name, value, t: wt } = await openValue(k, fidKey, workspace, state.id, field, w.dot, w.nonce, w.ct,
          epochOf(w));
        wire[name] = field;
        ctx.names.add(name);
        if (!byName.has(name)) byName.set(name, []);
        byName.get(name).push({ value: canonicalJSON(value), t: wt, device: w.dot[0] });
      } catch {
        bad.push({ field, device: w.dot[0], dot: [...w.dot], code: 'unreadable_value' });
      }
    }));
  }
  const named = Object.fromEntries(Object.entries(wire).map(([name, field]) => [field, name]));
  for (const u of bad) {
    const name = has(named, u.field) ? named[u.field]
      : isLegacy(Object.keys(state.fields)) ? u.field : await nameOf(ctx, fidKey, u.field);
    if (name !== null && !has(wire, name)) wire[name] = u.field;
    unreadable.push({ ...u, field: name });
  }
  for (const [name, entries] of byName) {
    if (isPadding(name)) continue;
    const shown = displayOrder(entries).map((e) => ({ ...e, value: JSON.parse(e.value) }));
    values[name] = shown[0].value;
    siblings[name] = shown;
    if (shown.length > 1) conflicts.push(name);
    t = Math.max(t, ...shown.map((e) => e.t));
  }
  const wrongKeys = wrong.map((w) => ({ sender: w.sender, code: 'wrong_key' }));
  return { values, siblings, conflicts, t, unreadable, wrongKeys, wire };
}


/** A field-id key maker with its own cache (a worker's, for one batch). */
export function fieldIdKeys(workspace) {
  const cache = new Map();
  return async (id, k0) => {
    const hit = cache.get(id);
    if (hit && hit.k0 === k0) return hit.key;
    const key = await fieldIdKeyFrom(k0, workspace, id);
    cache.set(id, { k0, key });
    return key;
  };
}

/**
 * Open one record state for the list: {id, skip} when its wraps cannot be judged (not addressed to
 * this device yet), {id, chain: null, wrong} when no key opens it, else {id, chain, wrong, summary,
 * entry (its cache entry sealed with `localKey`: {id, version, nonce, ct}; only {id, version} when
 * `localKey` is null, for a page's pack sealed once for all its records)}. A value that cannot be
 * decrypted costs only itself (decryptState); anything else throws.
 */
export async function openRecord(state, ctx, localKey) {
  let judged;
  try {
    judged = await judge(state, ctx);
  } catch {
    return { id: state.id, skip: true };
  }
  if (!judged.key) return { id: state.id, chain: null, wrong: judged.wrong };
  const view = await decryptState(state, judged, ctx);
  const first = view.siblings.kind?.[0]; // the record's kind is written once, by its author
  const summary = summarize(state.id, view.values,
    { ...view, author: first?.device ?? null, created: first?.t ?? null });
  const box = localKey ? await sealLocal(localKey, 'cache/' + state.id, { c: judged.chain.map(b64encode), s: summary })
    : {};
  return { id: state.id, chain: judged.chain, wrong: judged.wrong, summary,
    entry: { id: state.id, version: versionOf(state), ...box } };
}

/**
 * What travels to a crypto worker to open `states` (openStates' `plain`): this device's `base`
 * ({workspace, device, trusted, removed, ecdhKey}), the already opened wrap keys these states
 * name (`opened`: a Map of wrap sig → key list) and the field names known (`names`).
 */
export function openingContext({ workspace, device, trusted, removed, ecdhKey }, states, opened, names) {
  const keys = [];
  for (const s of states) for (const w of wrapsOf(s)) if (opened.has(w.sig)) keys.push([w.sig, opened.get(w.sig)]);
  return { workspace, device, trusted, removed, ecdhKey, opened: keys, names: [...names] };
}

/**
 * Open many record states, as a crypto worker does for a pulled page: `plain` is what travels to
 * a worker ({workspace, device, trusted, removed, ecdhKey, opened (Map), names ([...])}, no
 * functions). Resolves to {answers (openRecord's, or {id, error}), names (every name known after)}.
 */
export async function openStates(states, plain, localKey, atOnce = 16) {
  const ctx = { ...plain, opened: new Map(plain.opened ?? []), names: new Set(plain.names ?? []),
    fieldIdKey: fieldIdKeys(plain.workspace) };
  const answers = new Array(states.length);
  for (let i = 0; i < states.length; i += atOnce) {
    await Promise.all(states.slice(i, i + atOnce).map(async (state, k) => {
      try {
        answers[i + k] = await openRecord(state, ctx, localKey);
      } catch (err) {
        answers[i + k] = { id: state.id, error: String(err?.message ?? err) };
      }
    }));
  }
  return { answers, names: [...ctx.names] };
}
