// Bounded contexts on the PWA's side (issue 10, point 1): a pulled write whose context names this
// device above the highest dot it issued for that record and field is held back as a problem
// (`unseen_context`) and not merged, so a hostile server passing on an inflated write cannot make
// this device's edits vanish. The check runs where the verified page is applied, in the store's
// transaction (no crypto there).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { LocalStore } from '../../pwa/static/js/store/local.js';
import { memoryAdapter } from '../../pwa/static/js/store/memory-adapter.js';
import { SyncStore } from '../../pwa/static/js/store/sync-store.js';

const WS = '4f6c1a8e-2b7d-4c1e-9a3f-0d5e6b7c8a9b';
const REC = '0c2d9a4e-7f1b-4a3c-8d5e-6f7a8b9c0d1e';
const ME = 'MMMMMMMMMMMMMMMMMMMMMM';
const VOL = 'VVVVVVVVVVVVVVVVVVVVVV';

const write = (field, dot, ctx, tag) => ({ field, dot, ctx, nonce: `n${tag}`, ct: `c${tag}` });
const change = (device, writes) => ({ workspace: WS, record: REC, device, writes,
  sig: `s-${device}-${writes[0].dot[1]}` });
const page = (changes) => ({ device: ME, devices: [], wraps: [], changes, purges: [], quarantine: [], released: [],
  problems: [] });

async function stores() {
  const adapter = memoryAdapter();
  const local = new LocalStore(adapter);
  const sync = new SyncStore(adapter);
  // This device made the record (dot 1) and edited its status offline (dot 2, not yet pushed).
  await local.commitChange({ change: change(ME, [write('status', [ME, 1], {}, 'm1')]), wrap: { record: REC } });
  await local.commitChange({ change: change(ME, [write('status', [ME, 2], { [ME]: 1 }, 'm2')]) });
  return { local, sync };
}

test('a save keeps the highest dot this device issued per field', async () => {
  const { local } = await stores();
  assert.deepEqual((await local.getRecord(REC)).issued, { status: 2 });
});

test('a pulled write naming a dot of this device it never issued is held back, not merged', async () => {
  const { local, sync } = await stores();
  const inflated = change(VOL, [write('status', [VOL, 1], { [ME]: 1002 }, 'v1')]);
  const fine = change(VOL, [write('notes', [VOL, 2], { [VOL]: 1 }, 'v2')]);
  const { counts } = await sync.applyPage(page([inflated, fine]), 7);
  assert.equal(counts.problems, 1);
  assert.equal(counts.writes, 1);
  const [problem] = await sync.problems();
  assert.equal(problem.code, 'unseen_context');
  assert.equal(problem.record, REC);
  assert.equal(problem.device, VOL);
  const state = await local.getRecord(REC);
  assert.deepEqual(state.fields.status.map((w) => w.dot), [[ME, 2]], 'this device\'s offline edit stays');
  assert.deepEqual(state.fields.notes.map((w) => w.dot), [[VOL, 2]]);
  assert.equal(await sync.cursor(), 7);
});

test('naming exactly what this device issued, or only other devices, merges as before', async () => {
  const { local, sync } = await stores();
  const saw = change(VOL, [write('status', [VOL, 1], { [ME]: 2, ZZZZZZZZZZZZZZZZZZZZZZ: 40 }, 'v1')]);
  const { counts } = await sync.applyPage(page([saw]), 3);
  assert.equal(counts.problems, 0);
  assert.deepEqual((await local.getRecord(REC)).fields.status.map((w) => w.dot), [[VOL, 1]]);
  // The covered dot still counts: a later write naming it is honest.
  const later = change(VOL, [write('status', [VOL, 2], { [ME]: 2, [VOL]: 1 }, 'v2')]);
  assert.equal((await sync.applyPage(page([later]), 4)).counts.problems, 0);
});

test('a counter reached on one field cannot be borrowed for another', async () => {
  const { sync } = await stores();
  const borrowed = change(VOL, [write('city', [VOL, 1], { [ME]: 2 }, 'v1')]);
  const { counts } = await sync.applyPage(page([borrowed]), 3);
  assert.equal(counts.problems, 1);
});

test('this device\'s own pulled writes raise what it knows it issued (a store restored from a copy)', async () => {
  const { local, sync } = await stores();
  const mine = change(ME, [write('status', [ME, 5], { [ME]: 4 }, 'm5')]);
  await sync.applyPage(page([mine]), 3);
  assert.deepEqual((await local.getRecord(REC)).issued, { status: 5 });
  const saw = change(VOL, [write('status', [VOL, 1], { [ME]: 5 }, 'v1')]);
  assert.equal((await sync.applyPage(page([saw]), 4)).counts.problems, 0);
});
