// base64url: the same strictness as sync/b64.py, input by input.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { Base64Error, b64decode, b64encode } from '../../pwa/static/js/core/b64.js';
import { prng } from './helpers.mjs';

// Each of these was checked against sync.b64.b64decode, which refuses every one.
const REFUSED_BY_PYTHON = [
  ['padding', 'QQ=='], ['one padding character', 'QQ='], ['padding only', '='], ['padded pair', 'AB=='],
  ['one character', 'Q'], ['five characters', 'AAAAA'], ['stray bits after one byte', 'QR'],
  ['stray bits after two bytes', 'QUG'], ['stray bits in "-_"', '-_'], ['standard alphabet', 'a+b/'],
  ['inner space', 'ab cd'], ['leading space', ' AAA'], ['trailing space', 'AAA '],
  ['trailing newline', 'abc\n'], ['newline after a full group', 'abcd\n'], ['tab', 'Zm9v\t'],
  ['NUL', 'Zm9v\u0000'], ['fullwidth letters', 'ＡＡ'],
  ['null', null], ['a number', 123], ['bytes instead of text', new TextEncoder().encode('QUFB')],
];

for (const [name, text] of REFUSED_BY_PYTHON) {
  test(`b64decode refuses ${name}, as Python does`, () => {
    assert.throws(() => b64decode(text), Base64Error);
  });
}

test('b64decode enforces an exact length when asked', () => {
  assert.throws(() => b64decode('AAAA', 2), { name: 'Base64Error', message: 'expected 2 bytes, got 3' });
  assert.deepEqual(b64decode('AAAA', 3), new Uint8Array(3));
  assert.deepEqual(b64decode('', 0), new Uint8Array(0));
});

test('b64decode reads the url-safe alphabet', () => {
  assert.deepEqual(b64decode('-_8'), new Uint8Array([0xfb, 0xff]));
  assert.deepEqual(b64decode('QUFB', 3), new TextEncoder().encode('AAA'));
});

test('b64encode gives unpadded url-safe text matching Node', () => {
  const rand = prng(7);
  for (let len = 0; len < 70; len++) {
    const bytes = Uint8Array.from({ length: len }, () => rand.int(256));
    const expected = Buffer.from(bytes).toString('base64url');
    assert.equal(b64encode(bytes), expected);
    assert.deepEqual(b64decode(expected, len), bytes);
  }
});

test('every text b64decode accepts encodes back to itself', () => {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const rand = prng(11);
  let accepted = 0;
  for (let i = 0; i < 2000; i++) {
    const text = Array.from({ length: rand.int(9) }, () => rand.pick(alphabet)).join('');
    let bytes;
    try {
      bytes = b64decode(text);
    } catch (err) {
      assert.ok(err instanceof Base64Error);
      continue;
    }
    accepted++;
    assert.equal(b64encode(bytes), text);
  }
  assert.ok(accepted > 100, `only ${accepted} texts decoded`);
});
