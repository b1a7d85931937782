// Exports from the app (pwa/static/js/export.js): the choice of fields, contact and free text
// out unless chosen, and files a spreadsheet reads safely.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { columns, defaultChoice, exportFields, toCSV, toJSON } from '../../pwa/static/js/export.js';

const NEED = { id: 'n1', created: Date.UTC(2026, 10, 2, 9), updated: Date.UTC(2026, 11, 1, 10),
  author: 'AAAAAAAAAAAAAAAAAAAAAA',
  values: { kind: 'need', category: 'legal', urgency: 'high', country: 'PL', city: 'Gdańsk',
    description: 'Canary "quoted", text',
    contact: '+48 600 000 000', languages: ['be', 'pl'], status: 'new', adults: 2, children: 0 } };
const INCIDENT = { id: 'i1', values: { kind: 'incident', category: 'bank', date: '2026-11', country: 'LT',
  description: '=HYPERLINK("http://x")', tags: ['a', 'b'] } };

test('contact, names and free text are out by default; the categories and counts are in', () => {
  const chosen = defaultChoice();
  for (const name of ['contact', 'description', 'city', 'evidence', 'evidence_links', 'tags', 'safe_times', 'assignee',
    'author', 'created', 'updated']) {
    assert.ok(!chosen.includes(name), name);
  }
  for (const name of ['category', 'urgency', 'status', 'country', 'date', 'adults', 'children', 'languages',
    'follow_up']) {
    assert.ok(chosen.includes(name), name);
  }
  const sensitive = exportFields().filter((f) => f.sensitive).map((f) => f.name);
  assert.ok(sensitive.includes('contact') && sensitive.includes('description'));
  assert.ok(!exportFields().some((f) => f.name === 'report'), 'acknowledgements are no export rows');
});

test('the columns: id and kind always, then the chosen fields in the registry order, then the record times', () => {
  assert.deepEqual(columns(['status', 'category', 'created']), ['id', 'kind', 'category', 'status', 'created']);
  assert.deepEqual(columns([]), ['id', 'kind']);
  assert.equal(columns(['category', 'category']).filter((c) => c === 'category').length, 1);
});

test('a CSV holds only the chosen columns; contact appears only when chosen', () => {
  const plain = toCSV([NEED, INCIDENT], columns(defaultChoice()));
  assert.ok(!plain.includes('+48') && !plain.includes('Canary') && !plain.includes('Gdańsk'));
  assert.ok(plain.startsWith('id,kind,category,'));
  const lines = plain.trimEnd().split('\r\n');
  assert.equal(lines.length, 3);
  assert.ok(lines[1].startsWith('n1,need,legal,'));
  assert.ok(lines[1].includes('be; pl'), 'lists read as words');
  const withContact = toCSV([NEED], columns([...defaultChoice(), 'contact', 'description']));
  assert.ok(withContact.includes('+48 600 000 000'));
  assert.ok(withContact.includes('"Canary ""quoted"", text"'), 'quotes and commas escaped');
});

test('a cell that a spreadsheet would run as a formula is neutralised', () => {
  const csv = toCSV([INCIDENT], columns(['description']));
  assert.ok(csv.includes(`"'=HYPERLINK(""http://x"")"`));
  assert.ok(!/(^|,)=/m.test(csv));
});

test('JSON: exactly the chosen columns, lists as arrays, times as ISO strings', () => {
  const out = JSON.parse(toJSON([NEED, INCIDENT], columns(['languages', 'created', 'author'])));
  assert.deepEqual(out[0], { id: 'n1', kind: 'need', languages: ['be', 'pl'], created: '2026-11-02T09:00:00.000Z',
    author: 'AAAAAAAAAAAAAAAAAAAAAA' });
  assert.deepEqual(out[1], { id: 'i1', kind: 'incident', languages: null, created: null, author: null });
});
