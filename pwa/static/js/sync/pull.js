/**
 * Pulling: page by page from the cursor, each page verified (verify.js) and then stored with its
 * cursor in one transaction (store/sync-store.js). A 410 means the cursor is older than the
 * server keeps deletions: pull again from 0 and keep the outbox. Records the fresh pull did not
 * mention are kept too (no signed purge order covers them) and listed in `result.unconfirmed`
 * (as sync/client.py does).
 */

import { HEADER, PROTOCOL, decodePage } from '../core/dense.js';
import { PushError, retryAfterMs } from './outbox.js';
import { verifyPage } from './verify.js';

// Items a page: a change (one saved record, about 1.4 KB after gzip) is one item, so a page is
// about 300 KB, a few seconds on a slow mobile link, and one IndexedDB transaction.
export const PAGE_LIMIT = 200;
const REQUEST_MS = 60000;

/** GET one page after `cursor`; resolve to it or reject with PushError (status 0: no answer). */
export async function fetchPage(fetchFn, token, cursor, limit = PAGE_LIMIT) {
  const signal = AbortSignal.timeout ? AbortSignal.timeout(REQUEST_MS) : undefined;
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
 * `ctx`: {replica (SyncStore), fetch, token, me, directory, trusted, kept, limit, onDirectory}.
 * Stops early, with `result.revoked`, when the directory says this device was removed.
 */
export async function pullAll(ctx, result, { afresh = false } = {}) {
  const { replica } = ctx;
  let cursor = afresh ? 0 : await replica.cursor();
  let seen = afresh ? new Set() : null;
  for (;;) {
    let page;
    try {
      page = await fetchPage(ctx.fetch, ctx.token, cursor, ctx.limit);
    } catch (err) {
      if (err.status !== 410 || seen) throw err;
      cursor = 0;
      seen = new Set();
      result.afresh = true;
      continue;
    }
    if (seen) for (const item of [...page.changes, ...page.wraps]) seen.add(item.record);
    const quarantine = page.devices?.length ? await replica.quarantined() : [];
    const verified = await verifyPage(page, { ...ctx.me, directory: ctx.directory, trusted: ctx.trusted, kept: ctx.kept,
      quarantine });
    const applied = await replica.applyPage(verified, page.cursor);
    if (verified.devices.length) {
      ctx.directory = verified.directory;
      ctx.trusted = verified.trusted;
      ctx.kept = verified.kept;
      ctx.onDirectory?.(ctx.directory, ctx.trusted, { removed: verified.removed, alarm: verified.alarm });
    }
    for (const [k, v] of Object.entries(applied.counts)) result.pulled[k] += v;
    for (const [sig, key] of verified.keys) result.keys.set(sig, key);
    applied.changed.forEach((id) => result.changed.add(id));
    applied.purged.forEach((id) => { result.purged.add(id); result.changed.delete(id); });
    if (verified.revoked) {
      result.revoked = true;
      return;
    }
    cursor = page.cursor;
    if (!page.more) break;
  }
  if (seen) result.unconfirmed = await replica.unconfirmed(seen);
}
