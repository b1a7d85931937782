/**
 * The local database: what one device holds, mirroring sync/replica.py.
 *
 * meta       'device' → {workspace, device, role, fingerprint}; 'settings'; 'guard' (failed
 *            unlocks); 'cursor' (the sync engine's); 'sync' (last success, last error, revoked);
 *            'away' (ids of records travel mode erased here). Plaintext: nothing secret lives here.
 * vault      'keys' → the device's private keys, bearer token and local key, sealed by the
 *            passphrase (see crypto/vault.js). Deleted first when data must be destroyed.
 * records    {id, wrap, fields: {field: [live writes]}}: the same ciphertext the server holds.
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
 */

export const DB_NAME = 'zapis';
export const DB_VERSION = 3;

export const STORES = {
  meta: {},
  vault: {},
  records: { keyPath: 'id' },
  outbox: { keyPath: 'seq', autoIncrement: true },
  directory: { keyPath: 'id' },
  cache: { keyPath: 'id' },
  drafts: {},
  quarantine: { keyPath: 'id' },
  problems: { keyPath: 'id' },
  refused: { keyPath: 'seq' },
  worker: {},
  chunks: { keyPath: 'id' },
};

const ADDED = { 1: ['meta', 'vault', 'records', 'outbox', 'directory', 'cache', 'drafts'],
  2: ['quarantine', 'problems', 'refused', 'worker'], 3: ['chunks'] };

/** Create what each version adds; `oldVersion` says where this database starts from. */
export function upgrade(db, oldVersion) {
  for (const [version, names] of Object.entries(ADDED)) {
    if (oldVersion < Number(version)) for (const name of names) db.createObjectStore(name, STORES[name]);
  }
}
