/**
 * Records as a person sees them: decrypted on read, encrypted and signed on save.
 *
 * This is the transformer at the boundary (style §11): the store below holds ciphertext only; the
 * plaintext above lives in memory while the app is unlocked and is dropped by `clear()`.
 * Crypto always happens before a transaction starts, never inside one.
 */

import { b64decode, b64encode } from './core/b64.js';
import { canonicalJSON } from './core/canonical.js';
import {
  decryptField, encryptField, keyCommitment, newRecordKey, signChange, unwrapKey, wrapKey,
} from './core/envelopes.js';
import { displayOrder, known, nextWrite } from './core/merge.js';
import { openLocal, sealLocal } from './crypto/local-box.js';
import { changed } from './forms.js';
import { StaleStateError, applyChange } from './store/local.js';
import { SUMMARY_FORMAT, summarize } from './summary.js';

export const DELETED = '_deleted';
const RETRIES = 5;
const has = (obj, key) => Object.prototype.hasOwnProperty.call(obj ?? {}, key);

/** Every wrap a record state holds (its first, then the others pulled), each once. */
function wrapsOf(state) {
  const seen = new Set();
  return [state.wrap, ...(state.wraps ?? [])].filter((w) => w && !seen.has(w.sig) && seen.add(w.sig));
}

/** A short, stable tag of a record's live dots: the cache entry is fresh while it matches. */
export function versionOf(state) {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  const text = Object.keys(state.fields).sort()
    .map((f) => f + ':' + state.fields[f].map((w) => w.dot.join('.')).sort().join(',')).join('|');
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193) >>> 0;
    h2 = Math.imul(h2 ^ c, 0x5bd1e995) >>> 0;
  }
  return h1.toString(36) + h2.toString(36) + '.' + text.length;
}

/**
 * The dot and context of a new write over `live` when the writer had seen only `seen` of the
 * field (the contexts when the form opened): a value that arrived meanwhile is not covered, so
 * it becomes a conflict instead of being overwritten unseen. The device's own counter is always
 * the latest, so a dot is never issued twice.
 */
export function writeFrom(live, device, seen) {
  const mine = known(live)[device] ?? 0;
  const ctx = { ...seen };
  delete ctx[device];
  if (mine) ctx[device] = mine;
  return { dot: [device, mine + 1], ctx };
}

/**
 * The records of one unlocked device. `identity`: {workspace, device, signKey, ecdhKey, localKey,
 * ownEcdh (this device's public ECDH key), recipients: [{id, ecdh_key}] (trusted coordinators)}.
 */
export class Records {
  constructor(store, identity, { now = () => Date.now() } = {}) {
    this.store = store;
    this.id = identity;
    this.now = now;
    this.keys = new Map();
    this.opened = new Map(); // wrap sig → record key, for wraps already opened (by the pull or here)
    this.summaries = new Map();
    this.versions = new Map(); // the cache version each summary was opened from
  }

  /**
   * Decrypt what the list needs from the sealed cache entries, without reading the records
   * themselves (opening must stay fast with thousands of them); records without an entry are
   * decrypted and get one. `verify()` then checks every entry against its record.
   */
  async load() {
    const [ids, cache] = await Promise.all([this.store.recordIds(), this.store.allCache()]);
    const sealed = new Map(cache.map((c) => [c.id, c]));
    const missing = [];
    this.versions = new Map();
    await Promise.all(ids.map(async (id) => {
      const entry = sealed.get(id);
      if (entry && await this.#openEntry(id, entry)) return;
      missing.push(id);
    }));
    for (const id of missing) {
      // One record that cannot be opened costs only itself: the lock screen never waits on it.
      try {
        const state = await this.store.getRecord(id);
        if (state) await this.#refresh(state);
      } catch {
        this.#drop(id);
      }
    }
    this.stored = ids.length;
    return this.list();
  }

  /** How many records on this device it cannot open (no key wrapped to it, or not yet verified). */
  get unreadable() {
    return Math.max(0, (this.stored ?? 0) - this.summaries.size);
  }

  async #openEntry(id, entry) {
    try {
      const { k, s } = await openLocal(this.id.localKey, 'cache/' + id, entry);
      this.keys.set(id, b64decode(k, 32));
      this.summaries.set(id, s);
      // An entry of an older shape (no author, no creation time) is shown as it is and made again
      // by `verify()` after the list is up, so the first opening after an update is not slower.
      this.versions.set(id, s?.v === SUMMARY_FORMAT ? entry.version : null);
      return true;
    } catch {
      return false; // damaged, or sealed by another local key: made again from the record
    }
  }

