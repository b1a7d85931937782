// The storage layer on both paths (store/buckets.js): with Storage Buckets (a fake
// navigator.storageBuckets over the in-memory adapter) the vault and the data live in two named
// buckets and erasing deletes them, the vault's first; without, values are overwritten with
// random bytes before their rows are deleted. An install from before buckets moves in once.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { Session } from '../../pwa/static/js/session.js';
import { BUCKETS, MOVED, SPARE, bucketAdapter, overwriteAdapter } from '../../pwa/static/js/store/buckets.js';
import { SyncStore } from '../../pwa/static/js/store/sync-store.js';
import { LocalStore } from '../../pwa/static/js/store/local.js';
import { memoryAdapter } from '../../pwa/static/js/store/memory-adapter.js';

const WORKSPACE = '4f6c1a8e-2b7d-4c1e-9a3f-0d5e6b7c8a9b';
const PASSPHRASE = 'kettle river seven mittens';
const DURESS = 'lemon harbour quietly nine';
const TOKEN = 'bearer-token-canary-123456';
const CANARY = 'Canary-Bucket-Ўлада-5521';

/** navigator.storageBuckets, as far as the app uses it: each bucket holds one in-memory database. */
function fakeBuckets() {
  const held = new Map();
  const deleted = [];
  return {
    held,
    deleted,
    async open(name) {
      if (!held.has(name)) held.set(name, memoryAdapter());
      return { name, indexedDB: held.get(name) };
    },
    async delete(name) {
      deleted.push(name);
      held.delete(name);
    },
    async keys() { return [...held.keys()]; },
  };
}

/** The bucket adapter over the fake: `connect` opens the bucket on each use, as a reopened IDB would. */
function bucketed(buckets, legacy = null) {
  return bucketAdapter({
    buckets,
    legacy,
    connect: (name) => ({
      transaction: async (stores, mode, fn) => (await buckets.open(name)).indexedDB.transaction(stores, mode, fn),
      close: async () => {},
    }),
  });
}

function stubServer() {
  globalThis.fetch = async (path, init) => {
    const body = path === '/api/enroll'
      ? { workspace: WORKSPACE, device: JSON.parse(init.body).device.id, role: 'volunteer', token: TOKEN }
      : { devices: [] };
    return new Response(JSON.stringify(body), { status: path === '/api/enroll' ? 201 : 200 });
  };
}

async function join(adapter) {
  stubServer();
  const session = new Session(new LocalStore(adapter), { wipe: (store) => store.destroy() });
  await session.init();
  await session.join({ code: 'invite-code', workspace: WORKSPACE, fingerprint: 'f'.repeat(43),
    passphrase: PASSPHRASE });
  await session.records.save({ values: { kind: 'incident', category: 'bank', description: CANARY } });
  return session;
}

const rows = (adapter) => Object.fromEntries(Object.entries(adapter.dump()).filter(([, r]) => r.length));

test('with buckets, the vault and the data live in two buckets, and no transaction spans both', async () => {
  const buckets = fakeBuckets();
  const session = await join(bucketed(buckets));
  assert.deepEqual([...buckets.held.keys()].sort(), [BUCKETS.data, BUCKETS.vault]);
  assert.deepEqual(Object.keys(rows(buckets.held.get(BUCKETS.vault))), ['vault']);
  const data = rows(buckets.held.get(BUCKETS.data));
  assert.equal('vault' in data, false);
  assert.ok(data.records.length === 1 && data.outbox.length >= 1 && data.cache.length === 1);
  assert.equal(session.store.erasure, 'buckets');
  await assert.rejects(session.store.adapter.transaction(['meta', 'vault'], 'readonly', async () => {}),
    /one place/);
  // Locked and opened again: everything is read back from the buckets.
  await session.lock();
  assert.equal((await session.unlock(PASSPHRASE)).status, 'open');
  assert.equal(session.records.list()[0].title, CANARY);
});

test('with buckets, erasing deletes the buckets, the vault first', async () => {
  const buckets = fakeBuckets();
  const session = await join(bucketed(buckets));
  await session.wipe();
  assert.deepEqual(buckets.deleted, [BUCKETS.vault, BUCKETS.data]);
  assert.deepEqual([...buckets.held.keys()], []);
  assert.equal(session.state, 'empty');
});

test('with buckets, the failure limit deletes both buckets', async () => {
  const buckets = fakeBuckets();
  const session = await join(bucketed(buckets));
  await session.saveSettings({ wipeAfter: 1 });
  await session.lock();
  assert.equal((await session.unlock('not the passphrase')).status, 'wiped');
  assert.deepEqual(buckets.deleted, [BUCKETS.vault, BUCKETS.data]);
  assert.deepEqual([...buckets.held.keys()], []);
});

