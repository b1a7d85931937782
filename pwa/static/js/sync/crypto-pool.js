/**
 * A small pool of crypto workers (sync/crypto-worker.js) for the pull: a page's items are split
 * between them and opened side by side, off the page's thread. Where workers cannot start (no
 * Worker, a module worker refused, node), or one fails, the batch is opened on the page with the
 * same code (sync/open-batch.js): the answers are the same either way, only where they are
 * computed differs.
 */

import { openBatch, workerContext } from './open-batch.js';
import { openStates } from './open-records.js';

const WORKER_URL = new URL('./crypto-worker.js', import.meta.url);
// Items a worker gets at most in one message: smaller parts spread a page more evenly.
const PART = 250;

/**
 * How many workers suit this device: one a core, two to four. While they work the page's own
 * thread mostly waits (it stores pages and draws the list), so it needs no core of its own.
 */
export function poolSize(cores = globalThis.navigator?.hardwareConcurrency ?? 2) {
  return Math.max(2, Math.min(4, cores || 2));
}

/** The pool was closed (the app locked) while a batch was being opened. */
export class PoolClosed extends Error {
  constructor() {
    super('the crypto workers were stopped');
    this.name = 'PoolClosed';
  }
}

export class CryptoPool {
  /** `size` workers (made on first use); `make(url)` makes one (tests pass a fake). */
  constructor(options = {}) {
    this.size = options.size ?? poolSize();
    this.make = options.make ?? ((url) => new Worker(url, { type: 'module', name: 'zapis-crypto' }));
    this.workers = null;
    this.broken = typeof globalThis.Worker !== 'function' && !options.make;
    this.seq = 0;
    this.waiting = new Map();
    this.opened = { worker: 0, page: 0 }; // items opened by each path (the catch-up test reads it)
  }

  #start() {
    if (this.workers || this.broken) return;
    try {
      this.workers = Array.from({ length: this.size }, () => {
        const w = this.make(WORKER_URL);
        w.addEventListener('message', (e) => this.#answer(e.data));
        w.addEventListener('error', () => this.#fail());
        return { w, busy: 0 };
      });
    } catch {
      this.#fail();
    }
  }

  /** Start the workers now (at unlock), so their modules load while the first page travels. */
  warm() {
    if (!this.closed) this.#start();
  }

  #answer(data) {
    const job = this.waiting.get(data?.id);
    if (!job) return;
    this.waiting.delete(data.id);
    job.worker.busy -= 1;
    if (data.error || !Array.isArray(data.answers)) job.reject(new Error(data.error || 'no answer'));
    else job.resolve(data);
  }

  // A worker that cannot start or breaks: every batch from now on is opened on the page.
  #fail() {
    this.broken = true;
    for (const [id, job] of this.waiting) {
      this.waiting.delete(id);
      job.reject(new Error('the crypto worker failed'));
    }
    for (const { w } of this.workers ?? []) w.terminate();
    this.workers = null;
  }

  #send(message) {
    const worker = this.workers.reduce((a, b) => (b.busy < a.busy ? b : a));
    const id = ++this.seq;
    worker.busy += 1;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject, worker });
      worker.w.postMessage({ ...message, id });
    });
  }

  #parts(list) {
    const parts = [];
    const per = Math.min(PART, Math.ceil(list.length / this.size));
    for (let i = 0; i < list.length; i += per) parts.push(list.slice(i, i + per));
    return parts;
  }

  /**
   * Open record states for the list as sync/open-records.js's openStates does (`plain`: its
   * context without functions); resolves to {answers, names}.
   */
  async openRecords(states, plain, localKey) {
    if (this.closed) throw new PoolClosed();
    this.#start();
    if (!this.broken && states.length) {
      try {
        const done = await Promise.all(this.#parts(states).map((p) => this.#send({ type: 'records', states: p,
          ctx: plain, localKey })));
        this.opened.worker += states.length;
        return { answers: done.flatMap((d) => d.answers), names: [...new Set(done.flatMap((d) => d.names ?? []))] };
      } catch (err) {
        if (err instanceof PoolClosed) throw err;
        // else fall through: opened on the page instead
      }
    }
    this.opened.page += states.length;
    return openStates(states, plain, localKey);
  }

  /** Open `items` ([{kind, item}]) as sync/open-batch.js's openBatch does; resolves to the answers in order. */
  async open(items, ctx) {
    if (this.closed) throw new PoolClosed();
    this.#start();
    if (!this.broken && items.length) {
      const plain = workerContext(ctx);
      try {
        const answers = (await Promise.all(this.#parts(items).map((p) => this.#send({ items: p, ctx: plain }))))
          .flatMap((d) => d.answers);
        this.opened.worker += items.length;
        return answers;
      } catch (err) {
        if (err instanceof PoolClosed) throw err;
        // else fall through: opened on the page instead
      }
    }
    this.opened.page += items.length;
    return openBatch(items, ctx);
  }

  /**
   * Stop the workers (at lock: nothing stays in them, and nothing runs on). What waits for them
   * is refused at once, so a run stopped by the lock ends instead of waiting for ever; a closed
   * pool opens nothing more.
   */
  close() {
    this.closed = true;
    for (const { w } of this.workers ?? []) w.terminate();
    this.workers = null;
    for (const [id, job] of this.waiting) {
      this.waiting.delete(id);
      job.reject(new PoolClosed());
    }
  }
}
