/**
 * Records as a person sees them: decrypted on read, encrypted and signed on save.
 *
 * This is the transformer at the boundary (style §11): the store below holds ciphertext only; the
 * plaintext above lives in memory while the app is unlocked and is dropped by `clear()`.
 * Crypto always happens before a transaction starts, never inside one.
 */

import { b64decode, b64encode } from './core/b64.js';
import {
  encryptField, encryptValue, keyCommitment, newRecordKey, signChange, wrapKeys,
} from './core/envelopes.js';
import { fid, fieldIdKeyFrom, isLegacy, isName, paddedFirst } from './core/field-ids.js';
import { known, nextWrite } from './core/merge.js';
import { MAX_EPOCH } from './core/wraps.js';
import { openLocal, sealLocal } from './crypto/local-box.js';
import { FORMS, changed } from './forms.js';
import { StaleStateError, applyChange } from './store/local.js';
import { SUMMARY_FORMAT, summarize } from './summary.js';
import {
  decryptState, judge, openRecord, openingContext, startsEpochs, versionOf,
} from './sync/open-records.js';

export { versionOf };

export const DELETED = '_deleted';
const RETRIES = 5;
// Cache entries sealed together in one pack, and how many may change before the packs are sealed
// again (an entry not in a pack of its version costs one read and one decryption of its own).
const PACK_SIZE = 1000;
const LOOSE_MAX = 32;
const PACK_LABEL = 'pack/';
// A pulled page with at least this many records to list has their entries sealed together in one
// pack of its own (store.addPack), not in a cache entry each: one seal and one write instead of
// hundreds, and a catch-up's entries are not packed a second time after it.
const PAGE_PACK_MIN = 64;
// Records stored before version tags, read and tagged in one transaction.
const STAMP_AT_ONCE = 200;
// Records of a pulled page opened at once (WebCrypto answers them side by side).
const ABSORB_AT_ONCE = 32;
// The names a field id may stand for, tried when no readable value of that field tells it.
const FORM_NAMES = ['kind', DELETED, ...Object.values(FORMS).flatMap((form) => form.map((f) => f.name))];

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
 * ownEcdh (this device's public ECDH key), recipients: [{id, ecdh_key}] (trusted coordinators),
 * trusted ({id: role}), removed ([ids revoked by a kept order or flagged by the server])}.
 */
export class Records {
  constructor(store, identity, { now = () => Date.now() } = {}) {
    this.store = store;
    this.id = identity;
    this.now = now;
    this.keys = new Map();   // record id → its believed key list [k0, ..., kn] (writes with kn, epoch n)
    this.opened = new Map(); // wrap sig → key list, for wraps already opened (by the pull or here)
    this.summaries = new Map();
    this.versions = new Map(); // the cache version each summary was opened from
    this.loose = new Set(); // ids whose entries the packs do not hold as they are now
    this.packCount = 0; // how many packs are stored
    this.packing = Promise.resolve(); // what is sealed into packs and stored, one after another
    this.unchecked = 0; // entries `load` listed without checking them against a version tag
    this.fidKeys = new Map(); // record id → {k0, key}: the key its field ids derive from
    this.names = new Set(FORM_NAMES); // field names that may name an id no readable value names
  }

  /**
   * The key a record's field ids derive from (docs/protocol.md, "Field values"), made from the
   * record's epoch-0 key `k0` (the first of its key list, so ids never change across epochs). Every
   * caller passes `chain[0]`; this is the one place that turns it into the field-id key.
   */
  async fieldIdKey(id, k0) {
    const hit = this.fidKeys.get(id);
    if (hit && hit.k0 === k0 && k0.some((b) => b !== 0)) return hit.key;
    const key = await fieldIdKeyFrom(k0, this.id.workspace, id);
    this.fidKeys.set(id, { k0, key });
    return key;
  }

  /**
   * Read what opening the list needs, before the local key is there (at unlock, while the
   * passphrase is stretched): every record's id and version tag, and the sealed packs. Nothing in
   * it is readable without the key. Pass the promise to `load`.
   */
  static prefetch(store) {
    const early = Promise.all([store.recordVersions(), store.allPacks()]);
    early.catch(() => {}); // a wrong passphrase never uses it; `load` sees the failure if it does
    return early;
  }

