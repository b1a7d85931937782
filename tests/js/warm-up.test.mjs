// The crypto workers' warm-up (sync/warm-up.js): it runs the real verification and opening on a
// record of its own, so a worker has run that code before the first pulled page comes.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { openStates } from '../../pwa/static/js/sync/open-records.js';
import { warmUp } from '../../pwa/static/js/sync/warm-up.js';

test('the warm-up verifies and opens a record of its own with the pull code', async () => {
  assert.equal(await warmUp(4), true);
});

test('a warm-up whose record does not verify or open says so, and never throws', async () => {
  const refuse = async (items) => items.map(() => ({ code: 'bad_signature' }));
  assert.equal(await warmUp(4, { open: refuse }), false);
  const blind = async (states, plain, key) => openStates(states, { ...plain, ecdhKey: null }, key);
  assert.equal(await warmUp(4, { openRecords: blind }), false);
  assert.equal(await warmUp(4, { open: async () => { throw new Error('broken'); } }), false);
});
