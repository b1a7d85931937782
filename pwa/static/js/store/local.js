/**
 * The device's local store: the replica of sync/replica.py in IndexedDB, over an adapter.
 *
 * It stores what it is given. It never calls WebCrypto: values arrive encrypted and signed, and
 * secrets arrive sealed (crypto/ does that, outside any transaction). The one rule it enforces
 * is that a dot is never issued twice (design §4): a change enters the live sets and the
 * outbox in one transaction, and only if no other save took the same dot meanwhile.
 */

import { known, merge } from '../core/merge.js';
import { defaultKc, storedWrite } from '../core/record-state.js';
import { versionOf } from '../core/version.js';

/** Another save (another tab) wrote the same field first: encrypt again from the new state. */
export class StaleStateError extends Error {
  constructor(message = 'the record changed while it was being saved') {
    super(message);
    this.name = 'StaleStateError';
  }
}

const DATA = ['records', 'outbox', 'directory', 'cache', 'drafts', 'quarantine', 'problems', 'refused', 'worker',
  'chunks', 'packs'];

/**
 * A record state as it is stored: with `v`, the version tag of its live sets (store/schema.js).
 * Every write of a record state goes through here, so the tag read from the index is always the
 * one of the state stored beside it.
 */
export function stamped(state) {
  return { ...state, v: versionOf(state) };
}

/**
 * `state` ready to store a change's writes (key commitment `kc`, key epoch `e`), and the default
 * commitment to store them against (core/record-state.js): the state gains `kd` if it has none
 * and the change can give it.
 */
export function withDefaultKc(state, kc, e) {
  const kd = defaultKc(state, kc, e);
  return { state: kd === undefined || state.kd === kd ? state : { ...state, kd }, kd };
}

/** A record state with `device` noted as having signed a change committing to key `kc`. */
export function noteKc(state, kc, device) {
  if (kc === undefined) return state;
  const kcs = { ...(state.kcs ?? {}) };
  const signers = Object.prototype.hasOwnProperty.call(kcs, kc) ? kcs[kc] : [];
  if (signers.includes(device)) return state;
  kcs[kc] = [...signers, device].sort();
  return { ...state, kcs };
}

/** Merge a change's writes into a record state; throw StaleStateError if a dot was taken. */
export function applyChange(before, change) {
  const { state, kd } = withDefaultKc(before, change.kc, change.e);
  const fields = { ...state.fields };
  // The highest dot this device issued per field: a pulled write naming more is held back.
  const issued = { ...state.issued };
  for (const w of change.writes) {
    const live = fields[w.field] ?? [];
    const mine = known(live)[change.device] ?? 0;
    if (mine !== w.dot[1] - 1) throw new StaleStateError();
    fields[w.field] = merge(live, storedWrite(w, change.kc, change.e, kd)).live;
    if (!Object.prototype.hasOwnProperty.call(issued, w.field)
      || w.dot[1] > issued[w.field]) issued[w.field] = w.dot[1];
  }
  return noteKc({ ...state, fields, issued }, change.kc, change.device);
}

export class LocalStore {
  constructor(adapter) {
    this.adapter = adapter;
  }

