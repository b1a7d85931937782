/**
 * Where the local store lives on disk, and how it is erased so that it is gone from the disk.
 *
 * IndexedDB in Chromium is a LevelDB: deleting a row or a whole database only writes a deletion
 * marker, and the old bytes stay in `.ldb` files until a compaction that may never come. A named
 * Storage Bucket (`navigator.storageBuckets`, Chromium 122+, Android included) has its own
 * directory, and deleting the bucket removes it, files and all. So where buckets exist:
 *
 *   'zapis-vault'  the sealed device keys alone (the smallest and most important thing);
 *   'zapis-data'   everything else: identity, settings, records, outbox, drafts, caches.
 *
 * and erasing deletes buckets, the vault's first. The names are the same on every install (a
 * device that never joined has them too, or neither), so they say nothing about who used them.
 *
 * Where buckets are missing (Firefox, Safari), everything stays in the default database
 * 'zapis', and erasing does what that allows: overwrite every value with random bytes, commit,
 * then delete the rows and the database. Settings says plainly that the old bytes may stay on
 * such a browser's disk for a while.
 *
 * Both kinds are adapters (the contract of idb-adapter.js), with more methods:
 *   erase(place)  destroy 'vault' or 'data' (every store but the vault, meta included);
 *   destroy()     both, vault first, and the database or buckets themselves;
 *   rotate()      (buckets only) remake the data bucket, so rows deleted from it leave the disk.
 * and `kind`: 'buckets' or 'overwrite'.
 */

import { idbAdapter } from './idb-adapter.js';
import { DB_NAME, STORES } from './schema.js';

export const BUCKETS = Object.freeze({ vault: 'zapis-vault', data: 'zapis-data' });
export const PLACES = Object.freeze({
  vault: ['vault'],
  data: Object.keys(STORES).filter((s) => s !== 'vault'),
});
/** The meta key that records when this install's data moved into buckets from the default database. */
export const MOVED = 'moved';
/** A bucket that exists only while the data bucket is being remade (see `rotate`). */
export const SPARE = 'zapis-spare';
const BUCKET_OPTIONS = { durability: 'strict', persisted: true };

function placeOf(stores) {
  const places = new Set(stores.map((s) => (s === 'vault' ? 'vault' : 'data')));
  if (places.size !== 1) throw new Error('a transaction is in one place: the vault, or the data');
  return [...places][0];
}

function exclusive(name, fn) {
  const locks = globalThis.navigator?.locks;
  return locks ? locks.request(name, fn) : fn();
}

/** Every row of `stores` as [store, [[key, value]...]], read in one transaction of `adapter`. */
async function readAll(adapter, stores) {
  return adapter.transaction(stores, 'readonly', async (tx) => {
    const out = [];
    for (const s of stores) {
      const keys = await tx.getAllKeys(s);
      const values = await tx.getAll(s);
      out.push([s, keys.map((k, i) => [k, values[i]])]);
    }
    return out;
  });
}

/** Put `rows` (from readAll) into `adapter`'s stores, which are cleared first, in one transaction. */
function writeAll(adapter, rows, extra = null) {
  return adapter.transaction(rows.map(([s]) => s), 'readwrite', async (tx) => {
    for (const [s, entries] of rows) {
      await tx.clear(s);
      for (const [k, v] of entries) await (STORES[s].keyPath ? tx.put(s, v) : tx.put(s, v, k));
    }
    if (extra) await extra(tx);
  });
}

/**
 * The store in two named buckets. `buckets` is `navigator.storageBuckets` (or a fake with open,
 * delete, keys); `connect(bucketName)` makes an adapter on the database inside that bucket;
 * `legacy` ({adapter, exists(), remove()}), if given, is the default-bucket database of an
 * install from before buckets: its data moves into the buckets once, before anything else is read.
 */
export function bucketAdapter({ buckets, connect, legacy = null }) {
  const conns = {};
  let ready = null;
  let rotating = null;
  const conn = (place) => (conns[place] ??= connect(BUCKETS[place]));

  async function move() {
    if (!legacy || !(await legacy.exists())) return;
    await exclusive('zapis-move', async () => {
      if (!(await legacy.exists())) return; // another tab moved it meanwhile
      const rows = await readAll(legacy.adapter, Object.keys(STORES));
      const vault = rows.filter(([s]) => s === 'vault');
      const data = rows.filter(([s]) => s !== 'vault');
      // The data first, the vault last: the device counts as joined only once its vault is in.
      // Interrupted, the old database is still there and the move starts again from the top.
      await writeAll(conn('data'), data, (tx) => tx.put('meta', Date.now(), MOVED));
      await writeAll(conn('vault'), vault);
      await legacy.remove();
    });
  }

  async function erase(place) {
    const was = conns[place];
    delete conns[place];
    await was?.close();
    await buckets.delete(BUCKETS[place]);
  }

  // Remaking the data bucket (after travel mode erased records): a full copy goes to the spare
  // bucket first, so that whatever interrupts it, the data survives in one of the two.
  async function remake(rows) {
    await erase('data');
    await writeAll(conn('data'), rows);
    await buckets.delete(SPARE);
  }

  // At start: a remake was interrupted. A complete copy in the spare (its one transaction
  // committed) is put back; an empty spare (it did not) is dropped, the data being intact.
  async function recover() {
    if (!(await buckets.keys()).includes(SPARE)) return;
    await exclusive('zapis-move', async () => {
      if (!(await buckets.keys()).includes(SPARE)) return;
      const spare = connect(SPARE);
      const rows = await readAll(spare, PLACES.data);
      await spare.close();
      if (rows.some(([, entries]) => entries.length)) await remake(rows);
      else await buckets.delete(SPARE);
    });
  }

  const settled = () => (ready ??= move().then(recover).catch((err) => { ready = null; throw err; }));

  return {
    kind: 'buckets',

    async transaction(stores, mode, fn) {
      await settled();
      // While this tab remakes the data bucket, its other reads and writes wait for the new one.
      while (rotating) await rotating.catch(() => {});
      return conn(placeOf(stores)).transaction(stores, mode, fn);
    },

    erase,

    /**
     * Copy what the data bucket holds into a new one and delete the old one with its files: rows
     * deleted from it (travel mode's erased records) are then gone from disk too.
     */
    async rotate() {
      await settled();
      while (rotating) await rotating.catch(() => {});
      rotating = exclusive('zapis-move', async () => {
        const rows = await readAll(conn('data'), PLACES.data);
        const spare = connect(SPARE);
        await writeAll(spare, rows);
        await spare.close();
        await remake(rows);
      });
      try {
        await rotating;
      } finally {
        rotating = null;
      }
    },

    async close() {
      for (const place of Object.keys(conns)) {
        const was = conns[place];
        delete conns[place];
        await was.close();
      }
    },

    async destroy() {
      await erase('vault');
      await erase('data');
      if (legacy && (await legacy.exists().catch(() => false))) await legacy.remove();
    },
  };
}

