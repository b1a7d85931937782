// core/hash.js (noble-hashes, in JavaScript) gives exactly the bytes WebCrypto gives, for SHA-256,
// HMAC-SHA256 and HKDF-SHA256, on lengths around the block size and on random inputs, and the
// known answers of FIPS 180-2, RFC 4231 and RFC 5869 (also run in Chromium: test_core_in_chromium).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { hkdfSha256, hmacKey, hmacSha256, sha256Parts } from '../../pwa/static/js/core/hash.js';

const subtle = globalThis.crypto.subtle;
const random = (n) => globalThis.crypto.getRandomValues(new Uint8Array(n));
const LENGTHS = [0, 1, 31, 32, 55, 56, 63, 64, 65, 100, 119, 120, 128, 1000, 4096];

test('SHA-256 equals WebCrypto', async () => {
  for (const n of LENGTHS) {
    const data = random(n);
    assert.deepEqual(sha256Parts(data), new Uint8Array(await subtle.digest('SHA-256', data)), `length ${n}`);
  }
});

test('SHA-256 of parts equals WebCrypto over their concatenation, call after call', async () => {
  // One working hash object serves every call (core/hash.js): a call must not see the last one.
  for (const a of LENGTHS) {
    for (const b of [0, 12, 63, 64, 200]) {
      const x = random(a);
      const y = random(b);
      const joined = new Uint8Array(a + b);
      joined.set(x);
      joined.set(y, a);
      const expected = new Uint8Array(await subtle.digest('SHA-256', joined));
      assert.deepEqual(sha256Parts(x, y), expected, `lengths ${a} + ${b}`);
      assert.deepEqual(sha256Parts(joined), expected);
    }
  }
  assert.deepEqual(sha256Parts(), new Uint8Array(await subtle.digest('SHA-256', new Uint8Array(0))));
});

test('two reusable HMAC keys used in turn keep their own state', async () => {
  const keys = [random(32), random(32)];
  const reusable = keys.map(hmacKey);
  for (let i = 0; i < 6; i++) {
    const k = i % 2;
    const message = random(10 + i * 30);
    assert.deepEqual(reusable[k].mac(message), hmacSha256(keys[k], message));
  }
});

const hex = (bytes) => [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
const bytes = (text) => new TextEncoder().encode(text);
const fromHex = (h) => Uint8Array.from(h.match(/../g), (x) => parseInt(x, 16));

test('SHA-256 of FIPS 180-2\'s "abc"', () => {
  assert.equal(hex(sha256Parts(bytes('abc'))), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
});

test('HMAC-SHA256 of RFC 4231, test case 2', () => {
  const expected = '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843';
  assert.equal(hex(hmacSha256(bytes('Jefe'), bytes('what do ya want for nothing?'))), expected);
  assert.equal(hex(hmacKey(bytes('Jefe')).mac(bytes('what do ya want for nothing?'))), expected);
});

test('HKDF-SHA256 of RFC 5869, test case 1', () => {
  const okm = hkdfSha256(fromHex('0b'.repeat(22)), fromHex('000102030405060708090a0b0c'),
    fromHex('f0f1f2f3f4f5f6f7f8f9'), 42);
  assert.equal(hex(okm), '3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865');
});

test('HMAC-SHA256 equals WebCrypto, one-shot and with a reusable key', async () => {
  for (const keyLength of [16, 32, 64, 65, 100]) {
    const key = random(keyLength);
    const webKey = await subtle.importKey('raw', key, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
    const reusable = hmacKey(key);
    for (const n of LENGTHS) {
      const message = random(n);
      const expected = new Uint8Array(await subtle.sign('HMAC', webKey, message));
      assert.deepEqual(hmacSha256(key, message), expected);
      assert.deepEqual(reusable.mac(message), expected, 'the reusable key gives the same tag every time');
    }
    reusable.destroy();
  }
});

test('HKDF-SHA256 equals WebCrypto', async () => {
  for (const length of [16, 32, 64]) {
    const ikm = random(32);
    const salt = random(40);
    const info = random(20);
    const base = await subtle.importKey('raw', ikm, 'HKDF', false, ['deriveBits']);
    const expected = new Uint8Array(await subtle.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt, info }, base,
      length * 8));
    assert.deepEqual(hkdfSha256(ikm, salt, info, length), expected);
  }
});
