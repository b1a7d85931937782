/**
 * Erase everything this app keeps in the browser: its storage buckets (the vault's first), every
 * IndexedDB database, Cache Storage, the service worker registrations, local and session storage.
 * The sealed keys go first, so that if the wipe is interrupted whatever remains is ciphertext
 * nobody can open. Where the browser has Storage Buckets, deleting a bucket removes its files;
 * elsewhere the store overwrites its values before deleting them (store/buckets.js).
 */

async function settle(promise, ms) {
  // A step that hangs (a database another tab holds open) must not keep someone on the page.
  return Promise.race([promise.catch(() => {}), new Promise((resolve) => setTimeout(resolve, ms))]);
}

function deleteDatabase(name) {
  return new Promise((resolve) => {
    const request = indexedDB.deleteDatabase(name);
    request.onsuccess = request.onerror = request.onblocked = () => resolve();
  });
}

/** Wipe the device; `store` (if open) loses its keys first and lets go of its connections. */
export async function wipeEverything(store) {
  if (store) {
    await settle(store.destroyVault(), 1500);
    await settle(store.destroyData(), 1500);
    await settle(store.close(), 500);
  }
  const buckets = navigator.storageBuckets;
  // Any bucket left (another tab's, or one the store did not know about), the vault's first.
  // Buckets that cannot be listed hold nothing this wipe can reach; the databases go below anyway.
  const bucketNames = buckets ? await buckets.keys().catch(() => []) : [];
  bucketNames.sort((a, b) => (b === 'zapis-vault') - (a === 'zapis-vault'));
  for (const name of bucketNames) await settle(buckets.delete(name), 1500);
  const names = indexedDB.databases ? (await indexedDB.databases()).map((d) => d.name) : ['zapis'];
  await settle(Promise.all([
    ...names.map(deleteDatabase),
    globalThis.caches ? caches.keys().then((keys) => Promise.all(keys.map((k) => caches.delete(k)))) : null,
    navigator.serviceWorker
      ? navigator.serviceWorker.getRegistrations().then((regs) => Promise.all(regs.map((r) => r.unregister())))
      : null,
  ].filter(Boolean)), 3000);
  try {
    localStorage.clear();
    sessionStorage.clear();
  } catch {
    // Storage may be disabled; then it holds nothing of ours either.
  }
}
