// Form validation and the stored values it produces: what a volunteer sees as they type.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { FORMS, OPTIONS, blank, changed, normalize, splitTags, toForm, validate } from '../../pwa/static/js/forms.js';

const TODAY = '2025-03-14';

function incident(extra = {}) {
  return { ...blank('incident', TODAY), category: 'bank', country: 'PL', description: 'Account blocked', ...extra };
}

function need(extra = {}) {
  return { ...blank('need', TODAY), category: 'accommodation', country: 'LT', description: 'A room for two', ...extra };
}

test('a complete incident and a complete need are valid', () => {
  assert.deepEqual(validate('incident', incident(), TODAY), {});
  assert.deepEqual(validate('need', need(), TODAY), {});
});

test('every field the issue lists is on the forms', () => {
  const names = (kind) => FORMS[kind].map((f) => f.name);
  assert.deepEqual(names('incident'), ['category', 'date', 'country', 'city', 'place', 'description', 'perpetrator',
    'affected', 'age_group', 'gender', 'consent', 'contact', 'evidence', 'evidence_links', 'reported_to', 'outcome',
    'tags']);
  assert.deepEqual(names('need'), ['category', 'urgency', 'country', 'city', 'adults', 'children', 'description',
    'languages', 'contact', 'channel', 'safe_times', 'status', 'assignee', 'follow_up', 'incident']);
  assert.equal(OPTIONS.incident_category.length, 13);
  assert.equal(OPTIONS.need_category.length, 13);
  assert.deepEqual(OPTIONS.urgency, ['critical', 'high', 'normal', 'low']);
});

test('record field names follow the protocol', () => {
  for (const form of Object.values(FORMS)) {
    for (const f of form) assert.match(f.name, /^[a-z_][a-z0-9_]{0,39}$/);
  }
});

const BAD = [
  ['incident', { category: '' }, 'category', 'error.required'],
  ['incident', { category: 'nonsense' }, 'category', 'error.choice'],
  ['incident', { description: '   ' }, 'description', 'error.required'],
  ['incident', { date: '2025-02-30' }, 'date', 'error.date'],
  ['incident', { date: '2025-04-01' }, 'date', 'error.future'],
  ['incident', { date: '2025-13' }, 'date', 'error.date'],
  ['incident', { date: '2025-04' }, 'date', 'error.future'],
  ['incident', { affected: '0' }, 'affected', 'error.range'],
  ['incident', { affected: '2.5' }, 'affected', 'error.number'],
  ['incident', { consent: [] }, 'consent', 'error.consent_store'],
  ['incident', { consent: ['store', 'contact'], contact: '' }, 'contact', 'error.contact_needed'],
  ['incident', { evidence_links: ['javascript:alert(1)'] }, 'evidence_links', 'error.link'],
  ['incident', { evidence_links: 'https://ok.example/a not-a-link' }, 'evidence_links', 'error.link'],
  ['incident', { city: 'x'.repeat(201) }, 'city', 'error.too_long'],
  ['incident', { tags: 'a,'.repeat(30) + 'b'.repeat(50) }, 'tags', 'error.too_long'],
  ['need', { urgency: '' }, 'urgency', 'error.required'],
  ['need', { adults: '0', children: '0' }, 'adults', 'error.people'],
  ['need', { children: '-1' }, 'children', 'error.number'],
  ['need', { follow_up: '2025-1-5' }, 'follow_up', 'error.date'],
  ['need', { incident: 'not-an-id' }, 'incident', 'error.choice'],
  ['need', { status: 'done' }, 'status', 'error.choice'],
];

for (const [kind, change, field, error] of BAD) {
  test(`a ${kind} with ${field}=${JSON.stringify(change[field]).slice(0, 30)} shows ${error}`, () => {
    const values = kind === 'incident' ? incident(change) : need(change);
    assert.equal(validate(kind, values, TODAY)[field], error);
  });
}

test('an approximate month is a valid incident date', () => {
  assert.deepEqual(validate('incident', incident({ date: '2024-11' }), TODAY), {});
});

test('normalize trims text, makes numbers and lists, and stores empty fields as null', () => {
  const stored = normalize('incident', incident({ city: '  Vilnius ', tags: 'bank, SIM,bank', affected: '3',
    evidence_links: 'https://a.example/1\nhttps://b.example/2' }));
  assert.equal(stored.kind, 'incident');
  assert.equal(stored.city, 'Vilnius');
  assert.deepEqual(stored.tags, ['bank', 'SIM']);
  assert.equal(stored.affected, 3);
  assert.deepEqual(stored.evidence_links, ['https://a.example/1', 'https://b.example/2']);
  assert.equal(stored.gender, null);
  assert.deepEqual(toForm('incident', stored).tags, ['bank', 'SIM']);
  assert.equal(toForm('incident', stored).affected, '3');
});

test('changed lists only the fields an edit touched', () => {
  const before = normalize('need', need());
  const after = { ...before, urgency: 'critical', city: 'Kaunas' };
  assert.deepEqual(changed(before, after), { urgency: 'critical', city: 'Kaunas' });
  assert.deepEqual(changed(before, { ...before }), {});
});

test('splitTags drops empties and repeats', () => {
  assert.deepEqual(splitTags(' a , b\n\na,  c  d '), ['a', 'b', 'c d']);
});
