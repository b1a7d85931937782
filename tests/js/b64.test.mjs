// base64url: the same strictness as sync/b64.py, input by input, in both implementations (the
// engine's own Uint8Array.fromBase64/toBase64 where it has them, else JavaScript). Runs in Node and
// in Chromium (tests/browser/test_core_in_chromium.py), where the native one is checked to be used.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { Base64Error, NATIVE_BASE64, b64decode, b64encode, decodeJS, encodeJS } from '../../pwa/static/js/core/b64.js';
import { prng } from './helpers.mjs';

const IMPLEMENTATIONS = [['b64decode', b64decode, b64encode], ['the JavaScript one', decodeJS, encodeJS]];

// Each of these was checked against sync.b64.b64decode, which refuses every one.
const REFUSED_BY_PYTHON = [
  ['padding', 'QQ=='], ['one padding character', 'QQ='], ['padding only', '='], ['padded pair', 'AB=='],
  ['one character', 'Q'], ['five characters', 'AAAAA'], ['stray bits after one byte', 'QR'],
  ['stray bits after two bytes', 'QUG'], ['stray bits in "-_"', '-_'], ['standard alphabet', 'a+b/'],
  ['inner space', 'ab cd'], ['leading space', ' AAA'], ['trailing space', 'AAA '],
  ['trailing newline', 'abc\n'], ['newline after a full group', 'abcd\n'], ['tab', 'Zm9v\t'],
  ['NUL', 'Zm9v\u0000'], ['fullwidth letters', 'ＡＡ'], ['a full group of padding', 'AAAA===='],
  ['stray bits after a full group', 'AAAAQR'], ['stray bits, one of them', 'AAAAAAB'],
  ['null', null], ['a number', 123], ['bytes instead of text', new TextEncoder().encode('QUFB')],
];

// The reference: the platform's btoa (standard alphabet, padded), made url-safe and unpadded.
const reference = (bytes) => btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_')
  .replace(/=+$/, '');

// b64decode hands texts of 128 characters and more to the engine's own decoder: each refusal
// again after 128 good characters (whole groups, so it stays at the end), so both paths are asked.
const LONG = 'A'.repeat(128);

for (const [impl, decode] of IMPLEMENTATIONS) {
  for (const [name, text] of REFUSED_BY_PYTHON) {
    test(`${impl} refuses ${name}, as Python does`, () => {
      assert.throws(() => decode(text), Base64Error);
      if (typeof text === 'string') {
        assert.throws(() => decode(LONG + text), Base64Error);
      }
    });
  }
}

for (const [impl, decode, encode] of IMPLEMENTATIONS) {
  test(`${impl} enforces an exact length when asked`, () => {
    assert.throws(() => decode('AAAA', 2), { name: 'Base64Error', message: 'expected 2 bytes, got 3' });
    assert.deepEqual(decode('AAAA', 3), new Uint8Array(3));
    assert.deepEqual(decode('', 0), new Uint8Array(0));
  });

  test(`${impl} reads the url-safe alphabet`, () => {
    assert.deepEqual(decode('-_8'), new Uint8Array([0xfb, 0xff]));
    assert.deepEqual(decode('QUFB', 3), new TextEncoder().encode('AAA'));
  });

  test(`${impl} encodes to unpadded url-safe text matching btoa's`, () => {
    const rand = prng(7);
    for (let len = 0; len < 300; len++) { // on both sides of where b64encode and b64decode go native
      const bytes = Uint8Array.from({ length: len }, () => rand.int(256));
      const expected = reference(bytes);
      assert.equal(encode(bytes), expected);
      assert.deepEqual(decode(expected, len), bytes);
    }
  });

  test(`every text ${impl} accepts encodes back to itself`, () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const rand = prng(11);
    let accepted = 0;
    for (let i = 0; i < 3000; i++) {
      const text = Array.from({ length: rand.int(11) }, () => rand.pick(alphabet)).join('');
      let bytes;
      try {
        bytes = decode(text);
      } catch (err) {
        assert.ok(err instanceof Base64Error);
        continue;
      }
      accepted++;
      assert.equal(encode(bytes), text);
    }
    assert.ok(accepted > 100, `only ${accepted} texts decoded`);
  });
}

test('the two implementations accept and refuse the same texts, byte for byte', () => {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=+/ ';
  const rand = prng(13);
  const outcome = (fn, text) => {
    try {
      return Array.from(fn(text)).join(',');
    } catch (err) {
      assert.ok(err instanceof Base64Error, String(err));
      return 'refused';
    }
  };
  for (let i = 0; i < 5000; i++) {
    const text = Array.from({ length: rand.int(14) }, () => rand.pick(alphabet)).join('');
    assert.equal(outcome(b64decode, text), outcome(decodeJS, text), JSON.stringify(text));
  }
  // Long texts (the engine's decoder in b64decode), good ones with one character changed.
  const good = alphabet.slice(0, 64);
  const odd = ['=', '==', ' ', '\n', '+', '/', '.', 'é', 'Ａ', '\u0000', ''];
  let refusedLong = 0;
  for (let i = 0; i < 3000; i++) {
    const n = 126 + rand.int(12);
    const chars = Array.from({ length: n }, () => rand.pick(good));
    if (i % 3) chars[rand.int(n)] = rand.pick(odd);
    const text = chars.join('');
    const answer = outcome(b64decode, text);
    assert.equal(answer, outcome(decodeJS, text), JSON.stringify(text));
    if (answer === 'refused') refusedLong++;
  }
  assert.ok(refusedLong > 1000 && refusedLong < 2900, `${refusedLong} long texts refused`);
});

test('b64encode takes only a Uint8Array', () => {
  for (const encode of [b64encode, encodeJS]) {
    assert.throws(() => encode('abc'), TypeError);
    assert.throws(() => encode([1, 2]), TypeError);
  }
});

test('Chromium uses its own base64 (the engines the app runs in have it)', () => {
  // Node 20 has no Uint8Array.fromBase64; every Chromium this app is tested in does.
  if (globalThis.navigator?.userAgent?.includes('Chrome/')) assert.equal(NATIVE_BASE64, true);
  else assert.equal(NATIVE_BASE64, typeof Uint8Array.fromBase64 === 'function');
});
