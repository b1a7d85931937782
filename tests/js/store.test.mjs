// The local store's encode/decode boundary, over the in-memory adapter: what is stored is the
// ciphertext that will sync, a save is one signed change in one transaction, and nothing
// readable is left in the stored rows.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { b64encode } from '../../pwa/static/js/core/b64.js';
import { keyCommitment, unwrapKey, verifyChange } from '../../pwa/static/js/core/envelopes.js';
import { FIRST_CHANGE_WRITES } from '../../pwa/static/js/core/field-ids.js';
import { exportPublic, generateDeviceKeys } from '../../pwa/static/js/core/keys.js';
import { importLocalKey, newLocalKey } from '../../pwa/static/js/crypto/local-box.js';
import { Drafts } from '../../pwa/static/js/drafts.js';
import { epochOf, kcOf } from '../../pwa/static/js/core/record-state.js';
import { Records, versionOf } from '../../pwa/static/js/records.js';
import { LocalStore, StaleStateError } from '../../pwa/static/js/store/local.js';
import { memoryAdapter } from '../../pwa/static/js/store/memory-adapter.js';

const WORKSPACE = '4f6c1a8e-2b7d-4c1e-9a3f-0d5e6b7c8a9b';
const CANARY = 'Canary-Ясь-Kupała-7731';

async function device(store) {
  const keys = await generateDeviceKeys();
  const coordinator = await generateDeviceKeys();
  const identity = {
    workspace: WORKSPACE, device: b64encode(crypto.getRandomValues(new Uint8Array(16))),
    signKey: keys.sign.privateKey, ecdhKey: keys.ecdh.privateKey, localKey: await importLocalKey(newLocalKey()),
    ownEcdh: await exportPublic(keys.ecdh.publicKey), signPublic: await exportPublic(keys.sign.publicKey),
    recipients: [{ id: 'coordinatorAAAAAAAAAAAA', ecdh_key: await exportPublic(coordinator.ecdh.publicKey) }],
  };
  return { identity, records: new Records(store, identity) };
}

// Everything stored, as text; bytes are read as UTF-8 so a plaintext stored as bytes would show.
function raw(adapter) {
  return JSON.stringify(adapter.dump(), (k, v) => (ArrayBuffer.isView(v) ? new TextDecoder().decode(v) : v));
}

test('a saved record is stored as ciphertext and read back as the values that were saved', async () => {
  const adapter = memoryAdapter();
  const store = new LocalStore(adapter);
  const { identity, records } = await device(store);
  const values = { kind: 'incident', category: 'bank', description: CANARY, city: 'Białystok', tags: ['bank'] };
  const id = await records.save({ values });
  assert.equal(raw(adapter).includes(CANARY), false);
  assert.equal(raw(adapter).includes('Białystok'), false);
  const view = await records.read(id);
  // The form's fields as saved, and `_deleted` false: every first change writes it (protocol 3).
  assert.deepEqual(view.values, { ...values, _deleted: false });
  assert.deepEqual(view.conflicts, []);

  // A new session (after a lock) finds the record through its sealed cache entry.
  const again = new Records(store, identity);
  const [summary] = await again.load();
  assert.equal(summary.id, id);
  assert.equal(summary.category, 'bank');
  assert.ok(summary.search.includes(CANARY.toLowerCase()));
});

test('one save is one signed change whose writes enter the live sets and the outbox together', async () => {
  const adapter = memoryAdapter();
  const store = new LocalStore(adapter);
  const { identity, records } = await device(store);
  const id = await records.save({ values: { kind: 'need', category: 'legal', description: 'x' } });
  const outbox = await store.outbox();
  // Wraps for this device and the trusted coordinator, then the one change.
  assert.deepEqual(outbox.map((i) => (i.wrap ? 'wrap:' + i.wrap.recipient : 'change')),
    ['wrap:' + identity.device, 'wrap:coordinatorAAAAAAAAAAAA', 'change']);
  const change = outbox[2].change;
  // Three values, `_deleted` and padding: as many writes as every record's first change.
  assert.equal(change.writes.length, FIRST_CHANGE_WRITES);
  assert.ok(await verifyChange(identity.signPublic, change));
  const state = await store.getRecord(id);
  // Each live value keeps its change's key commitment and key epoch, which the change signs: here
  // the state's default (`kd`, core/record-state.js), so no write repeats them, nor its field.
  assert.equal(change.kc, await keyCommitment(await unwrapKey(outbox[0].wrap, identity.ecdhKey)));
  assert.equal(change.e, 0);
  assert.equal(state.kd, change.kc);
  for (const w of change.writes) {
    assert.deepEqual(state.fields[w.field], [{ dot: w.dot, ctx: w.ctx, nonce: w.nonce, ct: w.ct }]);
    assert.equal(kcOf(state, state.fields[w.field][0]), change.kc);
    assert.equal(epochOf(state.fields[w.field][0]), 0);
  }
  assert.deepEqual(state.kcs, { [change.kc]: [identity.device] });
});

