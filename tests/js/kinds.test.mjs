// The registry of record kinds (sync/kinds.json): every kind complete in every language, its
// defaults valid, the PWA's copy equal to the file, and the first-person report built from it.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { ACK, FORMS, KINDS, OPTIONS, blank, kindOf, kindSpec, navTabs, normalize,
  validate } from '../../pwa/static/js/forms.js';
import { LANGUAGES } from '../../pwa/static/js/i18n.js';
import { REGISTRY } from '../../pwa/static/js/kinds.js';
import { CONTACT_FIELDS, FLOW, blankReport, checkReport, toRecords } from '../../pwa/static/js/self-report.js';
import { receivedOn, select, summarize } from '../../pwa/static/js/summary.js';
import { recordLabel } from '../../pwa/static/js/ui/format.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const TODAY = '2026-12-03';
const messages = Object.fromEntries(LANGUAGES.map((lang) =>
  [lang, JSON.parse(readFileSync(`${ROOT}pwa/static/i18n/${lang}.json`, 'utf8'))]));
const TYPES = ['select', 'radio', 'checks', 'text', 'textarea', 'number', 'when', 'date', 'tags', 'links', 'record',
  'device'];
const ROLES = ['coordinator', 'volunteer', 'reporter'];
const en = (key) => messages.en[key] ?? key;
const t = (key, params = {}) => en(key).replace(/\{(\w+)\}/g, (_, name) => String(params[name]));

test('the PWA reads the same registry as Python (kinds.js is made from sync/kinds.json)', () => {
  assert.deepEqual(REGISTRY, JSON.parse(readFileSync(`${ROOT}sync/kinds.json`, 'utf8')));
});

test('every kind, field and option has a label in all six languages', () => {
  for (const lang of LANGUAGES) {
    const missing = [];
    const need = (key) => { if (typeof messages[lang][key] !== 'string'
      || !messages[lang][key].trim()) missing.push(key); };
    for (const kind of KINDS) {
      need(`kind.${kind}`);
      if (kindSpec(kind).listed) need(`kind.${kind}s`);
      if (kindSpec(kind).nav) [`${kind}.new_title`, `${kind}.edit_title`, kindSpec(kind).nav.label].forEach(need);
      for (const f of FORMS[kind]) {
        need(`${kind}.${f.name}`);
        if (f.options) OPTIONS[f.options].forEach((v) => need(`opt.${f.options}.${v}`));
      }
    }
    for (const kind of ['incident', 'need']) [...FLOW[kind].shown,
      ...FLOW[kind].folded].forEach((n) => need(`self.${kind}.${n}`));
    CONTACT_FIELDS.forEach((n) => need(`self.need.${n}`));
    assert.deepEqual(missing, [], lang);
  }
});

test('every field is well formed: a protocol name, a known type, options that exist', () => {
  for (const kind of KINDS) {
    const names = FORMS[kind].map((f) => f.name);
    assert.equal(new Set(names).size, names.length, `${kind}: a field twice`);
    for (const f of FORMS[kind]) {
      assert.match(f.name, /^[a-z][a-z0-9_]{0,39}$/);
      assert.ok(TYPES.includes(f.type), `${kind}.${f.name}: type ${f.type}`);
      if (['select', 'radio', 'checks'].includes(f.type)) assert.ok(OPTIONS[f.options], `${kind}.${f.name}: options`);
      if (f.type === 'record' && f.of) assert.ok(KINDS.includes(f.of), `${kind}.${f.name}: of ${f.of}`);
      if (f.type === 'number') assert.ok(f.min <= f.max);
    }
  }
});

test('every kind names only its own fields in its defaults, rules, list entry, filters and label', () => {
  for (const kind of KINDS) {
    const spec = kindSpec(kind);
    const names = FORMS[kind].map((f) => f.name);
    const named = [...Object.keys(spec.defaults), ...spec.summary, ...spec.search, ...spec.badges, ...spec.label,
      ...spec.filters.map((f) => f.field),
      ...spec.rules.flatMap((r) => [r.field, ...(r.fields ?? []), ...(r.if ? [r.if] : [])]),
      ...(spec.title ? [spec.title] : []), ...(spec.refers ? [spec.refers] : [])];
    assert.deepEqual(named.filter((n) => !names.includes(n)), [], kind);
    for (const rule of spec.rules) assert.ok(messages.en[rule.error], `${kind}: ${rule.error}`);
    assert.ok(spec.create.every((role) => ROLES.includes(role)), kind);
  }
});

test('defaults are valid: a blank form fails only for the required fields left empty', () => {
  for (const kind of KINDS) {
    const values = blank(kind, TODAY);
    const errors = validate(kind, values, TODAY);
    const required = FORMS[kind].filter((f) => f.required && !(f.name in kindSpec(kind).defaults)).map((f) => f.name);
    assert.deepEqual(Object.keys(errors).sort(), required.sort(), kind);
    assert.ok(Object.values(errors).every((e) => e === 'error.required'), kind);
  }
  assert.equal(blank('incident', TODAY).date, TODAY);
  assert.deepEqual(blank('incident', TODAY).consent, ['store']);
  assert.equal(blank('need', TODAY).status, 'new');
});

test('an acknowledgement names its report and a date, nothing else, and only coordinators make one', () => {
  const ack = kindSpec('ack');
  assert.deepEqual(FORMS.ack.map((f) => f.name), ['report', 'date']);
  assert.deepEqual(ack.create, ['coordinator']);
  assert.equal(ack.refers, 'report');
  const values = { ...blank('ack', TODAY), report: '0b7e6a9c-1d2f-4e3a-8b5c-6d7e8f9a0b1c' };
  assert.deepEqual(validate('ack', values, TODAY), {});
  assert.deepEqual(normalize('ack', values), { kind: 'ack', report: values.report, date: TODAY });
});

