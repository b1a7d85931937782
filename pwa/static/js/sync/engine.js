/**
 * One sync run: push the outbox, then pull, and say what happened in a result object (kinto.js's
 * SyncResultObject; style §9): {ok, pushed, pulled, refused, changed, purged, keys, errors, revoked,
 * retry, afresh, erased, unconfirmed, uploads (attachment chunks: sync/uploads.js)}. It runs only
 * while the app is unlocked (pulling needs the full token and, to open new record keys, the device's
 * private key); locked, the outbox is pushed by outbox.js with the push-only token, from the page or
 * the service worker.
 */

import { request } from '../api.js';
import { ChunkStore } from '../store/chunks.js';
import { pushOutbox } from './outbox.js';
import { PAGE_LIMIT, pullAll } from './pull.js';
import { makeBinding } from '../core/binding.js';
import { uploadChunks } from './uploads.js';
import { assess } from './verify.js';

/** A fresh result object. */
export function newResult() {
  return {
    ok: false, at: 0, received: 0, stopped: false,
    pushed: { accepted: 0, duplicate: 0, stale: 0, refused: 0 },
    pulled: { devices: 0, wraps: 0, writes: 0, tombstones: 0, problems: 0, held: 0 },
    refused: [], changed: new Set(), purged: new Set(), keys: new Map(), erased: [],
    uploads: { uploaded: 0, duplicate: 0, deleted: 0, refused: [] },
    errors: [], revoked: false, retry: false, retryAfter: null, afresh: false, unconfirmed: [], alarm: [],
  };
}

/**
 * What a failed request means for the run: {code, status, message, retry, retryAfter}. `retryAfter`
 * (ms, or null) is the server's Retry-After on a 429 or a 503: the scheduler waits at least that long.
 */
export function classify(err) {
  const status = err?.status ?? 0;
  const code = err?.code ?? 'error';
  const message = err?.message ?? String(err);
  const retryAfter = Number.isFinite(err?.retryAfter) ? err.retryAfter : null;
  if (status === 0 || code === 'bad_response') return { status, code: 'network', message, retry: true,
    retryAfter: null };
  if (status === 429) return { status, code: 'rate_limited', message, retry: true, retryAfter };
  if (status >= 500) return { status, code: 'server', message, retry: true,
    retryAfter: status === 503 ? retryAfter : null };
  return { status, code, message, retry: false, retryAfter: null };
}

export class SyncEngine {
  /**
   * `deps`: {adapter, replica (store/sync-store.js), me: {workspace, device, role, fingerprint,
   * signPublic, ecdhPublic, ecdhKey, signKey}, token, fetch, travelAuto() → bool,
   * onDirectory(directory, trusted, {removed, alarm}), now, limit (pull
   * page), batch ({maxItems, maxBytes} of a push), open (items, ctx) → answers (a crypto pool's:
   * sync/crypto-pool.js; on the page by default), onPage(page) (each stored pull page: the list
   * grows with it), pull(ctx, result, options) (sync/pull.js pullAll by default; the sync controller
   * passes sync/pull-thread.js's, which pulls in a worker)}.
   */
  constructor(deps) {
    this.adapter = deps.adapter;
    this.replica = deps.replica;
    this.me = deps.me;
    this.token = deps.token;
    this.fetch = deps.fetch ?? request; // the app's one fetch wrapper (api.js)
    this.travelAuto = deps.travelAuto ?? (() => false);
    this.onDirectory = deps.onDirectory ?? (() => {});
    this.now = deps.now ?? (() => Date.now());
    this.limit = deps.limit ?? PAGE_LIMIT;
    this.batch = deps.batch ?? {}; // {maxItems, maxBytes} of a push batch
    this.uploadProgress = deps.uploadProgress ?? (() => {});
    this.open = deps.open ?? null;
    this.onPage = deps.onPage ?? (() => {});
    this.pull = deps.pull ?? pullAll;
    this.halted = false;
    this.directory = null;
    this.trusted = {};
    this.kept = [];
    this.alarm = [];
  }

