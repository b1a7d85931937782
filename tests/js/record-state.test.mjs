// A record state keeps each key wrap once: the first as `wrap`, the others in `wraps`; states
// stored before that repeated `wrap` in `wraps`, and both forms read alike (core/record-state.js).
// Its live writes repeat neither their field nor the state's default key commitment and epoch.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { epochOf, kcOf, wrapsOf } from '../../pwa/static/js/core/record-state.js';
import { memoryAdapter } from '../../pwa/static/js/store/memory-adapter.js';
import { SyncStore } from '../../pwa/static/js/store/sync-store.js';

const REC = '0c2d9a4e-7f1b-4a3c-8d5e-6f7a8b9c0d1e';
const ME = 'MMMMMMMMMMMMMMMMMMMMMM';
const wrap = (sender) => ({ type: 'zapis/wrap/1', record: REC, recipient: ME, sender, sig: `sig-${sender}` });
const page = (wraps) => ({ device: ME, devices: [], wraps: wraps.map((w) => ({ record: REC, wrap: w })), changes: [],
  purges: [], quarantine: [], released: [], problems: [] });
const stored = (adapter) => adapter.transaction(['records'], 'readonly', (tx) => tx.get('records', REC));

test('a pulled wrap is stored once, the first as wrap and the others in wraps', async () => {
  const adapter = memoryAdapter();
  const sync = new SyncStore(adapter);
  const a = wrap('A');
  const b = wrap('B');
  assert.deepEqual((await sync.applyPage(page([a]), 1)).changed, [REC]);
  let state = await stored(adapter);
  assert.deepEqual(state.wrap, a);
  assert.deepEqual(state.wraps ?? [], []);
  // The same wrap again changes nothing; another one joins `wraps`.
  assert.deepEqual((await sync.applyPage(page([a]), 2)).changed, []);
  await sync.applyPage(page([b, a]), 3);
  state = await stored(adapter);
  assert.deepEqual(state.wrap, a);
  assert.deepEqual(state.wraps, [b]);
  assert.deepEqual(wrapsOf(state), [a, b]);
  assert.equal(JSON.stringify(state).split('sig-A').length - 1, 1, 'the first wrap is stored once');
});

test('a state stored the earlier way (wrap repeated in wraps) reads and grows alike', async () => {
  const adapter = memoryAdapter();
  const sync = new SyncStore(adapter);
  const a = wrap('A');
  const b = wrap('B');
  await adapter.transaction(['records'], 'readwrite', (tx) => tx.put('records', { id: REC, wrap: a, wraps: [a],
    fields: {} }));
  assert.deepEqual(wrapsOf(await stored(adapter)), [a]);
  assert.deepEqual((await sync.applyPage(page([a]), 1)).changed, []);
  await sync.applyPage(page([b]), 2);
  const state = await stored(adapter);
  assert.deepEqual(wrapsOf(state), [a, b]);
  assert.deepEqual(state.wrap, a);
});

const OTHER = 'OOOOOOOOOOOOOOOOOOOOOO';
let n = 0;
const change = (device, kc, e, fields) => {
  const out = { record: REC, device, writes: fields.map(([field, dot, ctx = {}]) => ({ field, dot: [device, dot], ctx,
    nonce: `nonce${++n}`, ct: `ct${n}` })) };
  if (kc !== undefined) out.kc = kc;
  if (e !== undefined) out.e = e;
  return out;
};
const changes = (list) => ({ ...page([]), changes: list });
// How code from before the default commitment read a stored write: its own kc, else legacy (the
// record's first key, whose commitment is that of epoch 0), at its own epoch, else 0.
const oldRule = (w, k0c) => [Object.hasOwn(w, 'kc') ? w.kc : k0c, Object.hasOwn(w, 'e') ? w.e : 0];

