/**
 * The one reporting path: `report(error, {where})` tells the person what they can do about a
 * failure (a translated notice with role=alert in the shell's notice area) and adds a
 * content-free entry to the diagnostic log (diagnostics.js says what an entry may hold).
 *
 * The log is kept in the meta store with the other plaintext settings, as a bounded ring buffer
 * (LOG_LIMIT entries), only once the device has joined (before that, in memory: an install that
 * never joined keeps nothing but its language). Erasing the device, the failure limit and the
 * duress passphrase erase it with the meta store; Settings → Diagnostics shows it and copies it.
 *
 * The composition root (app.js) configures it; unconfigured (node tests, a page still booting) it
 * keeps entries in memory and shows nothing.
 */

import { appendEntry, diagnosticEntry, LOG_LIMIT, messageFor } from './diagnostics.js';

export const LOG_KEY = 'diagnostics';
const SHELL_CACHE = 'zapis-shell-'; // sw/sw.js names its cache after the build

const state = {
  store: null, shell: null, translator: () => null, joined: () => false, now: () => Date.now(), version: null,
  memory: [], writing: Promise.resolve(), shown: new Map(),
};

/**
 * `deps`: {store (LocalStore: getMeta, putMeta), shell (notice), translator() → the current
 * translator t(key, params) or null, joined() → whether the log may be kept on disk, now, version}.
 */
export function configureReporting(deps) {
  Object.assign(state, deps);
}

async function version() {
  if (state.version) return state.version;
  try {
    const names = globalThis.caches ? await caches.keys() : [];
    const build = names.find((n) => n.startsWith(SHELL_CACHE));
    state.version = build ? build.slice(SHELL_CACHE.length) : 'dev';
  } catch {
    state.version = 'dev'; // Cache Storage refused (a private window): the build is unknown
  }
  return state.version;
}

/** Add an entry to the log; resolves once it is stored. Never rejects: the log must not fail the app. */
function record(entry) {
  state.writing = state.writing.then(async () => {
    state.memory = appendEntry(state.memory, entry);
    if (!state.store || !state.joined()) return;
    const stored = await state.store.getMeta(LOG_KEY);
    await state.store.putMeta(LOG_KEY, appendEntry(stored, entry));
  }).catch(() => {
    // The store is gone (a wipe under way) or full: the entry stays in memory for this page.
  });
  return state.writing;
}

/**
 * Report a failure: log it and, unless `show` is false (the caller says it in its own place, or
 * it is not the person's to act on), show the translated message as an alert (diagnostics.js
 * messageFor; `fallback` is the message key for a failure without a known code). The same message is
 * not shown twice while the first is still up. Resolves to the message (the caller may show it
 * inline instead) once the entry is stored.
 */
export async function report(error, { where, show = true, fallback = null } = {}) {
  const entry = diagnosticEntry(error, { where, at: state.now(), version: await version() });
  const t = state.translator();
  const text = t ? messageFor(t, error, fallback) : '';
  if (show && text && state.shell && !state.shown.has(text)) {
    const close = state.shell.notice(text, [{ label: t('notice.ok'), run: () => state.shown.delete(text) }],
      { kind: 'error' });
    state.shown.set(text, close);
  }
  await record(entry);
  return text;
}

/** Remove a notice `report` showed with this text (its cause went away: a sync that succeeded). */
export function withdraw(text) {
  state.shown.get(text)?.();
  state.shown.delete(text);
}

/** Forget the notices shown (the shell emptied them: lock, panic). */
export function forgetShown() {
  state.shown.clear();
}

/** The diagnostic log, oldest first: the stored one once joined, else this page's. */
export async function diagnostics() {
  await state.writing;
  if (!state.store || !state.joined()) return state.memory;
  try {
    const stored = await state.store.getMeta(LOG_KEY);
    return Array.isArray(stored) ? stored.slice(-LOG_LIMIT) : [];
  } catch {
    return state.memory; // the store cannot be read now: what this page saw
  }
}

/** Empty the log (tests; the erase paths remove the whole meta store instead). */
export async function clearDiagnostics() {
  await state.writing;
  state.memory = [];
  if (state.store && state.joined()) await state.store.putMeta(LOG_KEY, []);
}