  /** Check each cache entry against its record's live dots; remake stale ones. True if any changed. */
  async verify() {
    let changed = false;
    const states = await this.store.allRecords();
    this.stored = states.length;
    const present = new Set(states.map((s) => s.id));
    for (const id of [...this.summaries.keys()]) {
      if (present.has(id)) continue; // erased by another tab's sync (a purge, travel mode)
      this.#drop(id);
      changed = true;
    }
    for (const state of states) {
      if (this.closed) return false; // locked meanwhile: decrypt nothing more
      if (this.versions?.get(state.id) === versionOf(state)) continue;
      await this.#refresh(state).catch(() => this.#drop(state.id));
      changed = true;
    }
    return changed;
  }

  /**
   * After a pull: decrypt the records whose live sets changed (their cache entries were deleted
   * with the change) and forget the erased ones. `keys` (wrap sig → key) are wraps the pull
   * already opened; they are judged against the record's key commitments before any is used.
   */
  async reload({ changed = [], purged = [], keys = new Map() } = {}) {
    // `keys` are wrap sig → key: opened, not yet judged against the record's key commitments.
    for (const [sig, key] of keys) if (!this.opened.has(sig)) this.opened.set(sig, key);
    for (const id of purged) this.#drop(id);
    for (const id of changed) {
      if (this.closed) return;
      const state = await this.store.getRecord(id);
      if (state) await this.#refresh(state).catch(() => this.#drop(id));
      else this.#drop(id);
    }
    this.stored = (await this.store.recordIds()).length;
  }

