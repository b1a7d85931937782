// Device keys in WebCrypto: wire forms, signatures, and verify() that never throws.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { b64decode, b64encode } from '../../pwa/static/js/core/b64.js';
import {
  InvalidKeyError, exportPublic, fingerprint, generateDeviceKeys, importEcdhPublic, importPrivatePkcs8,
  importSignPublic, sign, verify,
} from '../../pwa/static/js/core/keys.js';
import { flipBit, utf8, vectors } from './helpers.mjs';

const { devices } = vectors('envelopes');

test('device keys are P-256 pairs whose private halves stay inside WebCrypto by default', async () => {
  const { sign: s, ecdh } = await generateDeviceKeys();
  assert.equal(s.privateKey.algorithm.name, 'ECDSA');
  assert.equal(s.privateKey.algorithm.namedCurve, 'P-256');
  assert.equal(ecdh.privateKey.algorithm.name, 'ECDH');
  assert.equal(s.privateKey.extractable, false);
  assert.equal(ecdh.privateKey.extractable, false);
  const raw = b64decode(await exportPublic(s.publicKey), 65);
  assert.equal(raw[0], 4);
  const extractable = await generateDeviceKeys({ extractable: true });
  assert.equal(extractable.sign.privateKey.extractable, true);
  assert.equal(extractable.ecdh.privateKey.extractable, true);
});

test('a fingerprint is base64url SHA-256 of the raw signing key', async () => {
  const fp = await fingerprint(devices[0].sign_key);
  assert.equal(fp, devices[0].fingerprint);
  assert.equal(fp.length, 43);
  await assert.rejects(fingerprint('AAAA'), { name: 'Base64Error' });
});

test('a signature made here verifies, and only for the same bytes and key', async () => {
  const { sign: pair } = await generateDeviceKeys();
  const other = (await generateDeviceKeys()).sign;
  const publicText = await exportPublic(pair.publicKey);
  const sig = await sign(pair.privateKey, utf8('hello'));
  assert.equal(b64decode(sig).length, 64);
  assert.equal(await verify(publicText, sig, utf8('hello')), true);
  assert.equal(await verify(publicText, sig, utf8('hellO')), false);
  assert.equal(await verify(await exportPublic(other.publicKey), sig, utf8('hello')), false);
  assert.equal(await verify(publicText, flipBit(sig, 40), utf8('hello')), false);
});

test('a key loaded from the vectors signs what its public key verifies', async () => {
  const d = devices[2];
  const key = await importPrivatePkcs8(d.sign_pkcs8, 'sign');
  assert.equal(key.extractable, false);
  assert.equal(await verify(d.sign_key, await sign(key, utf8('x')), utf8('x')), true);
});

test('verify is false, never a throw, for malformed keys and signatures', async () => {
  const d = devices[0];
  const key = await importPrivatePkcs8(d.sign_pkcs8, 'sign');
  const sig = await sign(key, utf8('x'));
  const raw = b64decode(d.sign_key);
  const offCurve = raw.slice();
  offCurve[64] ^= 1;
  const compressed = raw.slice(0, 33);
  compressed[0] = 2 + (raw[64] & 1);
  const cases = [
    [d.sign_key, sig.slice(0, -2)], [d.sign_key, sig + 'A'], [d.sign_key, `${sig.slice(0, -1)}=`],
    [d.sign_key, b64encode(new Uint8Array(64))], [d.sign_key, null], [d.sign_key, 42],
    [b64encode(offCurve), sig], [b64encode(compressed), sig], [d.sign_key.slice(1), sig], ['', sig],
    [null, sig], [{ sign_key: d.sign_key }, sig], [d.ecdh_key, sig],
  ];
  for (const [i, [publicText, signature]] of cases.entries()) {
    assert.equal(await verify(publicText, signature, utf8('x')), false, `case ${i}`);
  }
  assert.equal(await verify(d.sign_key, sig, 'x'), false);
  assert.equal(await verify(d.sign_key, sig, utf8('x')), true);
});

test('public keys are imported once and cached', async () => {
  const d = devices[1];
  const [a, b] = await Promise.all([importSignPublic(d.sign_key), importSignPublic(d.sign_key)]);
  assert.equal(a, b);
  assert.deepEqual(a.usages, ['verify']);
  assert.equal(await importEcdhPublic(d.ecdh_key), await importEcdhPublic(d.ecdh_key));
  assert.notEqual(await importEcdhPublic(d.ecdh_key, { cache: false }), await importEcdhPublic(d.ecdh_key));
});

test('a point off the curve or a compressed point is an InvalidKeyError, and is not cached', async () => {
  const raw = b64decode(devices[0].sign_key);
  raw[64] ^= 1;
  await assert.rejects(importSignPublic(b64encode(raw)), InvalidKeyError);
  await assert.rejects(importEcdhPublic(b64encode(raw)), InvalidKeyError);
  raw[0] = 3;
  await assert.rejects(importSignPublic(b64encode(raw)), InvalidKeyError);
  await assert.rejects(importSignPublic('not base64!'), InvalidKeyError);
  const first = importSignPublic(b64encode(raw));
  await assert.rejects(first, InvalidKeyError);
  assert.notEqual(importSignPublic(b64encode(raw)), first);
});

test('importPrivatePkcs8 knows only sign and ecdh', async () => {
  assert.throws(() => importPrivatePkcs8(devices[0].sign_pkcs8, 'encrypt'), TypeError);
  const ecdh = await importPrivatePkcs8(devices[0].ecdh_pkcs8, 'ecdh', true);
  assert.equal(ecdh.extractable, true);
  assert.deepEqual(ecdh.usages, ['deriveBits']);
});
