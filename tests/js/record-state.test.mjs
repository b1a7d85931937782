// A record state keeps each key wrap once: the first as `wrap`, the others in `wraps`; states
// stored before that repeated `wrap` in `wraps`, and both forms read alike (core/record-state.js).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { wrapsOf } from '../../pwa/static/js/core/record-state.js';
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