  #drop(id) {
    const key = this.keys.get(id);
    if (key) {
      for (const [sig, k] of this.opened) if (k === key) this.opened.delete(sig);
      key.fill(0);
    }
    this.keys.delete(id);
    this.summaries.delete(id);
    this.versions?.delete(id);
  }

  async #open(wrap) {
    let key = this.opened.get(wrap.sig);
    if (!key) {
      key = await unwrapKey(wrap, this.id.ecdhKey);
      this.opened.set(wrap.sig, key);
    }
    return key;
  }

  async #opensAny(state, key) {
    for (const [field, live] of Object.entries(state.fields)) {
      for (const w of live) {
        if (has(w, 'kc')) continue;
        try {
          await decryptField(key, this.id.workspace, state.id, field, w.dot, w.nonce, w.ct);
          return true;
        } catch {
          // not this key, or not a value: try the next
        }
      }
    }
    return false;
  }

  /**
   * Judge a record's wraps against its key commitments (docs/protocol.md, the twin of
   * Replica._settle in sync/replica.py). Resolves to {key, ring (kc → key), wrong ([wrap])}: `key`
   * is the one this device writes with, `ring` every accepted key, `wrong` the wraps refused as
   * wrong_key. A wrap from this device, a trusted coordinator, or a device that itself signed a
   * change committing to the key is accepted when a change commits to its key; any wrap whose key
   * opens an old value without a commitment is accepted; while the record holds nothing, a wrap is
   * accepted provisionally; a key that matches no commitment and opens nothing is wrong.
   */
  async #judge(state) {
    const kcs = state.kcs ?? {};
    const anyKc = Object.keys(kcs).length > 0;
    const legacy = Object.values(state.fields).some((live) => live.some((w) => !has(w, 'kc')));
    const ring = new Map();
    const ranked = [];
    const wrong = [];
    for (const wrap of wrapsOf(state)) {
      let key;
      try {
        key = await this.#open(wrap);
      } catch {
        continue; // not addressed to this device's key: the pull reported it
      }
      const kc = await keyCommitment(key);
      const sender = wrap.sender;
      const vouched = sender === this.id.device || (has(this.id.trusted, sender) && this.id.trusted[sender] === 'coordinator')
        || (has(kcs, kc) && kcs[kc].includes(sender));
      let rank;
      if (has(kcs, kc) && vouched) rank = 0;
      else if (legacy && await this.#opensAny(state, key)) rank = 1;
      else if (!anyKc && !legacy) rank = 2; // provisional: nothing of the record to check it against yet
      else if (!has(kcs, kc)) {
        wrong.push(wrap);
        continue;
      } else continue; // the right key from a sender that has not vouched for it (yet)
      ring.set(kc, key);
      ranked.push({ rank, i: ranked.length, key });
    }
    ranked.sort((a, b) => a.rank - b.rank || a.i - b.i);
    return { key: ranked[0]?.key ?? null, ring, wrong };
  }

  // A refused wrap is a problem the sync screen lists, as the pull's are.
  async #report(id, wrong) {
    const at = this.now();
    await this.store.reportProblems?.(wrong.map((w) => ({ id: `wrong_key:${id}:${w.sig}`, kind: 'wrap', record: id,
      device: w.sender, code: 'wrong_key', at })));
  }

  async #key(state) {
    let key = this.keys.get(state.id);
    if (!key) {
      ({ key } = await this.#judge(state));
      if (key) this.keys.set(state.id, key);
    }
    return key;
  }

  async #refresh(state) {
    let judged;
    try {
      judged = await this.#judge(state);
    } catch {
      return; // not addressed to this device (yet): the sync engine reports such records
    }
    if (!judged.key) {
      this.#drop(state.id);
      await this.#report(state.id, judged.wrong);
      return;
    }
    this.keys.set(state.id, judged.key);
    await this.#report(state.id, judged.wrong);
    const view = await this.#decrypt(state, judged);
    if (this.closed) return;
    const first = view.siblings.kind?.[0]; // the record's kind is written once, by its author
    const summary = summarize(state.id, view.values, { ...view, author: first?.device ?? null, created: first?.t ?? null });
    this.summaries.set(state.id, summary);
    const box = await sealLocal(this.id.localKey, 'cache/' + state.id, { k: b64encode(judged.key), s: summary });
    const version = versionOf(state);
    await this.store.putCache({ id: state.id, version, ...box });
    this.versions?.set(state.id, version);
  }

  /**
   * Decrypt every live value with the key its change committed to (or, without a commitment,
   * the record's key). A value that does not decrypt, parse or unpad costs only itself: it is
   * left out and listed in `unreadable` ({field, device, dot, code: 'unreadable_value'}).
   */
  async #decrypt(state, { key, ring, wrong = [] }) {
    const values = {};
    const siblings = {};
    const conflicts = [];
    const unreadable = [];
    let t = 0;
    const { workspace } = this.id;
    for (const [field, live] of Object.entries(state.fields)) {
      const entries = (await Promise.all(live.map(async (w) => {
        try {
          const k = has(w, 'kc') ? ring.get(w.kc) : key;
          if (!k) throw new Error('no key matches this value');
          const { value, t: wt } = await decryptField(k, workspace, state.id, field, w.dot, w.nonce, w.ct);
          return { value: canonicalJSON(value), t: wt, device: w.dot[0] };
        } catch {
          unreadable.push({ field, device: w.dot[0], dot: [...w.dot], code: 'unreadable_value' });
          return null;
        }
      }))).filter(Boolean);
      const shown = displayOrder(entries).map((e) => ({ ...e, value: JSON.parse(e.value) }));
      if (!shown.length) continue;
      values[field] = shown[0].value;
      siblings[field] = shown;
      if (shown.length > 1) conflicts.push(field);
      t = Math.max(t, ...shown.map((e) => e.t));
    }
    const wrongKeys = wrong.map((w) => ({ sender: w.sender, code: 'wrong_key' }));
    return { values, siblings, conflicts, t, unreadable, wrongKeys };
  }

  /** Summaries of every readable record (for the list). */
  list() {
    return [...this.summaries.values()];
  }

  /**
   * One record decrypted: {id, values, siblings, conflicts, t, unreadable, wrongKeys, contexts};
   * null when this device cannot read it. `unreadable` lists values it holds but cannot read,
   * `wrongKeys` the wraps refused as wrong_key. `contexts` ({field: what was seen of it}) goes
   * back to `save` as `seen`.
   */
  async read(id) {
    const state = await this.store.getRecord(id);
    if (!state) return null;
    const judged = await this.#judge(state).catch(() => null);
    if (!judged?.key) return null;
    this.keys.set(id, judged.key);
    const contexts = Object.fromEntries(Object.entries(state.fields).map(([f, live]) => [f, known(live)]));
    return { id, ...(await this.#decrypt(state, judged)), contexts };
  }

  /**
   * Save stored values as one signed change: a new record when `id` is null, else only the fields
   * that differ from `before`. `drafts` (a sealed drafts box) is stored in the same transaction.
   * Returns the record id.
   */
  async save({ id = null, values, before = {}, drafts = null, force = [], seen = null }) {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.#save(id, values, before, drafts, force, seen);
      } catch (err) {
        if (!(err instanceof StaleStateError) || attempt >= RETRIES) throw err;
        const again = id ? await this.read(id) : null;
        if (again) {
          before = again.values;
          if (seen) seen = again.contexts;
        }
      }
    }
  }

  /**
   * Resolve a conflict: write `value` to `field` even if it equals the value shown first. The new
   * write's context covers every sibling, so every replica that receives it drops them all.
   */
  async resolve(id, field, value, seen = null) {
    const record = await this.read(id);
    if (!record) throw new Error('this device cannot write a record it cannot read');
    return this.save({ id, values: { ...record.values, [field]: value }, before: record.values, force: [field],
      seen: seen ?? record.contexts });
  }

  /** Share records with another device ({id, ecdh_key}): their keys, wrapped for it, join the outbox. */
  async grant(ids, recipient) {
    const { workspace, device } = this.id;
    const wraps = [];
    for (const id of [].concat(ids)) {
      const state = await this.store.getRecord(id);
      const key = state && await this.#key(state).catch(() => null);
      if (!key) continue; // not readable here: nothing to share
      wraps.push(await wrapKey({ recordKey: key, workspace, record: id, sender: device, senderKey: this.id.signKey,
        recipient: recipient.id, recipientEcdh: recipient.ecdh_key }));
    }
    await this.store.queueWraps(wraps);
    return wraps.length;
  }

  async #save(id, values, before, drafts, force, seen) {
    const { workspace, device } = this.id;
    const isNew = id === null;
    let state;
    let key;
    let wraps = [];
    let own = null;
    let writesFor;
    if (isNew) {
      id = crypto.randomUUID();
      key = newRecordKey();
      state = { id, wrap: null, fields: {} };
      writesFor = Object.fromEntries(Object.entries(values).filter(([, v]) => v !== null));
      const recipients = [{ id: device, ecdh_key: this.id.ownEcdh },
        ...this.id.recipients.filter((r) => r.id !== device)];
      wraps = await Promise.all(recipients.map((r) => wrapKey({ recordKey: key, workspace, record: id,
        sender: device, senderKey: this.id.signKey, recipient: r.id, recipientEcdh: r.ecdh_key })));
      own = wraps[0];
    } else {
      state = await this.store.getRecord(id);
      key = state && await this.#key(state);
      if (!key) throw new Error('this device cannot write a record it cannot read');
      writesFor = changed(before, values);
      for (const field of force) writesFor[field] = values[field];
    }
    const fields = Object.keys(writesFor).sort();
    if (!fields.length) return id;
    const t = this.now();
    const kc = await keyCommitment(key);
    const writes = await Promise.all(fields.map(async (field) => {
      const live = state.fields[field] ?? [];
      const { dot, ctx } = seen && !isNew ? writeFrom(live, device, seen[field] ?? {}) : nextWrite(live, device);
      const { nonce, ct } = await encryptField(key, workspace, id, field, dot, writesFor[field], t);
      return { field, dot, ctx, nonce, ct };
    }));
    const change = await signChange(this.id.signKey, { workspace, record: id, device, kc, writes });
    // The state after this change, to seal the cache entry for it before the transaction.
    const after = applyChange(isNew ? { ...state, wrap: own } : state, change);
    const merged = { ...before, ...writesFor };
    const previous = this.summaries.get(id);
    // A write covering every sibling resolves its field; one made over an older view may not.
    const conflicts = [...new Set([...(previous?.conflicts ?? []).filter((f) => !fields.includes(f)),
      ...fields.filter((f) => after.fields[f].length > 1)])];
    const summary = summarize(id, merged, { t, conflicts, author: isNew ? device : previous?.author ?? null,
      created: isNew ? t : previous?.created ?? null });
    const box = await sealLocal(this.id.localKey, 'cache/' + id, { k: b64encode(key), s: summary });
    await this.store.commitChange({ change, wrap: own, wraps, drafts,
      cache: { id, version: versionOf(after), ...box } });
    this.keys.set(id, key);
    this.summaries.set(id, summary);
    this.versions?.set(id, versionOf(after));
    // The coordinators that got the key at once are owed nothing by the re-wrap (sync/rewrap.js).
    if (isNew) await this.store.noteWrapped?.(id, wraps.slice(1).map((w) => w.recipient));
    return id;
  }

  /** Soft delete: a write to `_deleted`, so an edit made elsewhere meanwhile shows as a conflict. */
  remove(id, before, seen = null) {
    return this.save({ id, values: { ...before, [DELETED]: true }, before, seen });
  }

  /** Undo a soft delete. */
  restore(id, before, seen = null) {
    return this.save({ id, values: { ...before, [DELETED]: false }, before, seen });
  }

  /** Forget every key and plaintext held in memory (on lock). */
  clear() {
    this.closed = true;
    for (const key of this.keys.values()) key.fill(0);
    for (const key of this.opened.values()) key.fill(0); // zeroes the keys a pull handed over too
    this.keys.clear();
    this.opened.clear();
    this.summaries.clear();
    this.versions.clear();
  }
}