test('with buckets, duress deletes the vault bucket first and leaves what a never-joined install holds', async () => {
  const buckets = fakeBuckets();
  const session = await join(bucketed(buckets));
  await session.saveSettings({ lang: 'pl', idleMinutes: 1, panicWipe: true });
  assert.equal(await session.setDuress(DURESS), true);
  await session.lock();
  assert.equal((await session.unlock(DURESS)).status, 'empty');
  assert.deepEqual(buckets.deleted, [BUCKETS.vault, BUCKETS.data]);

  // An install that never joined, whose person picked the same language on the welcome screen.
  const stranger = fakeBuckets();
  const fresh = new Session(new LocalStore(bucketed(stranger)));
  await fresh.init();
  await fresh.saveSettings({ lang: 'pl' });
  assert.deepEqual([...buckets.held.keys()], [...stranger.held.keys()]);
  assert.deepEqual(rows(buckets.held.get(BUCKETS.data)), rows(stranger.held.get(BUCKETS.data)));
  assert.deepEqual(session.settings, fresh.settings);
  assert.equal(session.state, 'empty');
  const remembered = JSON.stringify({ session, settings: session.settings });
  assert.equal(remembered.includes(WORKSPACE), false);
  // Started again (a reload), it is a welcome screen like any other.
  const again = new Session(new LocalStore(bucketed(buckets)));
  assert.equal(await again.init(), 'empty');
});

test('an install from before buckets moves into them once, and the old database is deleted', async () => {
  const old = memoryAdapter();
  const session = await join(old);
  await session.lock();
  let present = true;
  const legacy = { adapter: old, exists: async () => present,
    remove: async () => { present = false; await old.destroy(); } };
  const buckets = fakeBuckets();
  const moved = new Session(new LocalStore(bucketed(buckets, legacy)));
  assert.equal(await moved.init(), 'locked');
  assert.equal(present, false);
  assert.deepEqual(rows(old), {});
  assert.equal(typeof (await moved.store.getMeta(MOVED)), 'number');
  assert.equal((await moved.unlock(PASSPHRASE)).status, 'open');
  assert.equal(moved.records.list()[0].title, CANARY);
  // A record saved after the move takes the next outbox number: nothing queued is overwritten.
  const before = await moved.store.outbox();
  await moved.records.save({ values: { kind: 'need', category: 'legal', description: 'after' } });
  const after = await moved.store.outbox();
  assert.ok(after.length > before.length);
  assert.deepEqual(after.slice(0, before.length), before);
});

test('an interrupted move starts again from the top, and never leaves a half-joined device', async () => {
  const old = memoryAdapter();
  const session = await join(old);
  await session.lock();
  let present = true;
  let failVault = true;
  const legacy = { adapter: old, exists: async () => present, remove: async () => { present = false; } };
  const buckets = fakeBuckets();
  const adapter = bucketAdapter({
    buckets,
    legacy,
    connect: (name) => ({
      transaction: async (stores, mode, fn) => {
        if (name === BUCKETS.vault && mode === 'readwrite' && failVault) throw new Error('the tab was closed');
        return (await buckets.open(name)).indexedDB.transaction(stores, mode, fn);
      },
      close: async () => {},
    }),
  });
  await assert.rejects(new LocalStore(adapter).getMeta('device'), /closed/);
  assert.equal(present, true); // the old database is still there
  failVault = false;
  const moved = new Session(new LocalStore(adapter));
  assert.equal(await moved.init(), 'locked');
  assert.equal(present, false);
  assert.equal((await moved.unlock(PASSPHRASE)).status, 'open');
});

test('with buckets, travel mode remakes the data bucket: the erased records leave with the old one', async () => {
  const buckets = fakeBuckets();
  const session = await join(bucketed(buckets));
  const old = buckets.held.get(BUCKETS.data);
  await session.store.adapter.transaction(['outbox'], 'readwrite', (tx) => tx.clear('outbox')); // all sent
  const [id] = await session.store.recordIds();
  const replica = new SyncStore(session.store.adapter);
  assert.deepEqual(await replica.eraseSynced(), [id]);
  assert.deepEqual(buckets.deleted, [BUCKETS.data, SPARE]);
  assert.notEqual(buckets.held.get(BUCKETS.data), old); // a new bucket; the old one is gone
  assert.deepEqual([...buckets.held.keys()].sort(), [BUCKETS.data, BUCKETS.vault]);
  const data = rows(buckets.held.get(BUCKETS.data));
  assert.equal('records' in data, false);
  assert.deepEqual(Object.fromEntries(data.meta).away, [id]);
  // Everything else came along: the device unlocks, knows what it erased, and keeps its draft.
  await session.lock();
  assert.equal((await session.unlock(PASSPHRASE)).status, 'open');
  assert.equal(await replica.awayCount(), 1);
  // Nothing erased, nothing remade.
  buckets.deleted.length = 0;
  assert.deepEqual(await replica.eraseSynced(), []);
  assert.deepEqual(buckets.deleted, []);
});

