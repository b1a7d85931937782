// tests/vectors/trust.json against the JavaScript twin: key bindings, safety numbers, certificate
// lists and revocation orders (tests/test_vectors_trust.py checks the same file in Python).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { bindingMatches, makeBinding, safetyNumber } from '../../pwa/static/js/core/binding.js';
import { canonicalJSON } from '../../pwa/static/js/core/canonical.js';
import { makeCertificate, verifyObject } from '../../pwa/static/js/core/envelopes.js';
import { exportPublic, generateDeviceKeys } from '../../pwa/static/js/core/keys.js';
import { evaluate, selfCheck } from '../../pwa/static/js/core/trust.js';
import { vectors } from './helpers.mjs';

const v = vectors('trust');
const WS = v.workspace;
const unsigned = ({ sig, ...rest }) => rest;

describe('trust.json', () => {
  for (const c of v.bindings) {
    test(`binding: ${c.name}`, async () => {
      assert.equal(await bindingMatches(c.binding, c.entry, WS), c.valid);
      if (c.signed) assert.equal(canonicalJSON(unsigned(c.binding)), c.signed);
    });
  }
  for (const c of v.safety) {
    test(`safety number of ${c.device}`, async () => {
      assert.equal(canonicalJSON(['zapis/safety/1', c.workspace, c.device, c.sign_key, c.ecdh_key]), c.hashed);
      assert.equal(await safetyNumber(c.workspace, c.device, c.sign_key, c.ecdh_key), c.number);
    });
  }
  for (const c of v.revocations) {
    test(`revocation: ${c.name}`, async () => {
      assert.equal(await verifyObject(c.signer, c.object), true);
      assert.equal(canonicalJSON(unsigned(c.object)), c.signed);
      assert.equal(await verifyObject(c.signer, { ...c.object, device: c.object.issuer }), false);
    });
  }
  for (const c of v.trust) {
    test(`trust: ${c.name}`, async () => {
      const out = await evaluate(c.devices, WS, c.fingerprint, c.kept);
      assert.deepEqual(out.trusted, c.trusted);
      assert.deepEqual(out.revoked, c.revoked);
    });
  }
  test('valid orders come back to be kept, and count when the server stops showing them', async () => {
    const c = v.trust.find((t) => t.name.startsWith('a revoked coordinator anchors'));
    const out = await evaluate(c.devices, WS, c.fingerprint);
    const bare = c.devices.map((d) => ({ ...d, revocations: [] }));
    assert.deepEqual((await evaluate(bare, WS, c.fingerprint)).revoked, []);
    assert.deepEqual((await evaluate(bare, WS, c.fingerprint, out.orders)).revoked, c.revoked);
  });
  test('hostile junk does not crash', async () => {
    const c = v.trust[5];
    const junk = c.devices.map((d) => ({ ...d, binding: 'x', certs: [1, null, { type: 3 }], revocations: 'xy' }));
    assert.deepEqual(await evaluate(junk, WS, c.fingerprint), { trusted: {}, revoked: [], orders: [] });
    assert.deepEqual((await evaluate([...c.devices, null, 5, { id: 3 }], WS, c.fingerprint)).trusted, c.trusted);
  });
});

test('self check catches a swapped key, role, binding or certificate', async () => {
  const k = await generateDeviceKeys();
  const sign = await exportPublic(k.sign.publicKey);
  const ecdh = await exportPublic(k.ecdh.publicKey);
  const other = await exportPublic((await generateDeviceKeys()).ecdh.publicKey);
  const me = { device: 'selfCheckDeviceAAAAAAA', role: 'coordinator', sign_key: sign, ecdh_key: ecdh };
  const good = { id: me.device, role: 'coordinator', sign_key: sign, ecdh_key: ecdh, cert: null,
    binding: await makeBinding(k.sign.privateKey, { workspace: WS, device: me.device, role: 'coordinator',
      sign_key: sign, ecdh_key: ecdh }) };
  assert.deepEqual(await selfCheck(good, WS, me), []);
  assert.deepEqual(await selfCheck({ ...good, binding: null }, WS, me), []);
  assert.deepEqual(await selfCheck({ ...good, ecdh_key: other }, WS, me), ['keys']);
  assert.deepEqual(await selfCheck({ ...good, role: 'volunteer' }, WS, me), ['role']);
  const forged = await makeBinding((await generateDeviceKeys()).sign.privateKey, { workspace: WS, device: me.device,
    role: 'coordinator', sign_key: sign, ecdh_key: ecdh });
  assert.deepEqual(await selfCheck({ ...good, binding: forged }, WS, me), ['binding']);
  const cert = await makeCertificate(k.sign.privateKey, { workspace: WS, device: me.device, role: 'coordinator',
    sign_key: sign, ecdh_key: other, issuer: me.device });
  assert.deepEqual(await selfCheck({ ...good, certs: [cert] }, WS, me), ['certificate']);
});
