/**
 * Reading a stored record state's parts the same way everywhere (store/sync-store.js, which never
 * calls WebCrypto, and sync/open-records.js, on the page and in the crypto workers).
 *
 * A state keeps the first wrap that came as `wrap` and every other one in `wraps`. States stored
 * before 2026-12-04 repeat `wrap` in `wraps` too; both forms read alike here.
 */

/** Every wrap a record state holds (its first, then the others pulled), each once (by signature). */
export function wrapsOf(state) {
  const seen = new Set();
  return [state.wrap, ...(state.wraps ?? [])].filter((w) => w && !seen.has(w.sig) && seen.add(w.sig));
}