  /**
   * Decrypt what the list needs without reading the records themselves (opening must stay fast
   * with thousands of them): the sealed packs first, a few decryptions for them all; a record
   * whose packed entry is not of its version tag (changed since) from its own cache entry if that
   * is of its tag, else from the record itself, which then gets a fresh entry. So a record changed
   * meanwhile (a pull, another tab) is never listed with what it held before. `verify()` then
   * tags records stored before tags, and packs the entries again when enough are loose.
   */
  async load(early = null) {
    const [{ ids, tags }, packs] = await (early ?? Records.prefetch(this.store));
    this.versions = new Map();
    this.loose = new Set();
    this.packCount = packs.length;
    const packed = await this.#openPacks(packs, tags);
    const rest = [];
    for (const id of ids) {
      const tag = tags.get(id);
      const entry = tag === undefined ? null : packed.get(id);
      if (entry && entry[0] === tag && entry[2]?.v === SUMMARY_FORMAT) this.#take(id, entry[2], entry[1], tag);
      else rest.push(id);
    }
    packed.clear();
    // The rest from their own cache entries, where those are of the record's tag (or the record
    // has none yet: `verify()` checks it).
    const cache = rest.length > ids.length / 2
      ? await this.store.allCache() : await this.store.getCaches(rest);
    const sealed = new Map(cache.map((c) => [c.id, c]));
    const missing = [];
    this.unchecked = 0;
    await Promise.all(rest.map(async (id) => {
      this.loose.add(id);
      const entry = sealed.get(id);
      const tag = tags.get(id);
      if (entry && (tag === undefined || entry.version === tag) && await this.#openEntry(id, entry)) {
        // Not checked against a tag (stored before tags), or of an older shape: `verify()` sees to it.
        if (tag === undefined || this.versions.get(id) === null) this.unchecked += 1;
        return;
      }
      missing.push(id);
    }));
    for (const id of missing) {
      // One record that cannot be opened costs only itself: the lock screen never waits on it.
      try {
        const state = await this.store.getRecord(id);
        if (state) await this.#refresh(state);
      } catch {
        this.#drop(id); // not readable here (no key for this device yet): the sync screen counts such records
      }
    }
    this.stored = ids.length;
    return this.list();
  }

