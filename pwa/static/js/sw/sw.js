/* Zapis service worker: precache the app shell, serve it offline, never cache the API, and push
 * the outbox and attachments' chunks through Background Sync while the app is locked or closed.
 *
 * Import-free on purpose (module service workers are too new for older phones). The server
 * (server/web.py) replaces the BUILD line with the real cache version and file list, computed
 * from the files' content hashes, and the INCLUDE lines with js/sync/outbox.js, js/store/chunks.js
 * and js/sync/uploads.js, the push code the page uses too (and node tests), in this order. A new
 * version waits until the page asks it to take over, so an update is offered, never forced on
 * someone typing a record.
 */
const BUILD = { version: 'unbuilt', precache: [] };
// INCLUDE js/sync/outbox.js
// INCLUDE js/store/chunks.js
// INCLUDE js/sync/uploads.js
const PREFIX = 'zapis-shell-';
const CACHE = PREFIX + BUILD.version;
const SHELL = '/';
const PAGES = new Set(['/calc']);

self.addEventListener('install', (event) => {
  // 'no-cache' revalidates with the server, so a stale HTTP cache cannot slip into a new version.
  event.waitUntil(caches.open(CACHE).then((cache) =>
    cache.addAll(BUILD.precache.map((url) => new Request(url, { cache: 'no-cache' })))));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(caches.keys().then((names) => Promise.all(names
    .filter((name) => name.startsWith(PREFIX) && name !== CACHE)
    .map((name) => caches.delete(name)))));
});

self.addEventListener('message', (event) => {
  if (event.data && event.data.type === 'skip-waiting') self.skipWaiting();
});

// Opened once per worker start: an app start asks for some fifty files at once.
let opened = null;
function cache() {
  opened = opened || caches.open(CACHE);
  return opened;
}

/** Navigations get the one app shell (the app routes in the page), or a cached page as it is. */
function servePage(request, url) {
  const key = PAGES.has(url.pathname) ? url.pathname : SHELL;
  return cache().then((c) => c.match(key)).then((hit) => hit || fetch(request));
}

/** Static files: from the versioned cache, falling back to the network for anything not in it. */
function serveStatic(request) {
  return cache().then((c) => c.match(request, { ignoreSearch: true })).then((hit) => hit || fetch(request));
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  const url = new URL(request.url);
  // Other origins, the API and the worker itself go to the network untouched: records never
  // sit in a cache, and the app makes no request to any other origin in the first place.
  if (request.method !== 'GET' || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith('/api/') || url.pathname === '/sw.js') return;
  if (request.mode === 'navigate') {
    event.respondWith(servePage(request, url));
  } else if (url.pathname.startsWith('/static/') || url.pathname === '/manifest.webmanifest') {
    event.respondWith(serveStatic(request));
  }
});

// -- Background Sync: push the outbox and the chunks with the push-only token ------------------
// The outbox holds signed ciphertext, the chunks ciphertext under keys kept only inside records'
// encrypted values, and the token can do nothing but push them (and list which chunks the server
// holds), so no passphrase is needed here. A failed push rejects, and the browser tries the sync
// again later.

function asked(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

/**
 * Where the app's data lives: its storage bucket 'zapis-data' where the browser has buckets
 * (js/store/buckets.js), the worker's own IndexedDB otherwise (or before the page moved the data).
 * The bucket is never made here: a device that holds none has nothing to push.
 */
async function appDatabases() {
  const buckets = self.navigator.storageBuckets;
  if (!buckets) return indexedDB;
  if ((await buckets.keys()).includes('zapis-data')) return (await buckets.open('zapis-data')).indexedDB;
  return indexedDB;
}

/** The app's database, or null: never create it (the page owns its schema) and never hold it open. */
async function openAppDatabase() {
  const factory = await appDatabases().catch(() => indexedDB);
  return new Promise((resolve) => {
    const request = factory.open('zapis');
    request.onupgradeneeded = () => request.transaction.abort();
    request.onsuccess = () => {
      request.result.onversionchange = () => request.result.close();
      resolve(request.result);
    };
    request.onerror = request.onblocked = () => resolve(null);
  });
}

/** The adapter outbox.js expects, over a raw IndexedDB connection. */
function workerAdapter(db) {
  return {
    async transaction(stores, mode, fn) {
      const tx = db.transaction(stores, mode);
      const done = new Promise((resolve, reject) => {
        tx.oncomplete = resolve;
        tx.onabort = tx.onerror = () => reject(tx.error);
      });
      const on = (s) => tx.objectStore(s);
      let result;
      try {
        result = await fn({ get: (s, k) => asked(on(s).get(k)), getAll: (s, n) => asked(on(s).getAll(null, n)),
          getAllKeys: (s) => asked(on(s).getAllKeys()), put: (s, v, k) => asked(on(s).put(v, k)),
          delete: (s, k) => asked(on(s).delete(k)) });
      } catch (err) {
        try { tx.abort(); } catch { /* already finished */ }
        done.catch(() => {});
        throw err;
      }
      await done;
      return result;
    },
  };
}

async function pushFromWorker() {
  const db = await openAppDatabase();
  if (!db) return;
  try {
    if (!db.objectStoreNames.contains('worker')) return;
    const store = workerAdapter(db);
    const token = await openToken(await store.transaction(['worker'], 'readonly', (tx) => tx.get('worker', 'push')));
    if (!token) return; // enrolled before push tokens: this device pushes while unlocked
    try {
      await pushOutbox(store, { token });
      // Then the attachments' chunks, as the page does after a push: the server knows their records.
      if (db.objectStoreNames.contains('chunks')) await uploadChunks(new ChunkStore(store), { token });
    } catch (err) {
      if (err.code !== 'device_revoked') throw err;
      // Say so at the next start, where the page erases the data.
      await store.transaction(['meta'], 'readwrite', async (tx) => {
        await tx.put('meta', Object.assign((await tx.get('meta', 'sync')) || {}, { revoked: true }), 'sync');
      });
    }
  } finally {
    db.close();
  }
}

self.addEventListener('sync', (event) => {
  if (event.tag === 'zapis-push') event.waitUntil(pushFromWorker());
});
