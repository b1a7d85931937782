// The passphrase strength meter: weak choices are refused, long unrelated words pass.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { acceptable, strength } from '../../pwa/static/js/strength.js';

const WEAK = ['', '1234', 'password', 'qwertyuiop', 'aaaaaaaaaaaa', 'Password1', 'minsk2024', '12345678901234'];
const GOOD = ['blue kettle under seven rivers', 'Kaunas-mittens-Sofa-41', 'зялёны чайнік пад мостам', 'g7#Vq!2mZ@x9Lp'];

for (const phrase of WEAK) {
  test(`the passphrase ${JSON.stringify(phrase)} is refused as too weak`, () => {
    assert.equal(acceptable(phrase), false);
    assert.ok(strength(phrase).score < 2);
  });
}

for (const phrase of GOOD) {
  test(`the passphrase ${JSON.stringify(phrase)} is accepted`, () => {
    assert.equal(acceptable(phrase), true);
    assert.ok(strength(phrase).score >= 3);
  });
}

test('a common word is pointed out', () => {
  assert.ok(strength('mypassword!!').hints.includes('strength.hint_common'));
});

test('a short passphrase asks for length', () => {
  assert.ok(strength('x7#a').hints.includes('strength.hint_length'));
});