test('an edit writes only the changed fields, each covering the value it replaces', async () => {
  const store = new LocalStore(memoryAdapter());
  const { identity, records } = await device(store);
  const before = { kind: 'need', category: 'legal', description: 'first' };
  const id = await records.save({ values: before });
  await records.save({ id, values: { ...before, description: 'second' }, before });
  const changes = (await store.outbox()).filter((i) => i.change).map((i) => i.change);
  const description = await records.fieldOf(id, 'description');
  assert.match(description, /^[A-Za-z0-9_-]{22}$/);
  assert.deepEqual(changes[1].writes.map((w) => w.field), [description]);
  assert.deepEqual(changes[1].writes[0].dot, [identity.device, 2]);
  assert.deepEqual(changes[1].writes[0].ctx, { [identity.device]: 1 });
  const state = await store.getRecord(id);
  assert.equal(state.fields[description].length, 1);
  assert.equal((await records.read(id)).values.description, 'second');
});

test('a soft delete is a write to _deleted and the record leaves the list of live records', async () => {
  const store = new LocalStore(memoryAdapter());
  const { records } = await device(store);
  const values = { kind: 'incident', category: 'shop', description: 'y' };
  const id = await records.save({ values });
  await records.remove(id, values);
  assert.equal((await records.read(id)).values._deleted, true);
  assert.equal(records.list().find((s) => s.id === id).deleted, true);
});

test('a dot already taken by another save is never issued twice', async () => {
  const store = new LocalStore(memoryAdapter());
  const { identity, records } = await device(store);
  const values = { kind: 'need', category: 'money', description: 'a' };
  const id = await records.save({ values });
  const [change] = (await store.outbox()).filter((i) => i.change).map((i) => i.change);
  // Replaying the first change (its dots are taken) is refused by the store.
  await assert.rejects(store.commitChange({ change }), StaleStateError);
  assert.equal((await store.outbox()).length, 3);
  // Two saves racing on the same field both succeed with distinct dots.
  const other = new Records(store, identity);
  await other.load();
  await Promise.all([
    records.save({ id, values: { ...values, description: 'b' }, before: values }),
    other.save({ id, values: { ...values, description: 'c' }, before: values }),
  ]);
  const dots = (await store.outbox()).filter((i) => i.change)
    .flatMap((i) => i.change.writes.map((w) => w.field + ':' + w.dot.join('/')));
  assert.equal(new Set(dots).size, dots.length);
  assert.ok(dots.includes(`${await records.fieldOf(id, 'description')}:${identity.device}/3`));
});

test('a failed transaction leaves nothing behind', async () => {
  const adapter = memoryAdapter();
  await assert.rejects(adapter.transaction(['records', 'outbox'], 'readwrite', async (tx) => {
    await tx.put('records', { id: 'r', fields: {} });
    await tx.add('outbox', { record: 'r' });
    throw new Error('boom');
  }), /boom/);
  assert.equal(raw(adapter).includes('"r"'), false);
});

test('a stale or missing cache entry is made again from the record itself', async () => {
  const store = new LocalStore(memoryAdapter());
  const { identity, records } = await device(store);
  const id = await records.save({ values: { kind: 'need', category: 'food', description: 'soup' } });
  const [entry] = await store.allCache();
  await store.putCache({ ...entry, version: 'old' });
  // Its version is not the record's tag: opened from the record at once, and its entry remade.
  const again = new Records(store, identity);
  assert.equal((await again.load())[0].id, id);
  assert.equal((await store.allCache())[0].version, versionOf(await store.getRecord(id)));
  assert.equal(await again.verify(), false);
  // A record without a cache entry (pulled by the sync engine) is decrypted on load.
  await store.adapter.transaction(['cache'], 'readwrite', (tx) => tx.clear('cache'));
  const third = new Records(store, identity);
  assert.equal((await third.load())[0].category, 'food');
});

test('every stored record state carries the version tag of its live sets, read without the records', async () => {
  const store = new LocalStore(memoryAdapter());
  const { records } = await device(store);
  const id = await records.save({ values: { kind: 'need', category: 'food', description: 'soup' } });
  await records.save({ id, values: { kind: 'need', category: 'shelter' }, before: { kind: 'need', category: 'food' } });
  const state = await store.getRecord(id);
  assert.equal(state.v, versionOf(state));
  const { ids, tags } = await store.recordVersions();
  assert.deepEqual(ids, [id]);
  assert.equal(tags.get(id), state.v);
});

