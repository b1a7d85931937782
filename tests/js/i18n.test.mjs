// Translations: every visible string exists in all six languages, with the same placeholders and
// every plural form each language needs.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { FORMS, OPTIONS, kindSpec } from '../../pwa/static/js/forms.js';
import { CONTACT_FIELDS, FLOW } from '../../pwa/static/js/self-report.js';
import { LANGUAGES, pickLanguage, translator } from '../../pwa/static/js/i18n.js';
import { ERRORS, PROBLEMS, REFUSALS } from '../../pwa/static/js/sync/status.js';

const ROOT = new URL('../../pwa/static/', import.meta.url).pathname;
const load = (lang) => JSON.parse(readFileSync(join(ROOT, 'i18n', `${lang}.json`), 'utf8'));
const messages = Object.fromEntries(LANGUAGES.map((lang) => [lang, load(lang)]));

function sources(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'core' || e.name === 'sw' ? [] : sources(path);
    return e.name.endsWith('.js') ? [readFileSync(path, 'utf8')] : [];
  });
}

// Keys the code names literally, plus those it builds from the form definitions.
function usedKeys() {
  const keys = new Set();
  for (const text of sources(join(ROOT, 'js'))) {
    for (const m of text.matchAll(/\bt\(\s*'([a-z_]+\.[a-z0-9_.]+)'/g)) keys.add(m[1]);
    for (const m of text.matchAll(/'((?:error|strength|join|lock|settings|welcome|list|detail|form|sw|install|sync|conflict|devices|invites|travel|share|self|ack)\.[a-z0-9_.]+)'/g)) keys.add(m[1]);
  }
  for (const [group, values] of Object.entries(OPTIONS)) for (const v of values) keys.add(`opt.${group}.${v}`);
  for (const [kind, fields] of Object.entries(FORMS)) {
    const spec = kindSpec(kind);
    keys.add(`kind.${kind}`);
    if (spec.listed) keys.add(`kind.${kind}s`); // the list's filter
    if (spec.nav) {
      keys.add(`${kind}.new_title`);
      keys.add(`${kind}.edit_title`);
      keys.add(spec.nav.label);
    }
    for (const f of fields) keys.add(`${kind}.${f.name}`);
  }
  // The first-person report: its questions (self.<kind>.<field>), parts and answers.
  for (const kind of ['incident', 'need']) {
    for (const name of [...FLOW[kind].shown, ...FLOW[kind].folded]) keys.add(`self.${kind}.${name}`);
  }
  for (const name of CONTACT_FIELDS) keys.add(`self.need.${name}`);
  for (const part of ['what', 'when_where', 'help', 'reach', 'consent']) keys.add(`self.${part}_title`);
  for (const key of ['help', 'reach']) for (const answer of ['', '_yes', '_no']) keys.add(`self.${key}${answer}`);
  for (const key of ['keep', 'stats', 'more_incident', 'more_need']) keys.add(`self.${key}`);
  for (const n of [0, 1, 2, 3, 4]) keys.add(`strength.${n}`);
  for (const step of ['keys', 'enroll', 'seal']) keys.add(`join.step_${step}`);
  for (const role of ['coordinator', 'volunteer', 'reporter']) keys.add(`role.${role}`);
  // Built from codes: every error, refusal and problem the sync status can name.
  for (const code of ERRORS) keys.add(`sync.error.${code}`);
  for (const code of REFUSALS) keys.add(`refusal.${code}`);
  for (const code of PROBLEMS) keys.add(`problem.${code}`);
  for (const state of ['active', 'withdrawn', 'expired', 'used']) keys.add(`invites.state_${state}`);
  return keys;
}

const placeholders = (message) => {
  const text = typeof message === 'string' ? message : Object.values(message).join(' ');
  return [...new Set([...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]))].sort();
};

test('every key the app uses has an English message', () => {
  const missing = [...usedKeys()].filter((k) => !(k in messages.en));
  assert.deepEqual(missing, []);
});

for (const lang of LANGUAGES) {
  test(`the ${lang} translation has exactly the English keys, none empty and none left in English`, () => {
    assert.deepEqual(Object.keys(messages[lang]).sort(), Object.keys(messages.en).sort());
    for (const [key, message] of Object.entries(messages[lang])) {
      const parts = typeof message === 'string' ? [message] : Object.values(message);
      assert.ok(parts.every((p) => typeof p === 'string' && p.trim()), `${lang}: ${key} is empty`);
      assert.deepEqual(placeholders(message), placeholders(messages.en[key]), `${lang}: ${key} placeholders`);
    }
    if (lang !== 'en') {
      // Short words (brand names, numbers) may coincide; sentences must be translated.
      const untranslated = Object.entries(messages[lang]).filter(([k, m]) => typeof m === 'string'
        && m === messages.en[k] && m.length > 12 && /[a-z]{4}/i.test(m));
      assert.deepEqual(untranslated.map(([k]) => k), []);
    }
  });

  test(`the ${lang} plural messages have every form the language needs`, () => {
    const needed = new Intl.PluralRules(lang).resolvedOptions().pluralCategories;
    for (const [key, message] of Object.entries(messages[lang])) {
      if (typeof message !== 'object') continue;
      for (const category of needed) assert.ok(category in message, `${lang}: ${key} lacks ${category}`);
    }
  });
}

test('the browser language chooses the default, Belarusian included, English otherwise', () => {
  assert.equal(pickLanguage(['be-BY', 'ru']), 'be');
  assert.equal(pickLanguage(['de-DE', 'pl-PL']), 'pl');
  assert.equal(pickLanguage(['lt']), 'lt');
  assert.equal(pickLanguage(['fr-FR']), 'en');
  assert.equal(pickLanguage([]), 'en');
});

test('messages fill placeholders and choose the plural form', () => {
  const t = translator('ru', messages.ru);
  assert.equal(t('list.count', { count: 1 }), '1 запись');
  assert.equal(t('list.count', { count: 3 }), '3 записи');
  assert.equal(t('list.count', { count: 25 }), '25 записей');
  assert.equal(translator('be', messages.be)('list.count', { count: 5 }), '5 запісаў');
  assert.equal(t('no.such.key'), 'no.such.key');
});
