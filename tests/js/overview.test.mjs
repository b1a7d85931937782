// The overview's counting (pwa/static/js/overview.js): what the dashboard and the printed report show.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { figures } from '../../pwa/static/js/overview.js';
import { summarize } from '../../pwa/static/js/summary.js';

const TODAY = '2026-12-03';
const at = (day) => Date.parse(`${day}T12:00:00Z`);
const need = (id, values, day, extra = {}) => summarize(id, { kind: 'need', category: 'legal', urgency: 'normal',
  status: 'new', country: 'PL', description: 'x', ...values }, { t: at(day), created: at(day), ...extra });
const incident = (id, values) => summarize(id, { kind: 'incident', category: 'bank', country: 'LT', description: 'y',
  ...values }, { t: at(values.date.length === 7 ? `${values.date}-15` : values.date) });

const all = [
  need('n1', { urgency: 'critical', follow_up: '2026-12-01' }, '2026-11-20'),
  need('n2', { urgency: 'critical', status: 'triaged', follow_up: TODAY, country: 'LT' }, '2026-11-25'),
  need('n3', { urgency: 'high', status: 'met', follow_up: '2026-11-01', category: 'medical' }, '2026-09-02'),
  need('n4', { urgency: 'low', status: 'in_progress' }, '2026-12-02', { conflicts: ['status'] }),
  need('n5', { _deleted: true }, '2026-12-02'),
  incident('i1', { date: '2026-09-10' }),
  incident('i2', { date: '2026-11', category: 'police', country: undefined }),
  summarize('a1', { kind: 'ack', report: 'i1', date: TODAY }, { t: at(TODAY) }),
];

test('every live, listed record is counted by kind, category, status, country and month', () => {
  const f = figures(all, { today: TODAY });
  assert.equal(f.total, 6);
  assert.deepEqual(f.kinds, [['incident', 2], ['need', 4]]);
  assert.deepEqual(f.categories.need, [['legal', 3], ['medical', 1]], 'in the registry\'s order');
  assert.deepEqual(f.categories.incident, [['bank', 1], ['police', 1]]);
  assert.deepEqual(f.statuses, [['new', 1], ['triaged', 1], ['in_progress', 1], ['met', 1]]);
  assert.deepEqual(f.countries, [['PL', 3], ['LT', 2], ['', 1]], 'a record without a country counts as not given');
  assert.deepEqual(f.months, [['2026-09', 2], ['2026-10', 0], ['2026-11', 3], ['2026-12', 1]]);
});

test('open needs by urgency leave met and closed ones out; follow-ups due today and overdue', () => {
  const f = figures(all, { today: TODAY });
  assert.deepEqual(f.openByUrgency, [['critical', 2], ['low', 1]]);
  assert.deepEqual(f.due, { today: 1, overdue: 1 });
  assert.equal(f.conflicts, 1);
});

test('a date range applies to every figure', () => {
  const f = figures(all, { from: '2026-11-01', to: '2026-11-30', today: TODAY });
  assert.equal(f.total, 3);
  assert.deepEqual(f.kinds, [['incident', 1], ['need', 2]]);
  assert.deepEqual(f.months, [['2026-11', 3]]);
  assert.deepEqual(f.due, { today: 1, overdue: 1 });
  assert.equal(f.conflicts, 0);
  const none = figures(all, { from: '2027-01-01', today: TODAY });
  assert.equal(none.total, 0);
  assert.deepEqual(none.months, []);
  assert.deepEqual(none.kinds, []);
});

test('figures hold counts only: no text of any record reaches them', () => {
  const secret = need('s', { description: 'Secret-Name-Canary', contact: '+48 600 000 000', city: 'Gdańsk' },
    '2026-11-02');
  const text = JSON.stringify(figures([secret], { today: TODAY }));
  for (const word of ['Secret', '+48', 'Gdańsk', '"s"']) assert.ok(!text.includes(word), word);
});
