// The list's filters, orders and search (pwa/static/js/query.js) over decrypted summaries.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  activeCount, blankFilters, dayOf, dueState, inRange, query, waitingByDevice,
} from '../../pwa/static/js/query.js';
import { summarize } from '../../pwa/static/js/summary.js';

const DAY = 86400000;
const at = (day) => Date.parse(`${day}T12:00:00Z`);
const TODAY = '2026-12-03';
const A = 'AAAAAAAAAAAAAAAAAAAAAA';
const B = 'BBBBBBBBBBBBBBBBBBBBBB';

const inc = summarize('i1', { kind: 'incident', category: 'bank', date: '2026-11-02', country: 'PL', city: 'Gdańsk',
  description: 'Account closed' }, { t: at('2026-11-05'), author: A, created: at('2026-11-05') });
const incMonth = summarize('i2', { kind: 'incident', category: 'police', date: '2026-10', country: 'LT',
  description: 'Questioned at border' }, { t: at('2026-10-20'), author: B, created: at('2026-10-20') });
const urgent = summarize('n1', { kind: 'need', category: 'medical', urgency: 'critical', country: 'PL', status: 'new',
  follow_up: '2026-12-01', description: 'Insulin' }, { t: at('2026-11-30'), author: A, created: at('2026-11-29') });
const today = summarize('n2', { kind: 'need', category: 'legal', urgency: 'low', country: 'LT', status: 'assigned',
  assignee: B, follow_up: TODAY, description: 'Residence permit' },
{ t: at('2026-12-02'), author: B, created: at('2026-11-01'), conflicts: ['status'] });
const met = summarize('n3', { kind: 'need', category: 'money', urgency: 'high', country: 'PL', status: 'met',
  follow_up: '2026-11-01', description: 'Rent' }, { t: at('2026-11-10'), author: A, created: at('2026-11-10') });
const gone = summarize('n4', { kind: 'need', category: 'money', urgency: 'high', country: 'PL', status: 'new',
  description: 'Deleted one', _deleted: true }, { t: at('2026-11-11'), author: A });
const ack = summarize('k1', { kind: 'ack', report: 'i1', date: TODAY }, { t: at(TODAY), author: B });
const all = [inc, incMonth, urgent, today, met, gone, ack];
const ids = (filters, opts = {}) => query(all, { ...blankFilters(), ...filters },
  { today: TODAY, ...opts }).map((s) => s.id);

test('a summary keeps who created the record and when', () => {
  assert.equal(inc.author, A);
  assert.equal(inc.created, at('2026-11-05'));
  assert.equal(today.assignee, B);
  const old = summarize('x', { kind: 'need' }, { t: 5 });
  assert.equal(old.author, null);
  assert.equal(old.created, 5, 'without a creation time, the latest write stands in');
});

test('blank filters show every live, listed record; the usual order is the latest change first', () => {
  assert.deepEqual(ids({}), ['n2', 'n1', 'n3', 'i1', 'i2']);
  assert.deepEqual(ids({ deleted: true }), ['n4']);
  assert.deepEqual(ids({ kind: 'need' }), ['n1', 'n3', 'n2'], 'needs: most urgent first (the registry)');
});

test('each select filter narrows by its field', () => {
  assert.deepEqual(ids({ country: 'PL' }), ['n1', 'n3', 'i1']);
  assert.deepEqual(ids({ author: B }), ['n2', 'i2']);
  assert.deepEqual(ids({ assignee: B }), ['n2']);
  assert.deepEqual(ids({ status: 'new' }), ['n1']);
  assert.deepEqual(ids({ urgency: 'high' }), ['n3']);
  assert.deepEqual(ids({ category: 'police', kind: 'incident' }), ['i2']);
  assert.deepEqual(ids({ conflict: true }), ['n2']);
  assert.deepEqual(ids({ country: 'PL', kind: 'incident' }), ['i1']);
});