// The pack, then the record changed behind its cache entry and its pack (as a pull or another tab
// would, with a stale entry left over): the next unlock lists what the record holds now.
test('a record changed since its entry was packed is never listed with the packed values', async () => {
  const adapter = memoryAdapter();
  const store = new LocalStore(adapter);
  const { identity, records } = await device(store);
  const values = { kind: 'need', category: 'food', description: CANARY };
  const ids = [];
  for (let i = 0; i < 3; i++) ids.push(await records.save({ values: { ...values, city: `City ${i}` } }));
  assert.equal(await records.pack(), true);
  assert.equal((await store.allPacks()).length, 1);
  assert.equal(raw(adapter).includes(CANARY), false); // sealed like the cache entries
  assert.equal(raw(adapter).includes('City 1'), false);
  const [old] = await store.getCaches([ids[1]]);
  await records.save({ id: ids[1], values: { ...values, city: 'Grodno' }, before: { ...values, city: 'City 1' } });
  await store.putCache(old); // the stale entry back: neither it nor the pack is of the record's tag

  const again = new Records(store, identity);
  const listed = new Map((await again.load()).map((s) => [s.id, s]));
  assert.equal(listed.get(ids[1]).city, 'Grodno');
  assert.equal(listed.get(ids[0]).city, 'City 0');
  assert.deepEqual([...again.loose], [ids[1]]); // the others came from the pack
  assert.equal(again.unchecked, 0); // each was checked against its record's tag
  assert.equal(await again.settle(), false);
  assert.equal(await again.verify(), false);
});

test('the packs are sealed again once enough entries are loose, and hold them as they are now', async () => {
  const store = new LocalStore(memoryAdapter());
  const { identity, records } = await device(store);
  for (let i = 0; i < 40; i++) await records.save({ values: { kind: 'need', category: 'food', city: `C${i}` } });
  const again = new Records(store, identity);
  await again.load();
  assert.equal(again.loose.size, 40); // no packs yet: every entry from its own
  assert.equal(await again.settle(), false);
  assert.equal(again.loose.size, 0);
  const third = new Records(store, identity);
  await third.load();
  assert.equal(third.loose.size, 0); // all from the pack
  assert.equal(third.list().length, 40);
});

test('a damaged pack costs only time: its records come from their own entries', async () => {
  const store = new LocalStore(memoryAdapter());
  const { identity, records } = await device(store);
  const id = await records.save({ values: { kind: 'need', category: 'food' } });
  await records.pack();
  const [[key, box]] = await store.allPacks();
  assert.equal(key, 0);
  box.ct[0] ^= 1;
  await store.putPacks([box]);
  const again = new Records(store, identity);
  assert.equal((await again.load())[0].id, id);
  assert.deepEqual([...again.loose], [id]);
});

test('records stored before version tags are opened from their entries, then checked and tagged', async () => {
  const store = new LocalStore(memoryAdapter());
  const { identity, records } = await device(store);
  const id = await records.save({ values: { kind: 'need', category: 'food' } });
  const [entry] = await store.allCache();
  // As stored before tags: no `v`, and an entry from before its last change.
  await store.adapter.transaction(['records', 'cache'], 'readwrite', async (tx) => {
    const { v, ...untagged } = await tx.get('records', id);
    assert.ok(v);
    await tx.put('records', untagged);
    await tx.put('cache', { ...entry, version: 'old' });
  });
  assert.equal((await store.recordVersions()).tags.size, 0);
  const again = new Records(store, identity);
  await again.load();
  assert.equal(again.unchecked, 1);
  assert.equal(await again.settle(), true); // checked: tagged, and its entry remade
  assert.equal(again.unchecked, 0);
  const state = await store.getRecord(id);
  assert.equal((await store.recordVersions()).tags.get(id), versionOf(state));
  assert.equal(again.versions.get(id), versionOf(state));
});

test('the canary check would see a plaintext stored as bytes', () => {
  const adapter = { dump: () => ({ drafts: [['all', { ct: new TextEncoder().encode(CANARY) }]] }) };
  assert.ok(raw(adapter).includes(CANARY));
});

test('drafts are stored sealed and come back after a reload', async () => {
  const adapter = memoryAdapter();
  const store = new LocalStore(adapter);
  const key = await importLocalKey(newLocalKey());
  const drafts = new Drafts(store, key);
  await drafts.set('new:incident', { description: CANARY });
  assert.equal(raw(adapter).includes(CANARY), false);
  const again = new Drafts(store, key);
  await again.load();
  assert.equal(again.get('new:incident').values.description, CANARY);
});