  #read(stores, fn) {
    return this.adapter.transaction(stores, 'readonly', fn);
  }

  #write(stores, fn) {
    return this.adapter.transaction(stores, 'readwrite', fn);
  }

  /** A value of the meta store ('device', 'settings', 'guard', 'cursor'). */
  getMeta(key) {
    return this.#read(['meta'], (tx) => tx.get('meta', key));
  }

  /** Set a value of the meta store. */
  putMeta(key, value) {
    return this.#write(['meta'], (tx) => tx.put('meta', value, key));
  }

  /** The sealed device keys, or undefined. */
  getVault() {
    return this.#read(['vault'], (tx) => tx.get('vault', 'keys'));
  }

  /** Replace the sealed device keys. */
  putVault(vault) {
    return this.#write(['vault'], (tx) => tx.put('vault', vault, 'keys'));
  }

  /**
   * Make this device's store at join: identity, sealed keys, directory, and the sealed push-only
   * token (`worker`, absent for a server that gives none), all at once.
   */
  create({ device, vault, directory = [], settings, worker = null }) {
    // The vault lives apart from the rest (its own storage bucket where the browser has them), so
    // these are two transactions: the data first, the vault last. Until the vault is in, the
    // device counts as not joined (Session.init), so an interruption leaves nothing half made.
    return this.#write(['meta', ...DATA], async (tx) => {
      for (const s of DATA) await tx.clear(s);
      await tx.put('meta', device, 'device');
      await tx.put('meta', 0, 'cursor');
      await tx.delete('meta', 'sync');
      await tx.delete('meta', 'away');
      if (worker) await tx.put('worker', worker, 'push');
      await tx.put('meta', { failures: 0, retryAt: 0 }, 'guard');
      if (settings) await tx.put('meta', settings, 'settings');
      for (const entry of directory) await tx.put('directory', entry);
    }).then(() => this.putVault(vault));
  }

  /** Every record state ({id, wrap, fields}). */
  allRecords() {
    return this.#read(['records'], (tx) => tx.getAll('records'));
  }

  /** The ids of every record (cheap: no values are read). */
  recordIds() {
    return this.#read(['records'], (tx) => tx.getAllKeys('records'));
  }

  /** Record states of `ids` in one transaction (those not stored are left out). */
  getRecords(ids) {
    return this.#getMany('records', ids);
  }

  // The values of `ids` in `store` that exist, read in one transaction with every request at once.
  #getMany(store, ids) {
    if (!ids.length) return Promise.resolve([]);
    return this.#read([store], async (tx) => (await Promise.all(ids.map((id) => tx.get(store, id))))
      .filter(Boolean));
  }

  /** How many records this device stores. */
  recordCount() {
    return this.#read(['records'], (tx) => tx.count('records'));
  }

  /** One record state, or undefined. */
  getRecord(id) {
    return this.#read(['records'], (tx) => tx.get('records', id));
  }

  /**
   * Every record's id and version tag, without reading the records: {ids, tags (Map id → tag)}.
   * A record stored before tags (store/schema.js version 4) is in `ids` but not in `tags`.
   */
  recordVersions() {
    return this.#read(['records'], async (tx) => {
      const [ids, pairs] = await Promise.all([tx.getAllKeys('records'), tx.indexKeys('records', 'v')]);
      return { ids, tags: new Map(pairs.map(([v, id]) => [id, v])) };
    });
  }

  /**
   * Give the records of `ids` their version tags where they lack them or hold another (stored
   * before tags); read and written in one transaction. Resolves to a Map id → tag.
   */
  stampVersions(ids) {
    if (!ids.length) return Promise.resolve(new Map());
    return this.#write(['records'], async (tx) => {
      const states = await Promise.all(ids.map((id) => tx.get('records', id)));
      const tags = new Map();
      const writes = [];
      for (const state of states.filter(Boolean)) {
        const tagged = stamped(state);
        if (state.v !== tagged.v) writes.push(tx.put('records', tagged));
        tags.set(state.id, tagged.v);
      }
      await Promise.all(writes);
      return tags;
    });
  }

  /** The sealed cache entries of `ids` that exist, in one transaction. */
  getCaches(ids) {
    return this.#getMany('cache', ids);
  }

  /**
   * Every sealed pack of cache entries, as [key, box ({nonce, ct})] pairs: a pack is sealed under
   * the label of its key (records.js), so the key travels with it.
   */
  allPacks() {
    return this.#read(['packs'], async (tx) => {
      const [keys, boxes] = await Promise.all([tx.getAllKeys('packs'), tx.getAll('packs')]);
      return keys.map((key, i) => [key, boxes[i]]);
    });
  }

  /** Replace every pack with `boxes` (sealed, made from entries known fresh), in one transaction: keys 0, 1, … */
  putPacks(boxes) {
    return this.#write(['packs'], async (tx) => {
      await tx.clear('packs');
      for (let i = 0; i < boxes.length; i++) await tx.put('packs', boxes[i], i);
    });
  }

  /** Add one pack beside the others (a pulled page's entries, records.js absorb), under `key` (a string). */
  addPack(key, box) {
    return this.#write(['packs'], (tx) => tx.put('packs', box, key));
  }

  /** Every sealed cache entry ({id, version, nonce, ct}). */
  allCache() {
    return this.#read(['cache'], (tx) => tx.getAll('cache'));
  }

  /** Store a sealed cache entry (made again whenever a record's live values change). */
  putCache(entry) {
    return this.#write(['cache'], (tx) => tx.put('cache', entry));
  }

  /** Store many sealed cache entries in one transaction (a pulled page's records). */
  putCaches(entries) {
    if (!entries.length) return Promise.resolve();
    return this.#write(['cache'], async (tx) => {
      await Promise.all(entries.map((e) => tx.put('cache', e)));
    });
  }

  /** The device directory as last fetched. */
  directory() {
    return this.#read(['directory'], (tx) => tx.getAll('directory'));
  }

  /** Replace the device directory. */
  putDirectory(entries) {
    return this.#write(['directory'], async (tx) => {
      await tx.clear('directory');
      for (const entry of entries) await tx.put('directory', entry);
    });
  }

  /** Outbox items in the order they were made ({seq, record, wrap} or {seq, record, change}). */
  outbox() {
    return this.#read(['outbox'], (tx) => tx.getAll('outbox'));
  }

  /** How many items wait in the outbox. */
  outboxCount() {
    return this.#read(['outbox'], (tx) => tx.count('outbox'));
  }

  /** Queue key wraps (records shared with another device) for the next push, in one transaction. */
  queueWraps(wraps) {
    return this.#write(['outbox'], async (tx) => {
      for (const wrap of wraps) await tx.add('outbox', { record: wrap.record, wrap });
    });
  }

  /** The sealed push-only token, or undefined (a device enrolled before the server gave one). */
  getWorker() {
    return this.#read(['worker'], (tx) => tx.get('worker', 'push'));
  }

  /** The sealed drafts box, or undefined. */
  getDrafts() {
    return this.#read(['drafts'], (tx) => tx.get('drafts', 'all'));
  }

  /** Replace the sealed drafts box. */
  putDrafts(box) {
    return this.#write(['drafts'], (tx) => tx.put('drafts', box, 'all'));
  }

  /**
   * Save one signed change: its writes join the record's live sets, the change (and the key
   * wraps of a new record) join the outbox, the sealed cache entry is replaced and the drafts
   * box updated, in one transaction. A new record passes `wrap`, its own key wrap.
   */
  commitChange({ change, wraps = [], wrap = null, cache = null, drafts = null }) {
    const record = change.record;
    return this.#write(['records', 'outbox', 'cache', 'drafts'], async (tx) => {
      let state = await tx.get('records', record);
      if (!state) {
        if (!wrap) throw new StaleStateError('this record is not on this device');
        state = { id: record, wrap, fields: {} };
      }
      state = stamped(applyChange(state, change));
      await tx.put('records', state);
      for (const w of wraps) await tx.add('outbox', { record, wrap: w });
      await tx.add('outbox', { record, change });
      if (cache) await tx.put('cache', cache);
      if (drafts) await tx.put('drafts', drafts, 'all');
      return state;
    });
  }

  /**
   * A record's new key epoch (records.js rotate): this device's own new wrap joins the record (its
   * cache entry goes, to be made again), every wrap joins the outbox, and the rotation's progress
   * (`done`: the meta 'rotation' to keep, or null) is stored, in one transaction: a rotation cut
   * off anywhere resumes with the records it had not finished.
   */
  commitRotation({ record, own = null, wraps = [], done = null }) {
    return this.#write(['records', 'outbox', 'cache', 'meta'], async (tx) => {
      const state = await tx.get('records', record);
      if (state && own) {
        await tx.put('records', stamped({ ...state, wraps: [...(state.wraps ?? []), own] }));
        await tx.delete('cache', record);
      }
      if (state) for (const w of wraps) await tx.add('outbox', { record, wrap: w });
      if (done) await tx.put('meta', done, 'rotation');
    });
  }

  /**
   * Keep problems found while reading (a wrap refused as wrong_key), beside the pull's: the sync
   * screen lists them. Each has a stable id, so one found again is kept once.
   */
  reportProblems(problems) {
    if (!problems.length) return Promise.resolve();
    return this.#write(['problems'], async (tx) => {
      for (const p of problems) await tx.put('problems', p);
    });
  }

  /**
   * Destroy the sealed keys alone: without them the rest is unreadable. Where the adapter can
   * (store/buckets.js), the vault's storage bucket is deleted, or its value overwritten first.
   */
  destroyVault() {
    if (this.adapter.erase) return this.adapter.erase('vault');
    return this.#write(['vault'], (tx) => tx.clear('vault'));
  }

  /**
   * Erase everything but the vault: records, outbox, caches, drafts, directory and the meta store
   * (identity, settings, guard, sync state). Where the adapter can, its storage bucket goes.
   */
  destroyData() {
    if (this.adapter.erase) return this.adapter.erase('data');
    return this.#write([...DATA, 'meta'], async (tx) => {
      for (const s of [...DATA, 'meta']) await tx.clear(s);
    });
  }

  /** Remember that these coordinators got a new record's key with it: the re-wrap owes them nothing. */
  noteWrapped(record, recipients) {
    if (!recipients.length) return Promise.resolve();
    return this.#write(['meta'], async (tx) => {
      const progress = (await tx.get('meta', 'rewrap')) ?? {};
      for (const id of recipients) (progress[id] ??= []).push(record);
      await tx.put('meta', progress, 'rewrap');
    });
  }

  /**
   * A removed device keeps what it has not sent, sealed: the outbox and the records it touches
   * (their wraps hold the keys, which only the passphrase opens). Everything else goes: the other
   * records, the cache, drafts, the directory, sync leftovers and the push-only token. Resolves to
   * the number of items kept.
   */
  keepUnsent() {
    return this.#write([...DATA, 'meta'], async (tx) => {
      const outbox = await tx.getAll('outbox');
      const touched = new Set(outbox.map((i) => i.record ?? (i.change ?? i.wrap)?.record));
      for (const id of await tx.getAllKeys('records')) if (!touched.has(id)) await tx.delete('records', id);
      for (const id of await tx.getAllKeys('chunks')) if (!touched.has(id.split('/')[0])) await tx.delete('chunks', id);
      const derived = ['directory', 'cache', 'packs', 'drafts', 'quarantine', 'problems', 'refused', 'worker'];
      for (const s of derived) await tx.clear(s);
      for (const key of ['cursor', 'away']) await tx.delete('meta', key);
      return outbox.length;
    });
  }

  /**
   * How erasing works here: 'buckets' (deleted with their files), 'overwrite' (values overwritten,
   * then deleted: old bytes may remain on disk for a while), or 'rows' (a plain adapter).
   */
  get erasure() {
    return this.adapter.kind ?? 'rows';
  }

  /** Delete the database itself. */
  destroy() {
    return this.adapter.destroy();
  }

  /** Let go of the database connection. */
  close() {
    return this.adapter.close();
  }
}
