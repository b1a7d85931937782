// The list's search and filters over record summaries.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { select, summarize } from '../../pwa/static/js/summary.js';

const a = summarize('a', { kind: 'incident', category: 'bank', description: 'Account closed at PKO', city: 'Warszawa' },
  { t: 3 });
const b = summarize('b', { kind: 'need', category: 'legal', urgency: 'low', description: 'Residence permit help',
  status: 'new' }, { t: 2 });
const c = summarize('c', { kind: 'need', category: 'medical', urgency: 'critical', description: 'Insulin',
  status: 'new' }, { t: 1 });
const d = summarize('d', { kind: 'need', category: 'money', description: 'Rent', _deleted: true }, { t: 4 });
const all = [a, b, c, d];
const ids = (list) => list.map((s) => s.id);

test('the list shows live records, newest first, and hides deleted ones', () => {
  assert.deepEqual(ids(select(all, {})), ['a', 'b', 'c']);
  assert.deepEqual(ids(select(all, { deleted: true })), ['d']);
});

test('needs are listed most urgent first', () => {
  assert.deepEqual(ids(select(all, { kind: 'need' })), ['c', 'b']);
});

test('search matches every word, in any case, in the text and in translated labels', () => {
  assert.deepEqual(ids(select(all, { query: 'pko warszawa' })), ['a']);
  assert.deepEqual(ids(select(all, { query: 'PERMIT' })), ['b']);
  assert.deepEqual(ids(select(all, { query: 'bank pko' }, (s) => (s.category === 'bank' ? 'Bank' : ''))), ['a']);
  assert.deepEqual(ids(select(all, { query: 'nothing-like-this' })), []);
});

test('filters narrow by category and status', () => {
  assert.deepEqual(ids(select(all, { category: 'medical' })), ['c']);
  assert.deepEqual(ids(select(all, { status: 'new', kind: 'need' })), ['c', 'b']);
});