  async #loadDirectory() {
    if (this.directory) return;
    this.directory = await this.replica.directory();
    this.kept = await this.replica.revocations();
    const a = await assess({ ...this.me, kept: this.kept }, this.directory);
    this.trusted = a.trusted;
    this.alarm = a.alarm;
  }

  // A device enrolled before key-binding statements (or from a link without its role) posts its
  // own once, so that others can trust it; never while its own entry looks wrong.
  async #postBinding() {
    const mine = this.directory?.get(this.me.device);
    if (!mine || mine.binding || this.alarm.length || !this.me.signKey || !this.me.ecdhPublic) return false;
    const binding = await makeBinding(this.me.signKey, { workspace: this.me.workspace, device: this.me.device,
      role: this.me.role, sign_key: this.me.signPublic, ecdh_key: this.me.ecdhPublic });
    const response = await this.fetch(`/api/devices/${encodeURIComponent(this.me.device)}/binding`, {
      method: 'PUT', body: JSON.stringify({ binding }), credentials: 'omit', cache: 'no-store',
      referrerPolicy: 'no-referrer',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json',
        Authorization: 'Bearer ' + this.token } });
    return response.ok;
  }

  /** Push, then pull (unless `pull` is false); `afresh` pulls from 0. Resolves to the result object. */
  async sync({ pull = true, afresh = false } = {}) {
    const result = newResult();
    this.aborter = new AbortController();
    if (this.halted) this.aborter.abort();
    result.at = this.now();
    try {
      const pushed = await pushOutbox(this.adapter,
        { token: this.token, fetch: this.fetch, now: this.now, ...this.batch });
      result.pushed = pushed.counts;
      result.refused = pushed.refused;
      // Attachments' chunks after the changes that announce them (docs/pwa.md, Attachments).
      result.uploads = await uploadChunks(new ChunkStore(this.adapter), { token: this.token, fetch: this.fetch,
        progress: this.uploadProgress });
      if (pull) {
        await this.#loadDirectory();
        const ctx = { replica: this.replica, fetch: this.fetch, token: this.token, me: this.me, limit: this.limit,
          directory: this.directory, trusted: this.trusted, kept: this.kept, open: this.open ?? undefined,
          onPage: (page) => this.onPage(page), stopped: () => this.halted, signal: this.aborter.signal,
          onDirectory: (directory, trusted, extra) => {
            this.alarm = extra.alarm;
            this.onDirectory(directory, trusted, extra);
          } };
        await this.pull(ctx, result, { afresh });
        this.directory = ctx.directory;
        this.trusted = ctx.trusted;
        this.kept = ctx.kept;
        if (this.halted) result.stopped = true;
        if (!result.revoked && !this.halted && await this.#postBinding().catch(() => false)) {
          this.directory = null; // the pull below brings our entry back, with its statement
          await this.#loadDirectory();
          ctx.directory = this.directory;
          await this.pull(ctx, result);
          this.directory = ctx.directory;
          this.trusted = ctx.trusted;
          this.kept = ctx.kept;
        }
      }
      result.alarm = [...this.alarm];
      if (!result.revoked && !result.stopped && this.travelAuto()) result.erased = await this.replica.eraseSynced();
    } catch (err) {
      // Pages stored before the failure may have changed the directory: the next run reads it
      // from the store again rather than judge new pages by the one this run started with.
      this.directory = null;
      if (this.halted) {
        result.stopped = true; // the app locked: not a failure, the next unlock resumes
      } else if (err?.status === 403 && err.code === 'device_revoked') {
        result.revoked = true;
      } else {
        const e = classify(err);
        result.errors.push(e);
        result.retry = e.retry;
        result.retryAfter = e.retryAfter;
      }
    }
    result.ok = !result.errors.length && !result.revoked && !result.alarm.length && !result.stopped;
    // A run stopped by the lock writes nothing more: a wipe may follow at once.
    if (result.stopped) return result;
    const before = await this.replica.status();
    // The stored error keeps its code, never the server's words (shown by code; docs/pwa.md, Errors).
    const error = result.errors[0] ? { ...result.errors[0], message: '' } : null;
    await this.replica.putStatus({ lastOk: result.ok ? result.at : before.lastOk, lastTry: result.at,
      error, revoked: result.revoked });
    return result;
  }

  /** Stop a run between two pulled pages (the app locked): what is stored stays, the next run resumes. */
  stop() {
    this.halted = true;
    this.aborter?.abort();
  }

  /** Read the directory and the kept revocation orders from the store again at the next run. */
  forget() {
    this.directory = null;
  }

  /** Travel mode, by hand: sync, and only if the server now holds everything, erase local copies. */
  async travel() {
    const result = await this.sync();
    if (!result.ok) return { ok: false, reason: 'sync_failed', result };
    const counts = await this.replica.counts();
    if (counts.waiting) return { ok: false, reason: 'outbox', result };
    if (counts.refused) return { ok: false, reason: 'refused', result };
    result.erased = await this.replica.eraseSynced();
    return { ok: true, result };
  }
}
