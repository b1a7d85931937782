/**
 * Pulling: page by page from the cursor, each page verified (verify.js; its signatures and unwraps
 * in the crypto workers when the engine has them) and then stored with its cursor in one
 * transaction (store/sync-store.js): a pull cut off anywhere (offline, the app closed) resumes
 * after the last page stored, and nothing of a page is stored twice or half. The next page is
 * asked for as soon as one arrives, so the network works while the page verifies and stores; each
 * stored page is handed to `ctx.onPage` at once, so the list grows while the pull goes on. A 410
 * means the cursor is older than the server keeps deletions: pull again from 0 and keep the outbox.
 * Records the fresh pull did not mention are kept too (no signed purge order covers them) and
 * listed in `result.unconfirmed` (as client/core.py does).
 */

import { HEADER, PROTOCOL, decodePage } from '../core/dense.js';
import { PushError, retryAfterMs } from './outbox.js';
import { verifyPage } from './verify.js';

// Items a page: a change (one saved record, about 1.4 KB after gzip) is one item, so a page is
// about 1.4 MB, one IndexedDB transaction and one step of the progress. The server caps a page at
// its ZAPIS_PULL_LIMIT (2,000 by default; docs/server.md).
export const PAGE_LIMIT = 1000;
// The first page of a pull is half a page, so the first records are listed soon after unlocking,
// yet long enough to hold some changes after the wraps a push stores first; the pages after it
// are full.
export const FIRST_PAGE = 500;
const REQUEST_MS = 60000;

/** GET one page after `cursor`; resolve to it or reject with PushError (status 0: no answer). */
export async function fetchPage(fetchFn, token, cursor, limit = PAGE_LIMIT, stop = null) {
  // `stop` (an AbortSignal) ends the request at once: the app locked during a catch-up.
  const signals = [AbortSignal.timeout ? AbortSignal.timeout(REQUEST_MS) : null, stop].filter(Boolean);
  const signal = signals.length > 1 && AbortSignal.any ? AbortSignal.any(signals) : signals.at(-1);
  let response;
  let data;
  try {
    response = await fetchFn(`/api/sync/pull?cursor=${cursor}&limit=${limit}`, {
      headers: { Accept: 'application/json', Authorization: 'Bearer ' + token, [HEADER]: PROTOCOL }, signal,
      credentials: 'omit', cache: 'no-store', referrerPolicy: 'no-referrer' });
    data = await response.json().catch(() => null);
  } catch {
    throw new PushError(0, 'network', 'no answer from the server');
  }
  if (!response.ok) {
    const err = data?.error ?? {};
    throw new PushError(response.status, err.code || `http_${response.status}`, err.message, retryAfterMs(response));
  }
  if (!data || !Number.isSafeInteger(data.cursor) || !Array.isArray(data.changes) || !Array.isArray(data.wraps)) {
    throw new PushError(0, 'network', 'the page was cut off');
  }
  return decodePage(data); // the dense page (protocol version 3) as the logical changes and wraps
}

/**
 * Pull everything after the stored cursor into `result` (the engine's result object).
 * `ctx`: {replica (SyncStore), fetch, token, me, directory, trusted, kept, limit, onDirectory,
 * open (a crypto pool's open, optional), onPage({changed, purged, added, keys, counts, states, received}) (a
 * promise it returns for the first page is awaited),
 * stopped() → true to stop between pages (the app locked), signal (aborts a request in flight)}.
 * Stops early, with `result.revoked`, when the directory says this device was removed.
 */
export async function pullAll(ctx, result, { afresh = false } = {}) {
  const { replica } = ctx;
  const start = afresh ? 0 : await replica.cursor();
  let seen = afresh ? new Set() : null;
  let asked = 0;
  const ask = (from) => {
    const limit = asked++ ? ctx.limit : Math.min(ctx.limit ?? PAGE_LIMIT, ctx.first ?? FIRST_PAGE);
    const p = fetchPage(ctx.fetch, ctx.token, from, limit, ctx.signal);
    p.catch(() => {}); // awaited below, or dropped when the pull stops first
    return p;
  };
  // Storing a page (main thread, IndexedDB) overlaps verifying the next (the crypto workers):
  // pages are still stored one after another, in order, each with its cursor. A page that
  // changes the directory is stored before the next is verified, as that one is judged by it.
  let storing = null;
  const stored = async () => {
    const was = storing;
    storing = null;
    if (was) await was;
  };
  const store = async (page, verified) => {
    const applied = await replica.applyPage(verified, page.cursor);
    if (verified.devices.length) {
      ctx.onDirectory?.(ctx.directory, ctx.trusted, { removed: verified.removed, alarm: verified.alarm });
    }
    for (const [k, v] of Object.entries(applied.counts)) result.pulled[k] += v;
    for (const [sig, key] of verified.keys) result.keys.set(sig, key);
    applied.changed.forEach((id) => result.changed.add(id));
    applied.purged.forEach((id) => { result.purged.add(id); result.changed.delete(id); });
    result.received = result.changed.size; // records stored by this run so far, each once
    return ctx.onPage?.({ changed: applied.changed, purged: applied.purged, added: applied.added, keys: verified.keys,
      counts: applied.counts, states: applied.states, received: result.received, more: Boolean(page.more) });
  };
  let first = true;
  let next = ask(start);
  let directoryChanged = false;
  try {
    for (;;) {
      let page;
      try {
        page = await next;
      } catch (err) {
        if (err.status !== 410 || seen) throw err;
        await stored();
        seen = new Set();
        result.afresh = true;
        next = ask(0);
        continue;
      }
      if (ctx.stopped?.()) break; // the app locked while the page travelled: it is asked again next time
      // The next page travels while this one is verified and stored.
      next = page.more ? ask(page.cursor) : null;
      if (seen) for (const item of [...page.changes, ...page.wraps]) seen.add(item.record);
      if (directoryChanged || page.devices?.length) await stored();
      const quarantine = page.devices?.length ? await replica.quarantined() : [];
      const verified = await verifyPage(page, { ...ctx.me, directory: ctx.directory, trusted: ctx.trusted,
        kept: ctx.kept, quarantine, open: ctx.open });
      directoryChanged = verified.devices.length > 0;
      if (directoryChanged) {
        ctx.directory = verified.directory;
        ctx.trusted = verified.trusted;
        ctx.kept = verified.kept;
      }
      await stored();
      storing = store(page, verified);
      storing.catch(() => {}); // awaited before the next page is stored, or below
      if (first) {
        // The first page is stored and listed (`onPage` may return a promise: its records opened
        // for the list) before the next is verified, so the workers open it with nothing else
        // to do: the first records appear sooner; the pages after it overlap as above.
        first = false;
        const listed = storing;
        storing = null;
        await (await listed);
      }
      if (verified.revoked) {
        await stored();
        result.revoked = true;
        return;
      }
      if (!page.more || ctx.stopped?.()) break;
    }
    await stored();
  } finally {
    // A pull that fails (a page that does not come, a store that fails) still lets the page being
    // stored finish first: its cursor is where the next run resumes.
    await stored().catch(() => {});
  }
  if (seen && !ctx.stopped?.()) result.unconfirmed = await replica.unconfirmed(seen);
}