test('the navigation offers each role what it may create; a reporter gets the one first-person report', () => {
  const views = (role) => navTabs(role).map(([view]) => view);
  assert.deepEqual(views('volunteer'), ['list', 'new-incident', 'new-need', 'settings']);
  assert.deepEqual(views('coordinator'), ['list', 'overview', 'new-incident', 'new-need', 'settings']);
  assert.deepEqual(views('reporter'), ['list', 'new-report', 'settings']);
});

test('acknowledgements stay out of the list; a kind the registry lacks is shown as its fallback', () => {
  const report = summarize('r', { kind: 'incident', category: 'bank', description: 'x' }, { t: 1 });
  const ack = summarize('a', { kind: 'ack', report: 'r', date: TODAY }, { t: 2 });
  assert.deepEqual(select([report, ack], {}).map((s) => s.id), ['r']);
  assert.equal(ack.report, 'r');
  assert.equal(kindOf({ kind: 'constructor' }), 'incident');
  assert.equal(kindOf({ kind: 'ack' }), 'ack');
  assert.equal(recordLabel(t, 'en', { kind: 'need', category: 'legal', city: 'Vilnius' }),
    'Legal aid or legalisation · Vilnius');
  assert.equal(recordLabel(t, 'en', { kind: 'incident', city: 'Kraków' }), 'Incident · Kraków');
});

function report(extra = {}) {
  const state = blankReport(TODAY);
  Object.assign(state.incident, { description: 'My bank closed my account', category: 'bank', country: 'PL',
    city: 'Gdańsk' });
  return Object.assign(state, { help: 'no', reach: 'no', keep: true }, extra);
}

test('a first-person report without a need is one incident; "do not contact me" leaves no contact', () => {
  assert.deepEqual(checkReport(report(), TODAY, t), {});
  const { incident, need } = toRecords(report({ stats: true }), t);
  assert.equal(need, null);
  assert.deepEqual(validate('incident', { ...blank('incident', TODAY), ...incident, affected: '1' }, TODAY), {});
  assert.deepEqual(incident.consent, ['store', 'stats']);
  assert.equal(incident.contact, null);
  assert.equal(incident.kind, 'incident');
});

test('asking for help adds a need in the same place, status new; contact details go where coordinators look', () => {
  const state = report({ help: 'yes', reach: 'yes' });
  Object.assign(state.need, { category: 'legal', description: 'A lawyer for the bank', urgency: 'high',
    channel: 'signal', contact: '@me', safe_times: 'after 18:00' });
  assert.deepEqual(checkReport(state, TODAY, t), {});
  const { incident, need } = toRecords(state, t);
  assert.deepEqual([need.kind, need.country, need.city, need.status, need.urgency],
    ['need', 'PL', 'Gdańsk', 'new', 'high']);
  assert.deepEqual([need.contact, need.channel, need.safe_times], ['@me', 'signal', 'after 18:00']);
  assert.deepEqual(incident.consent, ['store', 'contact']);
  assert.equal(incident.contact, '@me (Signal) — after 18:00');
  assert.equal(toRecords({ ...state, reach: 'no' }, t).need.safe_times, en('self.no_contact_note'));
  assert.equal(toRecords({ ...state, reach: 'no' }, t).need.contact, null);
});

test('a report says what is missing, in the first person', () => {
  const state = blankReport(TODAY);
  const errors = checkReport(state, TODAY, t);
  assert.deepEqual(Object.keys(errors).sort(), ['help', 'incident.category', 'incident.country', 'incident.description',
    'keep', 'reach']);
  assert.equal(errors.keep, 'self.error.keep');
  const asked = checkReport(report({ help: 'yes', reach: 'yes' }), TODAY, t);
  assert.deepEqual(asked, { 'need.category': 'error.required', 'need.description': 'error.required',
    'need.contact': 'self.error.contact' });
  const far = report({ reach: 'yes' });
  far.need.contact = 'x'.repeat(190);
  far.need.safe_times = 'y'.repeat(100);
  assert.equal(checkReport(far, TODAY, t)['need.contact'], 'error.too_long');
});

test('a record reads as received from the earliest acknowledgement of it or of a record linked to it', () => {
  const incident = summarize('i', { kind: 'incident', category: 'bank' }, { t: 1 });
  const need = summarize('n', { kind: 'need', category: 'legal', incident: 'i' }, { t: 2 });
  const other = summarize('o', { kind: 'incident', category: 'police' }, { t: 3 });
  const late = summarize('a2', { kind: 'ack', report: 'i', date: '2026-12-05' }, { t: 4 });
  const early = summarize('a1', { kind: 'ack', report: 'n', date: '2026-12-04' }, { t: 5 });
  const gone = summarize('a0', { kind: 'ack', report: 'i', date: '2026-12-01', _deleted: true }, { t: 6 });
  const all = [incident, need, other, late, early, gone];
  assert.equal(receivedOn(all, 'i'), '2026-12-04');
  assert.equal(receivedOn(all, 'n'), '2026-12-04');
  assert.equal(receivedOn([incident, need, late], 'n'), '2026-12-05');
  assert.equal(receivedOn(all, 'o'), null);
  assert.equal(receivedOn(all, 'constructor'), null);
  assert.equal(ACK, 'ack');
});
