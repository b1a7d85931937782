/**
 * The local database: what one device holds, mirroring sync/replica.py.
 *
 * meta       'device' → {workspace, device, role, fingerprint}; 'settings'; 'guard' (failed
 *            unlocks); 'cursor' (the sync engine's); 'sync' (last success, last error, revoked);
 *            'away' (ids of records travel mode erased here). Plaintext: nothing secret lives here.
 * vault      'keys' → the device's private keys, bearer token and local key, sealed by the
 *            passphrase (see crypto/vault.js). Deleted first when data must be destroyed.
 * records    {id, wrap, wraps, kcs, kd, fields: {field: [live writes]}}: the same ciphertext the
 *            server holds; `wrap` is the first key wrap that came, `wraps` the others kept (before
 *            2026-12-04 it repeated `wrap`; core/record-state.js wrapsOf reads both forms). A
 *            live write is {dot, ctx, nonce, ct} plus its `kc` and `e` where they are not the
 *            state's defaults (`kd`, epoch 0; core/record-state.js kcOf, epochOf); before
 *            this change (2026-12-04) each write also carried its field, its kc and `e: 0`.
 * outbox     {seq, record, wrap | change}: signed items waiting to be pushed, in order.
 * directory  the workspace's device entries (public keys, roles, certificates).
 * cache      {id, version, nonce, ct}: a record's key and list summary, sealed by the local key.
 *            Derived data: whoever changes a record's live sets (a save, a pull) deletes or
 *            replaces its entry in the same transaction; `version` lets a check catch the rest.
 * drafts     'all' → {nonce, ct}: unsaved form state, sealed by the local key.
 *
 * Version 2 (the sync engine):
 * quarantine {id, kind, item}: pulled items signed by a device not (yet) trusted; retried when
 *            the directory changes, never shown as genuine.
 * problems   {id, kind, record, device, code, at}: pulled items that failed verification.
 * refused    {seq (the outbox item's), kind, record, fields, code, message, at}: what the server
 *            refused, kept to show the person why.
 * worker     'push' → {key (a non-extractable AES-GCM CryptoKey), nonce, ct}: the push-only token,
 *            sealed, for the service worker to push the outbox while the app is locked or closed.
 *
 * Version 3 (attachments, store/chunks.js):
 * chunks     {id: 'record/attachment/index', record, attachment, index, count, size, blob}: encrypted
 *            chunks of attachments made here, waiting to be uploaded (blob is nonce ‖ ciphertext
 *            under the attachment's key, which lives only inside the record's encrypted value);
 *            {id: 'record/attachment/del', record, attachment, del: true}: a removal to send; a
 *            row may carry `refused: {code, message}` when the server refused it.
 *
 * Version 4 (opening thousands of records fast, issue 12):
 * records    gain `v`, the version tag of their live sets (core/version.js versionOf), set by
 *            every write of a record state (store/local.js `stamped`), and an index on it: the
 *            tags of every record are read without reading the records. A state without `v`
 *            (stored before version 4) is not in the index and is checked the slow way.
 * outbox     gains an index on `record`: how many records wait to be sent is counted without
 *            reading the items (a device that saved thousands offline holds thousands).
 * packs      key → {nonce, ct}: the cache entries of many records ([id, version, key list,
 *            summary] each) sealed together by the local key under the label `pack/<key>`, so
 *            opening the list takes a few decryptions, not one a record. Keys 0, 1, … are the
 *            packs sealed together (records.js pack); `page/<random>` a pulled page's own
 *            (records.js absorb, since 2026-12-04), added beside them. Derived data as the cache:
 *            an entry counts only while its version is the record's `v`; whatever erases records
 *            clears them all.
 */

export const DB_NAME = 'zapis';
export const DB_VERSION = 4;

export const STORES = {
  meta: {},
  vault: {},
  records: { keyPath: 'id', indexes: { v: 'v' } },
  outbox: { keyPath: 'seq', autoIncrement: true, indexes: { record: 'record' } },
  directory: { keyPath: 'id' },
  cache: { keyPath: 'id' },
  drafts: {},
  quarantine: { keyPath: 'id' },
  problems: { keyPath: 'id' },
  refused: { keyPath: 'seq' },
  worker: {},
  chunks: { keyPath: 'id' },
  packs: {},
};

const ADDED = { 1: ['meta', 'vault', 'records', 'outbox', 'directory', 'cache', 'drafts'],
  2: ['quarantine', 'problems', 'refused', 'worker'], 3: ['chunks'], 4: ['packs'] };
// Indexes added to a store that an earlier version made: {version: [[store, index]]}.
const INDEXED = { 4: [['records', 'v'], ['outbox', 'record']] };

/**
 * Create what each version adds; `oldVersion` says where this database starts from; `tx` is the
 * upgrade's transaction (raw IndexedDB), for the indexes of stores made by an earlier version.
 */
export function upgrade(db, oldVersion, tx = null) {
  for (const [version, names] of Object.entries(ADDED)) {
    if (oldVersion >= Number(version)) continue;
    for (const name of names) {
      const { indexes = {}, ...options } = STORES[name];
      const store = db.createObjectStore(name, options);
      for (const [index, keyPath] of Object.entries(indexes)) store.createIndex(index, keyPath);
    }
  }
  for (const [version, pairs] of Object.entries(INDEXED)) {
    if (oldVersion === 0 || oldVersion >= Number(version)) continue; // made with the store above
    for (const [name, index] of pairs) tx.objectStore(name).createIndex(index, STORES[name].indexes[index]);
  }
}
