// When sync runs (sync/schedule.js) on a fake clock: at start, debounced after saves, once more
// after a run that was asked for meanwhile, never offline, and after failures with a backoff
// whose jitter keeps phones apart; and one tab leading (sync/leader.js) over fake Web Locks.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { Leadership } from '../../pwa/static/js/sync/leader.js';
import { BACKOFF_BASE_MS, BACKOFF_MAX_MS, Scheduler, backoff } from '../../pwa/static/js/sync/schedule.js';

function clock() {
  let now = 0;
  let next = 1;
  const timers = new Map();
  const api = {
    now: () => now,
    setTimeout: (fn, ms) => { timers.set(next, { at: now + ms, fn }); return next++; },
    clearTimeout: (id) => timers.delete(id),
    setInterval: (fn, ms) => { const id = next++; timers.set(id, { at: now + ms, fn, every: ms }); return id; },
    clearInterval: (id) => timers.delete(id),
    /** Move time on, firing due timers in order and letting their promises settle. */
    async advance(ms) {
      const end = now + ms;
      for (let i = 0; i < 20; i++) await Promise.resolve(); // what already finished goes first
      for (;;) {
        const due = [...timers.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
        if (!due) break;
        const [id, t] = due;
        now = t.at;
        if (t.every) t.at += t.every;
        else timers.delete(id);
        t.fn();
        for (let i = 0; i < 20; i++) await Promise.resolve();
      }
      now = end;
    },
  };
  return api;
}

function scheduler(results, { online = () => true, random = () => 0.5 } = {}) {
  const c = clock();
  const runs = [];
  const s = new Scheduler(async () => {
    runs.push(c.now());
    return results.shift() ?? { ok: true };
  }, { isOnline: online, random, timers: c, now: c.now, period: 60000, debounce: 1000, base: 4000, max: 60000 });
  return { s, c, runs };
}

test('backoff doubles from its base, stays under its cap, and is jittered between half and all of it', () => {
  assert.equal(backoff(1, { random: () => 0 }), BACKOFF_BASE_MS / 2);
  assert.equal(backoff(1, { random: () => 1 }), BACKOFF_BASE_MS);
  assert.equal(backoff(3, { random: () => 0 }), BACKOFF_BASE_MS * 2);
  assert.equal(backoff(40, { random: () => 1 }), BACKOFF_MAX_MS);
  const spread = new Set(Array.from({ length: 50 }, () => backoff(4)));
  assert.ok(spread.size > 40, 'phones retrying together would hammer the server at once');
});

test('sync runs at start, once for a burst of saves, and again periodically', async () => {
  const { s, c, runs } = scheduler([]);
  s.start();
  await c.advance(10);
  assert.deepEqual(runs, [0]);
  s.poke();
  await c.advance(500);
  s.poke();
  s.poke();
  await c.advance(2000);
  assert.deepEqual(runs, [0, 1010]); // one run, a debounce after the first of the pokes
  await c.advance(60000);
  assert.equal(runs.length, 3);
  s.stop();
  await c.advance(600000);
  assert.equal(runs.length, 3);
});

test('a save during a run gets a run of its own afterwards', async () => {
  const c = clock();
  const runs = [];
  let release;
  const s = new Scheduler(() => {
    runs.push(c.now());
    return runs.length === 1 ? new Promise((r) => { release = () => r({ ok: true }); }) : { ok: true };
  }, { timers: c, now: c.now, debounce: 1000, period: 1e9 });
  s.start();
  await c.advance(1);
  s.poke(0);
  release();
  await c.advance(5000);
  assert.equal(runs.length, 2);
});

test('failed runs are retried with a growing, jittered delay; success and coming online reset it', async () => {
  const fail = { ok: false, retry: true };
  const { s, c, runs } = scheduler([fail, fail, fail, { ok: true }]);
  s.start();
  await c.advance(100000);
  // 0, then +3000 (half of 4 s, plus half the jitter span), +6000, +12000, then success.
  assert.deepEqual(runs.slice(0, 4), [0, 3000, 9000, 21000]);
  assert.equal(s.failures, 0);
  // A failure that cannot be helped by retrying (revoked, refused) is not retried.
  const other = scheduler([{ ok: false, retry: false }]);
  other.s.start();
  await other.c.advance(30000);
  assert.deepEqual(other.runs, [0]);
});

test('after a 429 with Retry-After nothing runs before that time, whatever pokes it', async () => {
  const { s, c, runs } = scheduler([{ ok: false, retry: true, retryAfter: 30000 }, { ok: true }]);
  s.start();
  await c.advance(1000);
  s.poke(0); // a save
  s.reconnected(); // coming online
  await c.advance(28000);
  assert.deepEqual(runs, [0]);
  await c.advance(2000);
  assert.deepEqual(runs, [0, 30000]);
  // After a success, a poke runs at once again.
  await c.advance(1000);
  s.poke(0);
  await c.advance(1);
  assert.deepEqual(runs, [0, 30000, 32000]);
});

test('offline, nothing runs; coming online runs at once', async () => {
  let online = false;
  const { s, c, runs } = scheduler([], { online: () => online });
  s.start();
  s.poke();
  await c.advance(5000);
  assert.deepEqual(runs, []);
  online = true;
  s.reconnected();
  await c.advance(1);
  assert.deepEqual(runs, [5000]);
});

test('one tab leads; when it lets go, the next waiting tab leads', async () => {
  const queue = [];
  const locks = { request: (name, options, fn) => new Promise((resolve, reject) => {
    options.signal.addEventListener('abort', () => {
      const i = queue.findIndex((q) => q.fn === fn);
      if (i > 0) { queue.splice(i, 1); reject(new Error('AbortError')); }
    });
    queue.push({ fn, resolve });
    if (queue.length === 1) grant();
  }) };
  function grant() {
    const head = queue[0];
    if (!head) return;
    Promise.resolve(head.fn()).then(() => { queue.shift(); head.resolve(); grant(); });
  }
  const led = [];
  const a = new Leadership({ lead: () => led.push('a') }, { locks, Channel: null });
  const b = new Leadership({ lead: () => led.push('b') }, { locks, Channel: null });
  await new Promise((r) => setTimeout(r, 0));
  assert.deepEqual(led, ['a']);
  assert.equal(b.leading, false);
  a.release();
  await new Promise((r) => setTimeout(r, 0));
  assert.deepEqual(led, ['a', 'b']);
  assert.equal(b.leading, true);
  b.release();
  // Without Web Locks every tab leads (a double push is harmless: the merge is idempotent).
  const alone = new Leadership({ lead: () => led.push('c') }, { locks: null, Channel: null });
  assert.equal(alone.leading, true);
});
