/** The store's adapter over IndexedDB (through the vendored idb wrapper). */

import { deleteDB, openDB } from '../../vendor/idb/idb.js';
import { DB_NAME, DB_VERSION, upgrade } from './schema.js';

/** An adapter on the database `name`; the connection is opened once, on first use. */
export function idbAdapter(name = DB_NAME) {
  let opening = null;
  const open = () => {
    opening ??= openDB(name, DB_VERSION, {
      upgrade: (db, oldVersion) => upgrade(db, oldVersion),
      // Another tab is deleting or upgrading the database (a wipe): let go of it at once.
      blocking: (_current, _next, event) => event.target.close(),
      terminated: () => { opening = null; },
    });
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

    /** Close the connection (before deleting the database). */
    async close() {
      if (opening) (await opening.catch(() => null))?.close();
      opening = null;
    },

    /** Delete the whole database. */
    async destroy() {
      await this.close();
      await deleteDB(name);
    },
  };
}
