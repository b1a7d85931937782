// The pull off the page (sync/pull-thread.js, sync/pull-run.js, the logic of sync/pull-worker.js):
// behind a message boundary as a browser's (every message structured-cloned, CryptoKeys included),
// a catch-up pulled, stored and opened in the worker lists exactly what the page's own pull lists,
// the page never stores a pulled page or gets a record state, a lock stops the run between pages
// and the next run resumes, and a worker that cannot store or breaks leaves the pull to the page.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { CryptoPool, PoolClosed } from '../../pwa/static/js/sync/crypto-pool.js';
import { PullThread } from '../../pwa/static/js/sync/pull-thread.js';
import { startRun } from '../../pwa/static/js/sync/pull-run.js';
import { world } from './sync-world.mjs';

// A pull worker in this process: sync/pull-run.js on the phone's own store adapter (the worker's
// connection to the same database), its crypto on a pool that opens in place.
function fakeWorker(adapter, fetch, { broken = false } = {}) {
  const listeners = [];
  const log = [];
  let run = null;
  const pool = new CryptoPool({ size: 1, make: () => { throw new Error('no nested workers here'); } });
  const post = (message) => {
    log.push(message);
    const copy = structuredClone(message);
    setTimeout(() => listeners.forEach((fn) => fn({ data: copy })), 0);
  };
  const worker = {
    log,
    terminated: false,
    addEventListener: (type, fn) => { if (type === 'message') listeners.push(fn); },
    postMessage: (data) => {
      const msg = structuredClone(data);
      setTimeout(() => {
        if (worker.terminated) return;
        if (msg.type === 'pull' && broken) post({ type: 'broken', id: msg.id, message: 'no storage buckets here' });
        else if (msg.type === 'pull') run = startRun(msg, { post, adapter, pool, fetch });
        else if (msg.type === 'listed') run?.listed();
        else if (msg.type === 'stop') run?.stop();
      }, 0);
    },
    terminate: () => {
      worker.terminated = true;
      run?.stop();
    },
  };
  return worker;
}

async function workspace(n) {
  const w = await world();
  const root = await w.phone('coordinator', { root: true });
  const direct = await w.phone('coordinator');
  const paged = await w.phone('coordinator');
  const volunteer = await w.phone('volunteer');
  await volunteer.sync();
  for (let i = 0; i < n; i++) {
    await volunteer.records.save({ values: { kind: 'need', category: 'legal', urgency: 'normal', status: 'new',
      description: `need ${i}`, city: `City ${i}` } });
  }
  await volunteer.sync();
  return { w, root, volunteer, direct, paged };
}

// The phone's engine pulling through `thread`, its pages listed as the sync controller lists them.
function throughThread(phone, thread, packAt) {
  const pages = [];
  let absorbing = Promise.resolve();
  const absorbed = new Set();
  phone.engine.limit = 4;
  phone.engine.pull = (ctx, result, options) => thread.pull(ctx, result, options,
    { kind: 'memory', list: phone.records.pullList(packAt) });
  phone.engine.onPage = (page) => {
    pages.push(page);
    absorbing = absorbing.then(async () => (await phone.records.absorb(page, { pool: thread }))
      .forEach((id) => absorbed.add(id)));
    return absorbing;
  };
  return {
    pages,
    // As the controller's run ends: wait for the pages, open what they did not.
    async sync() {
      const result = await phone.engine.sync();
      await absorbing;
      const left = [...result.changed].filter((id) => !absorbed.has(id));
      await phone.records.reload({ changed: left, purged: [...result.purged], keys: result.keys });
      return result;
    },
  };
}

const byId = (list) => [...list].sort((a, b) => (a.id < b.id ? -1 : 1));

for (const packAt of [1, Infinity]) {
  test(`a catch-up in the pull worker lists what the page's pull lists, the page storing nothing (packAt ${packAt})`,
    async () => {
      const { w, direct, paged } = await workspace(9);
      await direct.sync();
      const worker = fakeWorker(paged.adapter, w.server.fetch);
      const thread = new PullThread({ make: () => worker });
      thread.warm();
      let storedHere = 0;
      paged.replica.applyPage = () => { storedHere += 1; throw new Error('the page stored a pulled page'); };
      const run = throughThread(paged, thread, packAt);
      const result = await run.sync();

      assert.equal(result.ok, true, JSON.stringify(result.errors));
      assert.equal(storedHere, 0);
      assert.deepEqual(thread.pulled, { worker: 1, page: 0 });
      assert.ok(run.pages.length > 3, 'several pages');
      assert.ok(run.pages.every((p) => !('states' in p) && Array.isArray(p.answers)), 'no record state to the page');
      assert.deepEqual(run.pages.map((p) => p.received), [...run.pages.map((p) => p.received)].sort((a, b) => a - b));
      assert.equal(result.changed.size, (await paged.store.recordIds()).length);
      assert.equal(paged.records.list().length, 9);
      assert.deepEqual(byId(paged.records.list()), byId(direct.records.list()));
      for (const s of direct.records.list()) {
        assert.deepEqual(await paged.records.read(s.id), await direct.records.read(s.id));
      }
      assert.equal(await paged.replica.cursor(), await direct.replica.cursor());

      // Locked and opened again: the entries the worker sealed (or the page packed) open the same list.
      const { Records } = await import('../../pwa/static/js/records.js');
      const reopened = new Records(paged.store, paged.identity);
      await reopened.load();
      assert.deepEqual(byId(reopened.list()), byId(direct.records.list()));
      // From the page's pack, or from the entries the worker sealed one by one.
      if (packAt === 1) assert.equal(reopened.loose.size, 0);
      else assert.equal((await paged.store.allCache()).length, 9);
      // The worker closed its store connection before saying the run was done.
      assert.equal(worker.log.at(-1).type, 'done');
      thread.close();
      assert.equal(worker.terminated, true);
    });
}

