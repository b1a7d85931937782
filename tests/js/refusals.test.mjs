// The refusal registry (sync/refusals.json) in the app: every code the server or a client can
// name is shown in the person's language, on the sync screen and in the status line alike.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { LANGUAGES, translator } from '../../pwa/static/js/i18n.js';
import { errorText, REFUSALS, refusalText } from '../../pwa/static/js/sync/status.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const registry = JSON.parse(readFileSync(join(ROOT, 'sync', 'refusals.json'), 'utf8'));
const messages = (lang) => JSON.parse(readFileSync(join(ROOT, 'pwa', 'static', 'i18n', `${lang}.json`), 'utf8'));

for (const lang of LANGUAGES) {
  test(`every registered code is shown in ${lang}`, () => {
    const all = messages(lang);
    const t = translator(lang, all);
    for (const code of Object.keys(registry)) {
      const text = refusalText(t, { code, message: registry[code].message });
      assert.equal(text, all[`refusal.${code}`], `${lang}: ${code}`);
      assert.equal(errorText(t, { code, message: '' }).length > 0, true);
    }
  });
}

test('the per-item codes the app lists are exactly the registry\'s', () => {
  const items = Object.entries(registry).filter(([, e]) => [].concat(e.status).includes('item')).map(([c]) => c);
  assert.deepEqual([...REFUSALS].sort(), items.sort());
});

test('an unknown code falls back to the server\'s words, and a code is never used as a key blindly', () => {
  const t = translator('en', messages('en'));
  assert.equal(refusalText(t, { code: 'not_in_registry', message: 'Said.' }), 'The server refused this change: Said.');
  assert.equal(refusalText(t, { code: 'other_said', message: 'Said.' }), 'The server refused this change: Said.');
  assert.equal(refusalText(t, { code: '../x', message: '' }), 'The server refused this change.');
  assert.equal(errorText(t, { code: 'not_certified' }), messages('en')['refusal.not_certified']);
});
