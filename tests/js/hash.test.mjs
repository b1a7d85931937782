// core/hash.js (noble-hashes, in JavaScript) gives exactly the bytes WebCrypto gives, for SHA-256,
// HMAC-SHA256 and HKDF-SHA256, on lengths around the block size and on random inputs.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { hkdfSha256, hmacKey, hmacSha256, sha256 } from '../../pwa/static/js/core/hash.js';

const subtle = globalThis.crypto.subtle;
const random = (n) => globalThis.crypto.getRandomValues(new Uint8Array(n));
const LENGTHS = [0, 1, 31, 32, 55, 56, 63, 64, 65, 100, 119, 120, 128, 1000, 4096];

test('SHA-256 equals WebCrypto', async () => {
  for (const n of LENGTHS) {
    const data = random(n);
    assert.deepEqual(sha256(data), new Uint8Array(await subtle.digest('SHA-256', data)), `length ${n}`);
  }
  // FIPS 180-2's "abc"
  assert.equal(Buffer.from(sha256(new TextEncoder().encode('abc'))).toString('hex'),
    'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
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