test('the worker is never sent the device\'s signing key, and the first page is listed before the next is pulled',
  async () => {
    const { w, paged } = await workspace(6);
    const sent = [];
    const worker = fakeWorker(paged.adapter, w.server.fetch);
    const post = worker.postMessage;
    worker.postMessage = (m) => { sent.push(m); post(m); };
    const thread = new PullThread({ make: () => worker });
    const run = throughThread(paged, thread, Infinity);
    let firstListed = false;
    const absorb = paged.records.absorb.bind(paged.records);
    let fetchesBeforeListed = 0;
    const fetch = w.server.fetch;
    paged.records.absorb = async (page, o) => {
      const out = await absorb(page, o);
      firstListed = true;
      return out;
    };
    w.server.fetch = (url, init) => {
      if (!firstListed && url.startsWith('/api/sync/pull')) fetchesBeforeListed += 1;
      return fetch(url, init);
    };
    await run.sync();
    const pull = sent.find((m) => m.type === 'pull');
    assert.equal(JSON.stringify(Object.keys(pull.ctx.me).sort()),
      JSON.stringify(['device', 'ecdhKey', 'ecdhPublic', 'fingerprint', 'role', 'signPublic', 'workspace']));
    assert.ok(sent.some((m) => m.type === 'listed'));
    assert.ok(fetchesBeforeListed <= 2, `${fetchesBeforeListed} pages asked for before the first was listed`);
    thread.close();
  });

test('a lock stops the worker\'s catch-up after the page it stored; the next run resumes from the stored cursor', async () => {
  const { w, paged } = await workspace(8);
  const worker = fakeWorker(paged.adapter, w.server.fetch);
  const thread = new PullThread({ make: () => worker });
  const run = throughThread(paged, thread, Infinity);
  const onPage = paged.engine.onPage;
  let pages = 0;
  paged.engine.onPage = (page) => {
    pages += 1;
    // The lock while the first page is listed: the worker waits for that before it goes on.
    if (pages === 1) paged.engine.stop();
    return onPage(page);
  };
  const statusBefore = await paged.replica.status();
  const stopped = await paged.engine.sync();
  assert.equal(stopped.stopped, true);
  assert.deepEqual(stopped.errors, []);
  assert.deepEqual(await paged.replica.status(), statusBefore, 'a stopped run writes no status');
  const cursor = await paged.replica.cursor();
  assert.ok(cursor > 0);
  assert.ok((await paged.store.recordIds()).length < 8);
  thread.close();
  await assert.rejects(thread.pull({}, {}), PoolClosed);

  // Unlocked again, with a fresh worker: the run goes on from the cursor and ends with every record.
  paged.engine.halted = false;
  paged.engine.onPage = onPage;
  const urls = [];
  const next = new PullThread({ make: () => fakeWorker(paged.adapter, (url, init) => {
    urls.push(url);
    return w.server.fetch(url, init);
  }) });
  paged.engine.pull = (ctx, result, options) => next.pull(ctx, result, options,
    { kind: 'memory', list: paged.records.pullList() });
  const done = await run.sync();
  assert.equal(done.ok, true);
  assert.ok(urls[0].includes(`cursor=${cursor}&`), urls[0]);
  assert.equal(paged.records.list().length, 8);
  next.close();
});

test('a worker that cannot store here, or breaks, leaves the pull to the page: the same records', async () => {
  const { w, direct, paged } = await workspace(5);
  await direct.sync();
  const broken = new PullThread({ make: () => fakeWorker(paged.adapter, w.server.fetch, { broken: true }),
    pool: () => new CryptoPool({ size: 1, make: () => { throw new Error('none'); } }) });
  const run = throughThread(paged, broken, Infinity);
  const result = await run.sync();
  assert.equal(result.ok, true);
  assert.deepEqual(broken.pulled, { worker: 0, page: 1 });
  assert.equal(broken.broken, true);
  assert.deepEqual(byId(paged.records.list()), byId(direct.records.list()));

  // A worker whose pull fails reports the failure as the page's would: a network error, to retry.
  const { paged: other } = await workspace(1);
  const offline = new PullThread({ make: () => fakeWorker(other.adapter, async () => {
    throw new Error('offline');
  }) });
  throughThread(other, offline, Infinity);
  const failed = await other.engine.sync();
  assert.equal(failed.ok, false);
  assert.equal(failed.errors[0].code, 'network');
  assert.equal(failed.retry, true);
  offline.close();
});

test('verify never takes a record a pull listed while it read the store for one erased', async () => {
  const { paged } = await workspace(3);
  const read = paged.store.recordVersions.bind(paged.store);
  paged.store.recordVersions = async () => {
    const before = await read(); // the store as it was: none of the records yet
    await paged.sync(); // a pull stores and lists them meanwhile (the pull worker does so apart)
    return before;
  };
  assert.equal(paged.records.list().length, 0);
  await paged.records.verify();
  assert.equal(paged.records.list().length, 3);
});