test('writes are stored under their field with no field, kc or epoch of their own where the defaults say it', async () => {
  const adapter = memoryAdapter();
  const sync = new SyncStore(adapter);
  await sync.applyPage(changes([change(OTHER, 'KC0', 0, [['f1', 1], ['f2', 1]])]), 1);
  let state = await stored(adapter);
  assert.equal(state.kd, 'KC0');
  assert.deepEqual(state.fields.f1, [{ dot: [OTHER, 1], ctx: {}, nonce: 'nonce1', ct: 'ct1' }]);
  // A new epoch's write carries its kc and e; a write of epoch 0 under another commitment (a
  // hostile device's own key) carries its kc; a legacy write (no commitment) says so.
  await sync.applyPage(changes([change(OTHER, 'KC1', 1, [['f1', 2, { [OTHER]: 1 }]]),
    change(ME, 'KCX', 0, [['f3', 1]]), change('LLLLLLLLLLLLLLLLLLLLLL', undefined, undefined, [['f4', 1]])]), 2);
  state = await stored(adapter);
  const [w1] = state.fields.f1;
  const [w2] = state.fields.f2;
  const [w3] = state.fields.f3;
  const [w4] = state.fields.f4;
  assert.deepEqual([w1.kc, w1.e, kcOf(state, w1), epochOf(w1)], ['KC1', 1, 'KC1', 1]);
  assert.deepEqual([Object.hasOwn(w2, 'kc'), kcOf(state, w2), epochOf(w2)], [false, 'KC0', 0]);
  assert.deepEqual([w3.kc, kcOf(state, w3), epochOf(w3)], ['KCX', 'KCX', 0]);
  assert.deepEqual([w4.kc, kcOf(state, w4)], [null, null]);
  for (const w of [w1, w2, w3]) assert.equal(Object.hasOwn(w, 'field'), false);
  // Code from before reads every write but the legacy one alike.
  for (const w of [w1, w2, w3]) assert.deepEqual(oldRule(w, 'KC0'), [kcOf(state, w), epochOf(w)]);
  assert.deepEqual(Object.keys(state.kcs).sort(), ['KC0', 'KC1', 'KCX']);
});

test('a state with legacy writes gets no default: every write stored after carries its own kc', async () => {
  const adapter = memoryAdapter();
  const sync = new SyncStore(adapter);
  // Stored the earlier way: field, kc and e: 0 in each write; one legacy write.
  await adapter.transaction(['records'], 'readwrite', (tx) => tx.put('records', { id: REC, wrap: null, fields: {
    f1: [{ field: 'f1', dot: [OTHER, 1], ctx: {}, nonce: 'a', ct: 'b' }],
    f2: [{ field: 'f2', dot: [OTHER, 1], ctx: {}, nonce: 'c', ct: 'd', kc: 'KC0', e: 0 }] } }));
  await sync.applyPage(changes([change(OTHER, 'KC0', 0, [['f3', 1]])]), 1);
  const state = await stored(adapter);
  assert.equal(Object.hasOwn(state, 'kd'), false);
  assert.equal(state.fields.f3[0].kc, 'KC0');
  assert.deepEqual(['f1', 'f2', 'f3'].map((f) => kcOf(state, state.fields[f][0])), [null, 'KC0', 'KC0']);
  assert.deepEqual(['f1', 'f2', 'f3'].map((f) => epochOf(state.fields[f][0])), [0, 0, 0]);
});

test('a change whose every write is stale or held back sets no default', async () => {
  const adapter = memoryAdapter();
  const sync = new SyncStore(adapter);
  await sync.applyPage(changes([change(OTHER, 'KC1', 1, [['f1', 2, { [OTHER]: 1 }]])]), 1);
  let state = await stored(adapter);
  assert.equal(Object.hasOwn(state, 'kd'), false); // an epoch-1 change never sets it
  // An older write of the same field, covered by the one stored: nothing new is stored.
  await sync.applyPage(changes([change(OTHER, 'KC0', 0, [['f1', 1]])]), 2);
  state = await stored(adapter);
  assert.equal(Object.hasOwn(state, 'kd'), false);
  assert.deepEqual([state.fields.f1.length, kcOf(state, state.fields.f1[0])], [1, 'KC1']);
});
