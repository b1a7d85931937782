/**
 * The page's side of the pull worker (sync/pull-worker.js, sync/pull-run.js): a sync run's pull
 * goes there, so that the page's thread neither verifies, merges, stores nor opens the pulled
 * records, and only lists what each page brings (records.js absorb). Where the worker cannot run
 * (no Worker, a module worker refused, a store it cannot open apart, node) or breaks, the pull
 * runs on the page as before (sync/pull.js pullAll, its crypto in a CryptoPool of the page's):
 * the records stored and listed are the same either way, only where the work is done differs.
 *
 * It stands where a CryptoPool stood for the sync controller: `warm()` on the lock screen,
 * `open`/`openRecords` (the page's pool, made when first needed), `pull`, and `close()` at lock.
 */

import { CryptoPool, PoolClosed } from './crypto-pool.js';
import { pullAll } from './pull.js';

const WORKER_URL = new URL('./pull-worker.js', import.meta.url);

// An error the worker reported, with what the engine reads of it (sync/engine.js classify).
function errorOf({ name, status, code, message, retryAfter }) {
  return Object.assign(new Error(message), { name, status, code, retryAfter });
}

export class PullThread {
  /** `make(url)` makes the worker (tests pass a fake); `pool()` makes the page's CryptoPool. */
  constructor(options = {}) {
    this.make = options.make ?? ((url) => new Worker(url, { type: 'module', name: 'zapis-pull' }));
    this.makePool = options.pool ?? (() => new CryptoPool());
    this.worker = null;
    this.crypto = null;
    this.broken = typeof globalThis.Worker !== 'function' && !options.make;
    this.closed = false;
    this.seq = 0;
    this.runs = new Map(); // run id → {ctx, result, options, resolve, reject, done}
    this.pulled = { worker: 0, page: 0 }; // runs pulled each way (tests read it)
  }

  #start() {
    if (this.worker || this.broken || this.closed) return;
    try {
      const w = this.make(WORKER_URL);
      w.addEventListener('message', (e) => this.#message(e.data));
      w.addEventListener('error', () => this.#fail());
      this.worker = w;
    } catch {
      this.broken = true;
    }
  }

  /** Start the worker now (on the lock screen): its code and crypto workers load while nothing waits. */
  warm() {
    this.#start();
  }

  #pool() {
    this.crypto ??= this.makePool();
    return this.crypto;
  }

  /** Open pulled items on the page's CryptoPool (a pull on the page). */
  open(items, ctx) {
    if (this.closed) return Promise.reject(new PoolClosed());
    return this.#pool().open(items, ctx);
  }

  /** Open record states on the page's CryptoPool (a pulled page that came without answers). */
  openRecords(states, plain, localKey) {
    if (this.closed) return Promise.reject(new PoolClosed());
    return this.#pool().openRecords(states, plain, localKey);
  }

  /**
   * Pull as sync/pull.js pullAll(ctx, result, options) does, in the worker where it can:
   * `kind` is the page's store kind (store/buckets.js), `list` what opening the records needs
   * ({names, removed, localKey, packAt}: records.js pullList). `ctx.onPage` gets each page with
   * the records' answers; ctx.directory, trusted and kept are updated as pullAll updates them.
   */
  async pull(ctx, result, options = {}, { kind = null, list = null } = {}) {
    if (this.closed) throw new PoolClosed();
    this.#start();
    if (this.broken || !this.worker || !kind || !list) return this.#here(ctx, result, options);
    const id = ++this.seq;
    const { me } = ctx;
    const done = new Promise((resolve, reject) => {
      this.runs.set(id, { ctx, result, options, resolve, reject });
    });
    const stop = () => this.worker?.postMessage({ type: 'stop', id });
    ctx.signal?.addEventListener('abort', stop, { once: true });
    // The worker gets what verifying and opening need, never the device's signing key.
    this.worker.postMessage({ type: 'pull', id, kind, afresh: Boolean(options.afresh), result, list, ctx: {
      token: ctx.token, limit: ctx.limit, first: ctx.first, directory: ctx.directory, trusted: ctx.trusted,
      kept: ctx.kept, me: { workspace: me.workspace, device: me.device, role: me.role, fingerprint: me.fingerprint,
        signPublic: me.signPublic, ecdhPublic: me.ecdhPublic, ecdhKey: me.ecdhKey } } });
    if (ctx.signal?.aborted || ctx.stopped?.()) stop();
    try {
      return await done;
    } finally {
      ctx.signal?.removeEventListener('abort', stop);
      this.runs.delete(id);
    }
  }

  // The pull on the page (no worker here, or it broke). pullAll updates `ctx` itself: the caller
  // reads the directory it ends with there.
  #here(ctx, result, options) {
    this.pulled.page += 1;
    ctx.open ??= (items, c) => this.open(items, c);
    return pullAll(ctx, result, options);
  }

  #message(data) {
    const run = this.runs.get(data?.id);
    if (!run) return;
    const { ctx } = run;
    if (data.type === 'directory') {
      ctx.directory = data.directory;
      ctx.trusted = data.trusted;
      ctx.onDirectory?.(data.directory, data.trusted, data.extra);
    } else if (data.type === 'page') {
      const listed = Promise.resolve().then(() => ctx.onPage?.(data.page)).catch(() => {});
      if (data.first) listed.then(() => this.worker?.postMessage({ type: 'listed', id: data.id }));
    } else if (data.type === 'done' || data.type === 'failed') {
      Object.assign(run.result, data.result);
      if (data.type === 'failed') {
        run.reject(errorOf(data.error));
        return;
      }
      ctx.directory = data.directory;
      ctx.trusted = data.trusted;
      ctx.kept = data.kept;
      this.pulled.worker += 1;
      run.resolve();
    } else if (data.type === 'broken') {
      // This worker cannot store here (no storage buckets in workers, say): pull on the page.
      this.broken = true;
      this.#here(ctx, run.result, run.options).then(run.resolve, run.reject);
    }
  }

  // The worker failed (it could not load, or crashed): what it stored is stored, each page with
  // its cursor, so a run under way resumes on the page from there; so does every run after.
  #fail() {
    this.broken = true;
    this.worker?.terminate();
    this.worker = null;
    for (const run of this.runs.values()) this.#here(run.ctx, run.result, run.options).then(run.resolve, run.reject);
  }

  /** Stop everything (at lock): the worker and its crypto workers end, a run under way is refused. */
  close() {
    this.closed = true;
    this.worker?.terminate();
    this.worker = null;
    this.crypto?.close();
    for (const run of this.runs.values()) run.reject(new PoolClosed());
  }
}