test('with buckets, a write made while the data bucket is remade waits and lands in the new one', async () => {
  const buckets = fakeBuckets();
  const session = await join(bucketed(buckets));
  const old = buckets.held.get(BUCKETS.data);
  const remade = session.store.adapter.rotate();
  const wrote = session.store.putMeta('late', 'written during the remake');
  await Promise.all([remade, wrote]);
  assert.notEqual(buckets.held.get(BUCKETS.data), old);
  assert.equal(await session.store.getMeta('late'), 'written during the remake');
  assert.equal(Object.fromEntries(rows(buckets.held.get(BUCKETS.data)).meta).late, 'written during the remake');
});

test('with buckets, a remake interrupted after its copy is finished at the next start', async () => {
  const buckets = fakeBuckets();
  let failData = false;
  const connect = (name) => ({
    transaction: async (stores, mode, fn) => {
      if (name === BUCKETS.data && mode === 'readwrite' && failData && buckets.held.has(SPARE)) {
        throw new Error('the tab was closed');
      }
      return (await buckets.open(name)).indexedDB.transaction(stores, mode, fn);
    },
    close: async () => {},
  });
  const session = await join(bucketAdapter({ buckets, connect }));
  await session.store.adapter.transaction(['outbox'], 'readwrite', (tx) => tx.clear('outbox'));
  await session.lock();
  failData = true; // the copy reaches the spare, the old data bucket goes, the new one fails
  await assert.rejects(new SyncStore(session.store.adapter).eraseSynced(), /closed/);
  assert.equal(buckets.held.has(BUCKETS.data), false);
  assert.ok(buckets.held.has(SPARE));
  failData = false;
  const again = new Session(new LocalStore(bucketAdapter({ buckets, connect })));
  assert.equal(await again.init(), 'locked');
  assert.deepEqual([...buckets.held.keys()].sort(), [BUCKETS.data, BUCKETS.vault]);
  assert.equal((await again.unlock(PASSPHRASE)).status, 'open');
  assert.equal((await again.store.getMeta('away')).length, 1);
});

test('with buckets, an empty spare left by a remake that never copied is dropped', async () => {
  const buckets = fakeBuckets();
  await join(bucketed(buckets));
  await buckets.open(SPARE);
  const again = new Session(new LocalStore(bucketed(buckets)));
  assert.equal(await again.init(), 'locked');
  assert.equal(buckets.held.has(SPARE), false);
  assert.equal((await again.unlock(PASSPHRASE)).status, 'open');
});

test('without buckets, erasing overwrites every value with random bytes before deleting it', async () => {
  const inner = memoryAdapter();
  const written = [];
  const spying = {
    ...inner,
    transaction: (stores, mode, fn) => inner.transaction(stores, mode, (tx) => fn({
      ...tx,
      put: (s, v, k) => { written.push([s, v]); return tx.put(s, v, k); },
    })),
  };
  const adapter = overwriteAdapter(spying);
  const session = await join(adapter);
  assert.equal(session.store.erasure, 'overwrite');
  const vaultBefore = structuredClone(inner.dump().vault[0][1]);
  const countBefore = Object.values(inner.dump()).reduce((n, r) => n + r.length, 0);
  written.length = 0;
  await session.wipe();
  assert.deepEqual(rows(inner), {});
  // Every row got noise first, the vault's before anything else, and the noise is as big as the value.
  assert.equal(written.length, countBefore);
  assert.equal(written[0][0], 'vault');
  assert.ok(written[0][1].byteLength >= vaultBefore.ct.length);
  for (const [store, value] of written) {
    const noise = value instanceof Uint8Array ? value : value.noise;
    assert.ok(noise instanceof Uint8Array && noise.byteLength >= 16, store);
  }
  assert.equal(JSON.stringify(written).includes(CANARY), false);
});

test('without buckets, duress leaves the same stranger as with them', async () => {
  const inner = memoryAdapter();
  const session = await join(overwriteAdapter(inner));
  await session.saveSettings({ lang: 'lt' });
  assert.equal(await session.setDuress(DURESS), true);
  await session.lock();
  assert.equal((await session.unlock(DURESS)).status, 'empty');
  assert.deepEqual(rows(inner), { meta: [['settings', { ...session.settings, lang: 'lt' }]] });
  assert.equal(session.device, null);
});
