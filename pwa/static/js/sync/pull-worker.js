/**
 * The pull worker (a module worker made by sync/pull-thread.js): a sync run's pull, off the
 * page's thread. It fetches the pages, has them verified by crypto workers of its own
 * (sync/crypto-pool.js, nested workers), stores them through a connection of its own
 * (store/buckets.js dataAdapter) and opens their records for the list; the page only lists what
 * it is sent (sync/pull-run.js has the messages). It is started on the lock screen so that its
 * code and its crypto workers are loaded by the time the passphrase is typed, holds no key or
 * record between runs but what a run's message brings, and ends with the session (terminated
 * at lock, its crypto workers with it).
 *
 *   in:  {type: 'pull', id, kind, ...}   start a run (sync/pull-run.js startRun)
 *   in:  {type: 'listed' | 'stop', id}   about the run under way
 *   out: {type: 'broken', id, message}   it cannot store here: the page pulls instead
 */

import { request } from '../api.js';
import { dataAdapter } from '../store/buckets.js';
import { CryptoPool } from './crypto-pool.js';
import { startRun } from './pull-run.js';

const pool = new CryptoPool();
pool.warm();
let run = null;

const post = (message) => self.postMessage(message);

self.addEventListener('message', (event) => {
  const msg = event.data ?? {};
  if (msg.type === 'pull') {
    let adapter;
    try {
      adapter = dataAdapter(msg.kind);
    } catch (err) {
      post({ type: 'broken', id: msg.id, message: String(err?.message ?? err) });
      return;
    }
    const mine = startRun(msg, { post, adapter, pool, fetch: request });
    run = { id: msg.id, ...mine };
    mine.done.finally(() => { if (run?.id === msg.id) run = null; });
  } else if (msg.type === 'listed' && run?.id === msg.id) {
    run.listed();
  } else if (msg.type === 'stop' && run?.id === msg.id) {
    run.stop();
  }
});