test('follow-ups: due today, overdue, both; a met need is never due', () => {
  assert.equal(dueState(urgent, TODAY), 'overdue');
  assert.equal(dueState(today, TODAY), 'today');
  assert.equal(dueState(met, TODAY), '');
  assert.equal(dueState(inc, TODAY), '');
  assert.equal(dueState({ ...urgent, follow_up: '2027-01-01' }, TODAY), 'later');
  assert.deepEqual(ids({ due: 'today' }), ['n2']);
  assert.deepEqual(ids({ due: 'overdue' }), ['n1']);
  assert.deepEqual(ids({ due: 'due', sort: 'follow_up' }), ['n1', 'n2']);
  assert.deepEqual(ids({ due: 'set' }), ['n2', 'n1']);
});

test('a date range reads the record\'s own date, a month by month, else the day it was created', () => {
  assert.equal(dayOf(inc), '2026-11-02');
  assert.equal(dayOf(incMonth), '2026-10');
  assert.equal(dayOf(urgent), '2026-11-29');
  assert.equal(dayOf(urgent, -180), '2026-11-29');
  assert.equal(dayOf({ created: Date.parse('2026-11-29T23:30:00Z') }, -60), '2026-11-30', 'the local day');
  assert.ok(inRange('2026-10', '2026-10-15', '2026-10-20'));
  assert.ok(!inRange('2026-09', '2026-10-15', ''));
  assert.ok(!inRange('', '2026-10-15', ''));
  assert.deepEqual(ids({ from: '2026-11-01', to: '2026-11-30' }), ['n2', 'n1', 'n3', 'i1']);
  assert.deepEqual(ids({ to: '2026-10-31' }), ['i2']);
  assert.deepEqual(ids({ from: '2026-11-15' }), ['n1']);
});

test('search: every word, in any field kept for search, the title or the translated option names', () => {
  const labels = (s) => (s.category === 'medical' ? 'Medical care' : '');
  assert.deepEqual(ids({ query: 'insulin' }), ['n1']);
  assert.deepEqual(ids({ query: 'ACCOUNT gdańsk' }), ['i1']);
  assert.deepEqual(ids({ query: 'medical care' }, { labels }), ['n1']);
  assert.deepEqual(ids({ query: 'insulin rent' }), []);
});

test('the orders: newest and oldest by creation, by urgency, by follow-up', () => {
  assert.deepEqual(ids({ sort: 'newest' }), ['n1', 'n3', 'i1', 'n2', 'i2']);
  assert.deepEqual(ids({ sort: 'oldest' }), ['i2', 'n2', 'i1', 'n3', 'n1']);
  assert.deepEqual(ids({ sort: 'urgency' }), ['n1', 'n3', 'n2', 'i1', 'i2']);
  assert.deepEqual(ids({ sort: 'follow_up' }), ['n3', 'n1', 'n2', 'i1', 'i2']);
});

test('the panel counts the filters set beyond kind and search', () => {
  assert.equal(activeCount(blankFilters()), 0);
  assert.equal(activeCount({ ...blankFilters(), kind: 'need', query: 'x' }), 0);
  assert.equal(activeCount({ ...blankFilters(), country: 'PL', conflict: true, sort: 'oldest' }), 3);
});

test('records waiting on unverified devices are counted once per record, by device', () => {
  const held = [
    { kind: 'change', item: { device: A, record: 'r1' } },
    { kind: 'change', item: { device: A, record: 'r1' } },
    { kind: 'change', item: { device: A, record: 'r2' } },
    { kind: 'wrap', item: { sender: B, record: 'r3' } },
    { kind: 'purge', item: { device: 7 } },
  ];
  assert.deepEqual(waitingByDevice(held), [[A, 2], [B, 1]]);
  assert.deepEqual(waitingByDevice([]), []);
});

test('ten thousand summaries: every word must match, with the other filters', () => {
  const many = Array.from({ length: 10000 }, (_, i) => summarize(`r${i}`, {
    kind: i % 2 ? 'need' : 'incident', category: i % 2 ? 'legal' : 'bank', urgency: 'normal', status: 'new',
    country: i % 3 ? 'PL' : 'LT', description: `record number ${i} about something`,
  }, { t: i * DAY / 100, author: i % 5 ? A : B, created: i }));
  const shown = query(many, { ...blankFilters(), query: 'number 99', country: 'PL' }, { today: TODAY });
  assert.ok(shown.length > 0 && shown.every((s) => s.country === 'PL' && s.search.includes('99')));
  assert.equal(shown.length, many.filter((s) => s.country === 'PL' && s.search.includes('99')).length);
});