function randomBytes(n) {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i += 65536) crypto.getRandomValues(out.subarray(i, Math.min(n, i + 65536)));
  return out;
}

/** About how many bytes a stored value takes (strings as UTF-16, as Chromium often keeps them). */
function sizeOf(value) {
  if (value === null || value === undefined) return 8;
  if (typeof value === 'string') return value.length * 2;
  if (ArrayBuffer.isView(value)) return value.byteLength;
  if (value instanceof ArrayBuffer) return value.byteLength;
  if (typeof value !== 'object') return 8;
  let n = 0;
  for (const [k, v] of Object.entries(value)) n += k.length + sizeOf(v);
  return n;
}

/**
 * The store in the default database, erased by overwriting: every value of a place is replaced
 * by random bytes of its size (committed), then the rows are deleted. On a log-structured disk
 * format the old bytes can outlive both; this is what a browser without buckets allows.
 */
export function overwriteAdapter(inner) {
  async function erase(place) {
    const stores = PLACES[place];
    await inner.transaction(stores, 'readwrite', async (tx) => {
      for (const s of stores) {
        const keys = await tx.getAllKeys(s);
        const values = await tx.getAll(s);
        for (let i = 0; i < keys.length; i += 1) {
          const noise = randomBytes(Math.max(16, sizeOf(values[i])));
          const { keyPath } = STORES[s];
          await (keyPath ? tx.put(s, { [keyPath]: keys[i], noise }) : tx.put(s, noise, keys[i]));
        }
      }
    });
    await inner.transaction(stores, 'readwrite', async (tx) => {
      for (const s of stores) await tx.clear(s);
    });
  }

  return {
    kind: 'overwrite',
    transaction: (stores, mode, fn) => inner.transaction(stores, mode, fn),
    erase,
    close: () => inner.close(),
    async destroy() {
      await erase('vault');
      await erase('data');
      await inner.destroy();
    },
  };
}

// An adapter on the store's database in `factory` (an IDBFactory), or in the named bucket.
const inFactory = (factory) => idbAdapter(DB_NAME, { factory: async () => factory });
const inBucket = (buckets, name) => idbAdapter(DB_NAME,
  { factory: async () => (await buckets.open(name, BUCKET_OPTIONS)).indexedDB });

/** The default-bucket database of an install from before buckets, to move from. */
function legacyDatabase(factory) {
  const adapter = inFactory(factory);
  return {
    adapter,
    async exists() {
      if (!factory.databases) return false;
      return (await factory.databases()).some((d) => d.name === DB_NAME);
    },
    remove: () => adapter.destroy(),
  };
}

/**
 * A connection of its own to the data (every store but the vault), for a worker that stores
 * beside the page (sync/pull-worker.js): in the data bucket where the page's store is of `kind`
 * 'buckets', else in the default database. The page's adapter has settled (moved, recovered)
 * before a worker is given its kind; the worker closes its connection when its run ends, so the
 * page can remake or erase the bucket.
 */
export function dataAdapter(kind,
  { buckets = globalThis.navigator?.storageBuckets, factory = globalThis.indexedDB } = {}) {
  if (kind === 'buckets') {
    if (!buckets) throw new Error('no storage buckets here');
    return inBucket(buckets, BUCKETS.data);
  }
  if (kind === 'overwrite' && factory) return inFactory(factory);
  throw new Error(`no store of kind ${kind} here`);
}

/** The page's store adapter: in buckets where the browser has them, in the default database otherwise. */
export function openStorage({ buckets = globalThis.navigator?.storageBuckets, factory = globalThis.indexedDB } = {}) {
  if (buckets) {
    return bucketAdapter({
      buckets,
      connect: (name) => inBucket(buckets, name),
      legacy: legacyDatabase(factory),
    });
  }
  return overwriteAdapter(inFactory(factory));
}
