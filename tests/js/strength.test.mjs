// The passphrase estimator (zxcvbn-ts with dictionaries of the six languages) and the generator.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { GENERATED_WORDS, MIN_GUESSES_LOG10, generate, loadEstimator, randomIndex, scoreOf, wordList }
  from '../../pwa/static/js/strength.js';

const estimator = await loadEstimator();

// The four, then names, years, keyboard rows, l33t and repeats in the six languages.
const WEAK = ['Summer2024', 'Lukashenko', 'Natasha1985', 'dog cat sun', '', '1234', 'password', 'qwertyuiop',
  'aaaaaaaaaaaa', 'Password1', 'minsk2024', '12345678901234', 'наташа1985', 'Лукашенко2020', 'йцукенгшщз',
  'Mikołaj1990', 'p@ssw0rd!', 'Kaunas2023', 'свабода1994', 'Жыве Беларусь!', 'Tsikhanouskaya', 'labas rytas'];
const GOOD = ['blue kettle under seven rivers', 'Kaunas-mittens-Sofa-41', 'зялёны чайнік пад мостам стаіць',
  'g7#Vq!2mZ@x9Lpw'];

for (const phrase of WEAK) {
  test(`the passphrase ${JSON.stringify(phrase)} is refused as too weak`, () => {
    assert.equal(estimator.acceptable(phrase), false);
    assert.ok(estimator.strength(phrase).score < 3, `${phrase}: ${JSON.stringify(estimator.strength(phrase))}`);
  });
}

for (const phrase of GOOD) {
  test(`the passphrase ${JSON.stringify(phrase)} is accepted`, () => {
    assert.equal(estimator.acceptable(phrase), true, JSON.stringify(estimator.strength(phrase)));
    assert.ok(estimator.strength(phrase).score >= 3);
  });
}

test('the hints name what makes a passphrase weak', () => {
  assert.ok(estimator.strength('mypassword!!').hints.includes('strength.hint_common'));
  assert.ok(estimator.strength('x7#a').hints.includes('strength.hint_length'));
  assert.ok(estimator.strength('aliaksandr99x').hints.includes('strength.hint_name'));
  assert.ok(estimator.strength('qwsxcdefr').hints.includes('strength.hint_keyboard'));
  assert.ok(estimator.strength('фывапролдж').hints.includes('strength.hint_keyboard'));
  assert.ok(estimator.strength('abababababab').hints.includes('strength.hint_repeat'));
  assert.ok(estimator.strength('kettle2019').hints.includes('strength.hint_year'));
});

test('the meter levels follow the guess count, and acceptance starts at 10^14', () => {
  assert.deepEqual([0, 7.9, 8, 13.9, 14, 17].map(scoreOf), [0, 0, 1, 2, 3, 4]);
  assert.equal(MIN_GUESSES_LOG10, 14);
});

test('the word lists hold at least 2,048 distinct words each, so six words carry 66 bits or more', async () => {
  for (const lang of ['be', 'ru', 'uk', 'en', 'pl', 'lt']) {
    const list = await wordList(lang);
    assert.equal(new Set(list).size, list.length, lang);
    assert.ok(list.length >= 2048, lang);
    assert.ok(generate(list).bits >= 66, lang);
    assert.ok(list.every((w) => /^[\p{Ll}-]+$/u.test(w) && !w.includes(' ')), lang);
  }
  assert.equal((await wordList('en')).length, 7776); // EFF's large list
  assert.match((await wordList('be')).join(' '), /[іў]/);
  assert.equal(GENERATED_WORDS, 6);
});

test('a generated passphrase is six words of the list, different every time', async () => {
  const list = await wordList('be');
  const a = generate(list);
  const b = generate(list);
  assert.equal(a.words.length, 6);
  assert.ok(a.words.every((w) => list.includes(w)));
  assert.equal(a.text, a.words.join(' '));
  assert.notEqual(a.text, b.text);
});

test('rejection sampling drops the values that would bias the modulo', () => {
  // n = 3: 2^32 mod 3 = 1, so the single value 2^32 - 1 must be drawn again.
  const draws = [2 ** 32 - 1, 2 ** 32 - 2];
  const random = (buffer) => { buffer[0] = draws.shift(); return buffer; };
  assert.equal(randomIndex(3, random), (2 ** 32 - 2) % 3);
  assert.equal(draws.length, 0);
  // Uniform enough over many real draws: every index of 6 is hit.
  const seen = new Set(Array.from({ length: 600 }, () => randomIndex(6)));
  assert.equal(seen.size, 6);
  assert.throws(() => generate(['a', 'b']), /2,048/);
});