  // The packs' entries, id → [version, key list, summary]; a pack that does not open (damaged,
  // sealed by another local key, or moved to another key) is skipped: its records come from their
  // own entries. A record in more than one pack (a page's pack beside the packs sealed before it)
  // takes the entry of its version tag.
  async #openPacks(packs, tags) {
    const opened = await Promise.all(packs.map(([key, box]) => openLocal(this.id.localKey, PACK_LABEL + key, box)
      .catch(() => null)));
    const out = new Map();
    for (const pack of opened) {
      for (const [id, version, c, s] of pack?.e ?? []) {
        if (!out.has(id) || out.get(id)[0] !== tags.get(id)) out.set(id, [version, c, s]);
      }
    }
    return out;
  }

  #take(id, summary, chain, version) {
    this.keys.set(id, chain.map((x) => b64decode(x, 32)));
    this.summaries.set(id, summary);
    this.versions.set(id, version);
  }

  /** How many records on this device it cannot open (no key wrapped to it, or not yet verified). */
  get unreadable() {
    return Math.max(0, (this.stored ?? 0) - this.summaries.size);
  }

  async #openEntry(id, entry) {
    try {
      const { k, c, s } = await openLocal(this.id.localKey, 'cache/' + id, entry);
      // `c`: the key list; `k`: one key, in entries sealed before key epochs.
      this.keys.set(id, (c ?? [k]).map((x) => b64decode(x, 32)));
      this.summaries.set(id, s);
      // An entry of an older shape (no author, no creation time) is shown as it is and made again
      // by `verify()` after the list is up, so the first opening after an update is not slower.
      this.versions.set(id, s?.v === SUMMARY_FORMAT ? entry.version : null);
      return true;
    } catch {
      return false; // damaged, or sealed by another local key: made again from the record
    }
  }

  /**
   * Once the list is up: `verify()` if `load` listed entries it could not check against their
   * records' tags (records stored before tags, entries of an older shape), else seal the packs
   * again if enough entries are loose. Every other entry `load` listed was of its record's tag;
   * what changes later comes through this device's own saves and pulls, or another tab's
   * message (sync-controller.js), which calls `verify()`. True if any entry changed.
   */
  async settle() {
    if (this.unchecked) return this.verify();
    await this.repack();
    return false;
  }

  /**
   * Seal the packs again if enough entries changed since they were sealed: LOOSE_MAX, or `share`
   * of the listed entries if that is more (after a sync: a catch-up of thousands is packed then, so
   * the next unlock opens a few packs instead of every entry on its own, while a few dozen new
   * records in a large workspace wait for the next unlock). True if it did.
   */
  async repack(share = 0) {
    if (this.closed) return false;
    // Pages' packs pile up beside the others: more than twice the packs the entries need, and they are sealed again.
    const scattered = this.packCount > 2 * Math.ceil(this.summaries.size / PACK_SIZE) + 2;
    if (!scattered && (this.loose?.size ?? 0) < Math.max(LOOSE_MAX, share * this.summaries.size)) return false;
    await this.pack();
    return true;
  }

  /**
   * Check each listed entry against its record's version tag (read from the store's index, not
   * from the records); remake stale ones. Records stored before tags are read once and tagged.
   * Then, if enough entries changed since the packs were sealed, seal them again. True if any
   * entry changed.
   */
  async verify() {
    let changed = false;
    // Only records listed before the store is read can be missing from it because they were
    // erased: one a pull lists meanwhile (sync/pull-thread.js stores in a worker) was stored after.
    const listed = [...this.summaries.keys()];
    const { ids, tags } = await this.store.recordVersions();
    this.stored = ids.length;
    const present = new Set(ids);
    for (const id of listed) {
      // Else erased by another tab's sync (a purge, travel mode).
      if (present.has(id) || !this.summaries.has(id)) continue;
      this.#drop(id);
      changed = true;
    }
    const untagged = ids.filter((id) => !tags.has(id));
    for (let i = 0; i < untagged.length; i += STAMP_AT_ONCE) {
      if (this.closed) return false;
      for (const [id, tag] of await this.store.stampVersions(untagged.slice(i, i + STAMP_AT_ONCE))) tags.set(id, tag);
    }
    for (const id of ids) {
      if (this.closed) return false; // locked meanwhile: decrypt nothing more
      if (tags.has(id) && this.versions?.get(id) === tags.get(id)) continue;
      const state = await this.store.getRecord(id);
      if (!state) continue; // erased meanwhile
      await this.#refresh(state).catch(() => this.#drop(state.id)); // unreadable here: as in open()
      changed = true;
    }
    if (!this.closed) this.unchecked = 0;
    await this.repack();
    return changed;
  }

  /**
   * Seal every listed entry whose version is known into packs (PACK_SIZE entries each) and
   * replace the stored packs with them. An entry packed here that a pull changes meanwhile is
   * not used: its version is no longer its record's tag.
   */
  pack() {
    // After the packs being stored (a page's pack, added meanwhile, is then among the entries).
    const run = this.packing.then(async () => {
      // Entries that change while the packs are made stay loose: the packs hold them as they were.
      const loose = this.loose;
      this.loose = new Set();
      try {
        return await this.#pack();
      } catch (err) {
        for (const id of loose) this.loose.add(id);
        throw err;
      }
    });
    this.packing = run.catch(() => {});
    return run;
  }

  // A pulled page's entries ([id, version, key list, summary]) sealed as one pack beside the
  // others, under a key of its own; after any packing under way. Entries it fails to store stay
  // loose (the next unlock opens those records from their states, and `repack` packs them).
  #addPack(entries) {
    const run = this.packing.then(async () => {
      if (this.closed) return;
      const key = 'page/' + b64encode(crypto.getRandomValues(new Uint8Array(12)));
      const box = await sealLocal(this.id.localKey, PACK_LABEL + key, { e: entries });
      await this.store.addPack(key, box);
      this.packCount += 1;
    }).catch(() => {
      for (const [id] of entries) this.loose.add(id);
    });
    this.packing = run;
    return run;
  }

  async #pack() {
    const entries = [];
    for (const [id, s] of this.summaries) {
      const version = this.versions.get(id);
      const chain = this.keys.get(id);
      if (version && chain && s?.v === SUMMARY_FORMAT) entries.push([id, version, chain.map(b64encode), s]);
    }
    // One pack a task (each is turned into text before it is sealed): the page stays responsive.
    const boxes = [];
    for (let i = 0; i < entries.length; i += PACK_SIZE) {
      if (this.closed) return false;
      boxes.push(await sealLocal(this.id.localKey, PACK_LABEL + boxes.length, { e: entries.slice(i, i + PACK_SIZE) }));
    }
    if (this.closed) return false;
    await this.store.putPacks(boxes);
    this.packCount = boxes.length;
    return true;
  }

  /**
   * After a pull: decrypt the records whose live sets changed (their cache entries were deleted
   * with the change) and forget the erased ones. `keys` (wrap sig → key) are wraps the pull
   * already opened; they are judged against the record's key commitments before any is used.
   */
  async reload({ changed = [], purged = [], keys = new Map() } = {}) {
    // `keys` are wrap sig → key list: opened, not yet judged against the record's key commitments.
    for (const [sig, key] of keys) if (!this.opened.has(sig)) this.opened.set(sig, key);
    for (const id of purged) this.#drop(id);
    for (const id of changed) {
      if (this.closed) return;
      const state = await this.store.getRecord(id);
      if (state) await this.#refresh(state).catch(() => this.#drop(id)); // unreadable here: as in open()
      else this.#drop(id);
    }
    this.stored = (await this.store.recordIds()).length;
  }

  /**
   * A pulled page's records (sync/pull.js onPage), as `reload` does for a whole run but in bulk:
   * their states read in one transaction, opened side by side, their cache entries written in one
   * transaction, so the list grows page by page while the pull goes on; with `pool` (a
   * sync/crypto-pool.js CryptoPool) they are opened in its workers. Resolves to the ids of the
   * records it opened (or found unreadable); the others wait for `reload` or a later page. A page
   * of `packAt` records or more to list has their entries sealed together as one pack instead.
   */
  async absorb(page = {}, { pool = null, packAt = PAGE_PACK_MIN } = {}) {
    const { changed = [], purged = [], added = null, keys = new Map(), states: given = null } = page;
    for (const [sig, key] of keys) if (!this.opened.has(sig)) this.opened.set(sig, key);
    for (const id of purged) this.#drop(id);
    if (this.closed || !changed.length) return [];
    if (page.answers) return this.#absorbOpened(page);
    // The states the page stored (SyncStore.applyPage gives them), else read in one transaction.
    const all = given ?? await this.store.getRecords(changed);
    const present = new Set(all.map((s) => s.id));
    for (const id of changed) if (!present.has(id)) this.#drop(id);
    // A record whose wraps came before its values (a push stores its wraps first) waits for the
    // page that brings them: listed now, it would show as an empty entry.
    const states = all.filter((s) => Object.keys(s.fields).length);
    const entries = [];
    // Many records: their entries go into one pack, and the workers seal none of their own.
    const pack = states.length >= packAt ? [] : null;
    if (pool) {
      // In the crypto workers (sync/crypto-pool.js): they get the keys the pull opened for these
      // records, and give back summaries, sealed cache entries and the records' key lists.
      const plain = openingContext(this.#ctx(), states, this.opened, this.names);
      const { answers, names } = await pool.openRecords(states, plain, pack ? null : this.id.localKey);
      if (this.closed) return [];
      for (const name of names) this.names.add(name);
      for (let i = 0; i < states.length; i++) {
        const answer = answers[i];
        if (answer?.error || answer?.id !== states[i].id) this.#drop(states[i].id);
        else await this.#refresh(states[i], entries, answer, pack).catch(() => this.#drop(states[i].id));
      }
    } else {
      for (let i = 0; i < states.length; i += ABSORB_AT_ONCE) {
        if (this.closed) return [];
        await Promise.all(states.slice(i, i + ABSORB_AT_ONCE).map((state) => this.#refresh(state, entries, null, pack)
          .catch(() => this.#drop(state.id))));
      }
    }
    if (this.closed) return [];
    await this.#keep(entries, pack, added);
    return states.map((s) => s.id);
  }

  // A page the pull worker stored and opened (sync/pull-run.js): `opened` are the ids of its
  // records with values, `answers` theirs in order (openRecord's), their entries sealed in the
  // worker unless `pack` (then this page seals them as one pack).
  async #absorbOpened({ opened, answers, names = [], pack: packed = false, added = null }) {
    for (const name of names) this.names.add(name);
    const entries = [];
    const pack = packed ? [] : null;
    for (let i = 0; i < opened.length; i++) {
      const id = opened[i];
      const answer = answers[i];
      if (this.closed) return [];
      if (answer?.error || answer?.id !== id) this.#drop(id);
      else await this.#refresh({ id }, entries, answer, pack).catch(() => this.#drop(id));
    }
    if (this.closed) return [];
    await this.#keep(entries, pack, added);
    return opened;
  }

  // A page's entries stored (sealed one by one, or unsealed into one pack), and the count of the
  // records stored brought up to date.
  async #keep(entries, pack, added) {
    if (pack) await this.#addPack(pack.filter(([id]) => this.summaries.has(id)));
    else await this.store.putCaches(entries);
    // The page says how many records it added (SyncStore.applyPage); counting the store instead
    // reads every record, page after page: at 50,000 records a third of a second each.
    if (Number.isInteger(added) && Number.isInteger(this.stored)) this.stored += added;
    else this.stored = await this.store.recordCount();
  }

  /**
   * What a pull off the page (sync/pull-thread.js) needs to open pulled records as `absorb`
   * would: {names, removed, localKey, packAt}.
   */
  pullList(packAt = PAGE_PACK_MIN) {
    return { names: [...this.names], removed: this.id.removed ?? [], localKey: this.id.localKey, packAt };
  }

  #drop(id) {
    const chain = this.keys.get(id);
    if (chain) {
      for (const [sig, list] of this.opened) if (list.some((k) => chain.includes(k))) this.opened.delete(sig);
      for (const k of chain) k.fill(0);
    }
    this.keys.delete(id);
    this.fidKeys.delete(id);
    this.summaries.delete(id);
    this.versions?.delete(id);
    this.loose?.add(id);
  }

  // A refused wrap is a problem the sync screen lists, as the pull's are.
  async #report(id, wrong) {
    const at = this.now();
    await this.store.reportProblems?.(wrong.map((w) => ({ id: `wrong_key:${id}:${w.sig}`, kind: 'wrap', record: id,
      device: w.sender, code: 'wrong_key', at })));
  }

  // The record's key list, judged afresh: a revocation learned since may have changed it.
  async #chain(state) {
    const { chain } = await judge(state, this.#ctx());
    if (chain) this.keys.set(state.id, chain);
    return chain;
  }

  // `entries`, when given, collects the sealed cache entry instead of storing it (absorb stores
  // a page's entries in one transaction); `pack`, when given, collects the entry unsealed, for a
  // page's pack. `opened` is openRecord's answer when a crypto worker already opened the record.
  async #refresh(state, entries = null, opened = null, pack = null) {
    const o = opened ?? await openRecord(state, this.#ctx(), pack ? null : this.id.localKey);
    if (o.skip) return; // not addressed to this device (yet): the sync engine reports such records
    if (!o.chain) {
      this.#drop(state.id);
      await this.#report(state.id, o.wrong);
      return;
    }
    this.keys.set(state.id, o.chain);
    await this.#report(state.id, o.wrong);
    if (this.closed) return;
    this.summaries.set(state.id, o.summary);
    this.versions?.set(state.id, o.entry.version);
    if (pack) {
      pack.push([state.id, o.entry.version, o.chain.map(b64encode), o.summary]);
      return; // packed: not loose
    }
    if (entries) entries.push(o.entry);
    else await this.store.putCache(o.entry);
    this.loose?.add(state.id);
  }

  // What the pure opening (sync/open-records.js) needs of this device.
  #ctx() {
    return { workspace: this.id.workspace, device: this.id.device, trusted: this.id.trusted ?? {},
      removed: this.id.removed ?? [], ecdhKey: this.id.ecdhKey, opened: this.opened, names: this.names,
      fieldIdKey: (id, k0) => this.fieldIdKey(id, k0) };
  }

  /** May `sender` start a record's new key epoch, for this device? Itself, or a trusted coordinator not revoked. */
  startsEpochs(sender) {
    return startsEpochs(this.#ctx(), sender);
  }

  /** The wire field of `name` in a record this device can read: its id, or the name in a legacy record. */
  async fieldOf(id, name) {
    const state = await this.store.getRecord(id);
    const chain = state && await this.#chain(state).catch(() => null); // no key here: no field either
    if (!chain) return null;
    return isLegacy(Object.keys(state.fields)) ? name : fid(await this.fieldIdKey(id, chain[0]), name);
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
    const judged = await judge(state, this.#ctx()).catch(() => null); // no key for it here: not readable, as listed
    if (!judged?.key) return null;
    this.keys.set(id, judged.chain);
    const view = await decryptState(state, judged, this.#ctx());
    const contexts = Object.fromEntries(Object.entries(view.wire).map(([name, f]) => [name, known(state.fields[f])]));
    delete view.wire;
    return { id, ...view, contexts };
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

  /** Share records with another device ({id, ecdh_key}): their key lists, wrapped for it, join the outbox. */
  async grant(ids, recipient) {
    const { workspace, device } = this.id;
    const wraps = [];
    for (const id of [].concat(ids)) {
      const state = await this.store.getRecord(id);
      const chain = state && await this.#chain(state).catch(() => null);
      if (!chain) continue; // not readable here: nothing to share
      wraps.push(await wrapKeys({ recordKeys: chain, workspace, record: id, sender: device, senderKey: this.id.signKey,
        recipient: recipient.id, recipientEcdh: recipient.ecdh_key }));
    }
    await this.store.queueWraps(wraps);
    return wraps.length;
  }

  /**
   * Start a new key epoch for a record (after a revocation, sync/rotate.js): a fresh random key
   * after the list this device believes, wrapped with every earlier key to `recipients` ([{id,
   * ecdh_key}], this device among them; never a revoked one: the caller chose them). The wraps
   * join the outbox, this device's own joins the record, in one transaction with `done` (the
   * rotation's progress). Resolves to the number of wraps, 0 if this device cannot read it.
   */
  async rotate(id, recipients, done = null) {
    const { workspace, device } = this.id;
    const state = await this.store.getRecord(id);
    const chain = state && await this.#chain(state).catch(() => null); // unreadable here: nothing to rotate
    if (!chain || chain.length > MAX_EPOCH) {
      await this.store.commitRotation({ record: id, own: null, wraps: [], done });
      return 0;
    }
    const next = [...chain, newRecordKey()];
    const wraps = await Promise.all(recipients.map((r) => wrapKeys({ recordKeys: next, workspace, record: id,
      sender: device, senderKey: this.id.signKey, recipient: r.id, recipientEcdh: r.ecdh_key })));
    const own = wraps.find((w) => w.recipient === device) ?? null;
    if (own) this.opened.set(own.sig, next);
    await this.store.commitRotation({ record: id, own, wraps, done });
    const after = await this.store.getRecord(id);
    if (after) await this.#refresh(after).catch(() => this.#drop(id)); // unreadable here: as in open()
    return wraps.length;
  }

  async #save(id, values, before, drafts, force, seen) {
    const { workspace, device } = this.id;
    const isNew = id === null;
    let state;
    let chain;
    let wraps = [];
    let own = null;
    let writesFor;
    if (isNew) {
      id = crypto.randomUUID();
      chain = [newRecordKey()];
      state = { id, wrap: null, fields: {} };
      // Every field of the form, an empty one as null, then `_deleted` and padding: each record's
      // first change writes as many fields as any other's, whatever its kind.
      writesFor = paddedFirst(values, DELETED);
      const recipients = [{ id: device, ecdh_key: this.id.ownEcdh },
        ...this.id.recipients.filter((r) => r.id !== device)];
      wraps = await Promise.all(recipients.map((r) => wrapKeys({ recordKeys: chain, workspace, record: id,
        sender: device, senderKey: this.id.signKey, recipient: r.id, recipientEcdh: r.ecdh_key })));
      own = wraps[0];
    } else {
      state = await this.store.getRecord(id);
      chain = state && await this.#chain(state);
      if (!chain) throw new Error('this device cannot write a record it cannot read');
      writesFor = changed(before, values);
      for (const field of force) writesFor[field] = values[field];
    }
    const fields = Object.keys(writesFor).sort();
    if (!fields.length) return id;
    if (!fields.every(isName)) {
      throw new TypeError('a field name is 1 to 40 of a-z, 0-9 and _, not starting with a digit');
    }
    const t = this.now();
    // Writers write with the newest key they believe (docs/protocol.md, "Key epochs").
    const key = chain.at(-1);
    const e = chain.length - 1;
    const kc = await keyCommitment(key);
    // A legacy record (made before protocol 3) keeps its names and their form; others travel as ids.
    const legacy = isLegacy(Object.keys(state.fields));
    // Field ids derive from k0, the first key of the list: they never change across epochs.
    const fidKey = legacy ? null : await this.fieldIdKey(id, chain[0]);
    const wireOf = {};
    const writes = await Promise.all(fields.map(async (name) => {
      const field = wireOf[name] = legacy ? name : await fid(fidKey, name);
      const live = state.fields[field] ?? [];
      const { dot, ctx } = seen && !isNew ? writeFrom(live, device, seen[name] ?? {}) : nextWrite(live, device);
      const { nonce, ct } = legacy ? await encryptField(key, workspace, id, field, dot, writesFor[name], t)
        : await encryptValue(key, workspace, id, field, name, dot, writesFor[name], t, e);
      return { field, dot, ctx, nonce, ct };
    }));
    // In the order of the wire fields: for ids a random order, which says nothing of the names.
    writes.sort((a, b) => (a.field < b.field ? -1 : a.field > b.field ? 1 : 0));
    const change = await signChange(this.id.signKey, { workspace, record: id, device, kc, e, writes });
    // The state after this change, to seal the cache entry for it before the transaction.
    const after = applyChange(isNew ? { ...state, wrap: own } : state, change);
    const merged = { ...before, ...writesFor };
    const previous = this.summaries.get(id);
    // A write covering every sibling resolves its field; one made over an older view may not.
    const conflicts = [...new Set([...(previous?.conflicts ?? []).filter((f) => !fields.includes(f)),
      ...fields.filter((f) => after.fields[wireOf[f]].length > 1)])];
    const summary = summarize(id, merged, { t, conflicts, author: isNew ? device : previous?.author ?? null,
      created: isNew ? t : previous?.created ?? null });
    const box = await sealLocal(this.id.localKey, 'cache/' + id, { c: chain.map(b64encode), s: summary });
    await this.store.commitChange({ change, wrap: own, wraps, drafts,
      cache: { id, version: versionOf(after), ...box } });
    this.keys.set(id, chain);
    this.summaries.set(id, summary);
    this.versions?.set(id, versionOf(after));
    this.loose?.add(id);
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
    for (const chain of this.keys.values()) for (const k of chain) k.fill(0);
    for (const list of this.opened.values()) for (const k of list) k.fill(0); // zeroes the keys a pull handed over too
    this.keys.clear();
    this.opened.clear();
    this.summaries.clear();
    this.versions.clear();
    this.loose?.clear();
  }
}
