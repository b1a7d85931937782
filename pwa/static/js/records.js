/**
 * Records as a person sees them: decrypted on read, encrypted and signed on save.
 *
 * This is the transformer at the boundary (STYLE 11): the store below holds ciphertext only; the
 * plaintext above lives in memory while the app is unlocked and is dropped by `clear()`.
 * Crypto always happens before a transaction starts, never inside one.
 */

import { b64decode, b64encode } from './core/b64.js';
import { canonicalJSON } from './core/canonical.js';
import { decryptField, encryptField, newRecordKey, signChange, unwrapKey, wrapKey } from './core/envelopes.js';
import { displayOrder, known, nextWrite } from './core/merge.js';
import { openLocal, sealLocal } from './crypto/local-box.js';
import { changed } from './forms.js';
import { StaleStateError, applyChange } from './store/local.js';
import { summarize } from './summary.js';

export const DELETED = '_deleted';
const RETRIES = 5;

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
      const state = await this.store.getRecord(id);
      if (state) await this.#refresh(state);
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
      this.versions.set(id, entry.version);
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
      await this.#refresh(state);
      changed = true;
    }
    return changed;
  }

  /**
   * After a pull: decrypt the records whose live sets changed (their cache entries were deleted
   * with the change) and forget the erased ones. `keys` are record keys the pull already opened.
   */
  async reload({ changed = [], purged = [], keys = new Map() } = {}) {
    for (const [id, key] of keys) if (!this.keys.has(id)) this.keys.set(id, key);
    for (const id of purged) this.#drop(id);
    for (const id of changed) {
      if (this.closed) return;
      const state = await this.store.getRecord(id);
      if (state) await this.#refresh(state);
      else this.#drop(id);
    }
    this.stored = (await this.store.recordIds()).length;
  }

  #drop(id) {
    this.keys.get(id)?.fill(0);
    this.keys.delete(id);
    this.summaries.delete(id);
    this.versions?.delete(id);
  }

  async #key(state) {
    let key = this.keys.get(state.id);
    if (!key && state.wrap) {
      key = await unwrapKey(state.wrap, this.id.ecdhKey);
      this.keys.set(state.id, key);
    }
    return key;
  }

  async #refresh(state) {
    let key;
    try {
      key = await this.#key(state);
    } catch {
      return; // not addressed to this device (yet): the sync engine reports such records
    }
    if (!key) return;
    const view = await this.#decrypt(state, key);
    if (this.closed) return;
    const summary = summarize(state.id, view.values, view);
    this.summaries.set(state.id, summary);
    const box = await sealLocal(this.id.localKey, 'cache/' + state.id, { k: b64encode(key), s: summary });
    const version = versionOf(state);
    await this.store.putCache({ id: state.id, version, ...box });
    this.versions?.set(state.id, version);
  }

  async #decrypt(state, key) {
    const values = {};
    const siblings = {};
    const conflicts = [];
    let t = 0;
    for (const [field, live] of Object.entries(state.fields)) {
      const entries = await Promise.all(live.map(async (w) => {
        const { workspace } = this.id;
        const { value, t: wt } = await decryptField(key, workspace, state.id, field, w.dot, w.nonce, w.ct);
        return { value: canonicalJSON(value), t: wt, device: w.dot[0] };
      }));
      const shown = displayOrder(entries).map((e) => ({ ...e, value: JSON.parse(e.value) }));
      if (!shown.length) continue;
      values[field] = shown[0].value;
      siblings[field] = shown;
      if (shown.length > 1) conflicts.push(field);
      t = Math.max(t, ...shown.map((e) => e.t));
    }
    return { values, siblings, conflicts, t };
  }

  /** Summaries of every readable record (for the list). */
  list() {
    return [...this.summaries.values()];
  }

  /**
   * One record decrypted: {id, values, siblings, conflicts, t, contexts}; null when this device
   * cannot read it. `contexts` ({field: what was seen of it}) goes back to `save` as `seen`.
   */
  async read(id) {
    const state = await this.store.getRecord(id);
    if (!state) return null;
    const key = await this.#key(state).catch(() => null);
    if (!key) return null;
    const contexts = Object.fromEntries(Object.entries(state.fields).map(([f, live]) => [f, known(live)]));
    return { id, ...(await this.#decrypt(state, key)), contexts };
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
    const writes = await Promise.all(fields.map(async (field) => {
      const live = state.fields[field] ?? [];
      const { dot, ctx } = seen && !isNew ? writeFrom(live, device, seen[field] ?? {}) : nextWrite(live, device);
      const { nonce, ct } = await encryptField(key, workspace, id, field, dot, writesFor[field], t);
      return { field, dot, ctx, nonce, ct };
    }));
    const change = await signChange(this.id.signKey, { workspace, record: id, device, writes });
    // The state after this change, to seal the cache entry for it before the transaction.
    const after = applyChange(isNew ? { ...state, wrap: own } : state, change);
    const merged = { ...before, ...writesFor };
    const previous = this.summaries.get(id);
    // A write covering every sibling resolves its field; one made over an older view may not.
    const conflicts = [...new Set([...(previous?.conflicts ?? []).filter((f) => !fields.includes(f)),
      ...fields.filter((f) => after.fields[f].length > 1)])];
    const summary = summarize(id, merged, { t, conflicts });
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
    for (const key of this.keys.values()) key.fill(0); // zeroes the keys a pull handed over too
    this.keys.clear();
    this.summaries.clear();
    this.versions.clear();
  }
}
