/**
 * One pull run off the page (sync/pull-worker.js runs it; node tests run it behind a fake message
 * boundary): sync/pull.js's pullAll with a store connection of the worker's own, its signatures
 * and unwraps in the crypto workers, and each stored page's records opened for the list there
 * too, so that the page's thread neither stores nor clones a record state (sync/pull-thread.js is
 * the page's side). What the page gets for each page is what records.js needs to list it: ids,
 * counts, the opened wrap keys and the records' answers (summaries, key lists, sealed entries).
 *
 *   in:  {type: 'pull', id, kind, afresh, ctx, result, list}   (see `startRun`)
 *   out: {type: 'directory', id, directory, trusted, extra}    a page changed the directory
 *        {type: 'page', id, page, first}                       a page is stored and opened
 *        {type: 'done', id, result, directory, trusted, kept}  the run ended
 *        {type: 'failed', id, result, error: {name, status, code, message, retryAfter}}
 *   in:  {type: 'listed', id}  the page listed the first page (the run goes on only then)
 *   in:  {type: 'stop', id}    the app locks: stop between pages, abort a request in flight
 */

import { SyncStore } from '../store/sync-store.js';
import { openingContext } from './open-records.js';
import { pullAll } from './pull.js';

/**
 * Start a run. `msg`: {id, afresh, ctx: {token, me, limit, first, directory, trusted, kept},
 * result (the engine's fresh result object), list: {names, removed, localKey, packAt}}.
 * `deps`: {post(message), adapter (its own store connection), pool (a CryptoPool), fetch}.
 * Returns {done (resolves when the last message is posted), listed(), stop()}.
 */
export function startRun(msg, { post, adapter, pool, fetch }) {
  const { id, afresh = false, result } = msg;
  const { names: known = [], localKey = null, packAt = Infinity } = msg.list ?? {};
  const names = new Set(known);
  const keys = new Map(); // wrap sig → key list, opened by this run's pages
  let removed = msg.list?.removed ?? [];
  let halted = false;
  let firstSent = false;
  let onListed = null;
  const aborter = new AbortController();
  const ctx = {
    ...msg.ctx, replica: new SyncStore(adapter), fetch, open: (items, c) => pool.open(items, c),
    stopped: () => halted, signal: aborter.signal,
    onDirectory: (directory, trusted, extra) => {
      if (extra?.removed) removed = extra.removed;
      post({ type: 'directory', id, directory, trusted, extra });
    },
    onPage: async (page) => {
      for (const [sig, key] of page.keys) keys.set(sig, key);
      // A record whose wraps came before its values waits for the page that brings them
      // (records.js absorb); the rest are opened here, their entries left unsealed when they
      // are many (the page seals them as one pack).
      // Stopped (the app locks), none: the next unlock opens them from the store.
      const states = halted ? [] : page.states.filter((s) => Object.keys(s.fields).length);
      const pack = states.length >= packAt;
      let answers = [];
      if (states.length) {
        const plain = openingContext({ ...ctx.me, trusted: ctx.trusted, removed }, states, keys, names);
        const got = await pool.openRecords(states, plain, pack ? null : localKey);
        got.names.forEach((n) => names.add(n));
        answers = got.answers;
      }
      const { states: _, ...rest } = page;
      const first = !firstSent;
      firstSent = true;
      const listed = first ? new Promise((resolve) => { onListed = resolve; }) : null;
      post({ type: 'page', id, first, page: { ...rest, opened: states.map((s) => s.id), answers, names: [...names],
        pack } });
      // The first page is listed before the next is verified (as on the page: sync/pull.js).
      if (listed) await listed;
    },
  };
  const done = pullAll(ctx, result, { afresh }).then(
    () => ({ type: 'done', id, result, directory: ctx.directory, trusted: ctx.trusted, kept: ctx.kept }),
    (err) => ({ type: 'failed', id, result, error: { name: err?.name ?? 'Error', status: err?.status ?? 0,
      code: err?.code ?? 'error', message: String(err?.message ?? err), retryAfter: err?.retryAfter ?? null } }),
  ).then(async (message) => {
    // The connection closes before the page hears the run ended: the page may then remake or
    // erase the data bucket (travel mode, a purge) without waiting on this worker.
    await Promise.resolve(adapter.close?.()).catch(() => {});
    post(message);
  });
  return {
    done,
    listed: () => { onListed?.(); onListed = null; },
    stop: () => {
      halted = true;
      aborter.abort();
      onListed?.();
    },
  };
}
