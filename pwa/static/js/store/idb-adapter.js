/** The store's adapter over IndexedDB (through the vendored idb wrapper). */

import { unwrap, wrap } from '../../vendor/idb/idb.js';
import { DB_NAME, DB_VERSION, upgrade } from './schema.js';

/**
 * Open `name` at `version` in `factory` (an IDBFactory: the page's own, or a storage bucket's),
 * as the vendored idb's openDB does for the page's default one.
 */
function openIn(factory, name, version, { blocking, terminated }) {
  const request = factory.open(name, version);
  request.addEventListener('upgradeneeded', (event) => upgrade(wrap(request.result), event.oldVersion,
    request.transaction));
  const opened = wrap(request);
  opened.then((db) => {
    db.addEventListener('close', () => terminated());
    db.addEventListener('versionchange', (event) => blocking(event));
  }).catch(() => {});
  return opened;
}

/**
 * An adapter on the database `name`; the connection is opened once, on first use. `factory`
 * resolves to the IDBFactory to open it in (a storage bucket's `indexedDB`; by default the
 * page's own).
 */
export function idbAdapter(name = DB_NAME, { factory = async () => globalThis.indexedDB } = {}) {
  let opening = null;
  const open = () => {
    opening ??= factory().then((f) => openIn(f, name, DB_VERSION, {
      // Another tab is deleting or upgrading the database (a wipe): let go of it at once.
      blocking: (event) => event.target.close(),
      terminated: () => { opening = null; },
    }));
    opening.catch(() => { opening = null; });
    return opening;
  };

  return {
    /**
     * Run `fn(tx)` in one transaction. `fn` may await only the tx's own operations: awaiting
     * anything else (fetch, WebCrypto) would let IndexedDB commit the transaction half way.
     */
    async transaction(stores, mode, fn) {
      const db = await open();
      const tx = db.transaction(stores, mode);
      const ops = {
        get: (s, key) => tx.objectStore(s).get(key),
        getAll: (s, count) => tx.objectStore(s).getAll(null, count),
        getAllKeys: (s) => tx.objectStore(s).getAllKeys(),
        count: (s) => tx.objectStore(s).count(),
        put: (s, value, key) => tx.objectStore(s).put(value, key),
        add: (s, value, key) => tx.objectStore(s).add(value, key),
        delete: (s, key) => tx.objectStore(s).delete(key),
        clear: (s) => tx.objectStore(s).clear(),
        indexCount: (s, index) => tx.objectStore(s).index(index).count(),
        // How many distinct keys the index holds: one request where the browser takes a direction
        // for getAllKeys (Chromium 141+, which has getAllRecords with it), else a unique key cursor.
        indexUnique: async (s, index) => {
          const raw = unwrap(tx.objectStore(s).index(index));
          if (typeof raw.getAllRecords === 'function') {
            return (await tx.objectStore(s).index(index).getAllKeys({ direction: 'nextunique' })).length;
          }
          return (await ops.indexKeys(s, index, true)).length;
        },
        // [[index key, primary key]] of every row in the index (`unique`: the first row of each
        // index key), without reading the rows. A raw key cursor: the wrapper's promise a step
        // costs several times more over thousands of rows.
        indexKeys: (s, index, unique = false) => new Promise((resolve, reject) => {
          const out = [];
          const request = unwrap(tx.objectStore(s).index(index)).openKeyCursor(null, unique ? 'nextunique' : 'next');
          request.onsuccess = () => {
            const cursor = request.result;
            if (cursor) {
              out.push([cursor.key, cursor.primaryKey]);
              cursor.continue();
            } else {
              resolve(out);
            }
          };
          request.onerror = () => reject(request.error);
        }),
      };
      let result;
      try {
        result = await fn(ops);
      } catch (err) {
        try { tx.abort(); } catch { /* already finished */ }
        await tx.done.catch(() => {});
        throw err;
      }
      await tx.done;
      return result;
    },

    /** Close the connection (before deleting the database or its bucket). */
    async close() {
      const was = opening;
      opening = null;
      if (was) (await was.catch(() => null))?.close();
    },

    /** Delete the whole database. */
    async destroy() {
      await this.close();
      await wrap((await factory()).deleteDatabase(name));
    },
  };
}
