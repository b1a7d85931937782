// Trust beyond the vectors: longer chains, any directory order, and hostile entries that must not throw.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { makeBinding } from '../../pwa/static/js/core/binding.js';
import { makeCertificate } from '../../pwa/static/js/core/envelopes.js';
import { importPrivatePkcs8 } from '../../pwa/static/js/core/keys.js';
import { verifyDirectory } from '../../pwa/static/js/core/trust.js';
import { vectors } from './helpers.mjs';

const { workspace: WS, devices } = vectors('envelopes');
const [ROOT, COORD, VOL, EVIL] = devices;

async function entry(subject, role, issuer, { workspace = WS } = {}) {
  const key = await importPrivatePkcs8(issuer.sign_pkcs8, 'sign');
  const cert = await makeCertificate(key, { workspace, device: subject.id, role, sign_key: subject.sign_key,
    ecdh_key: subject.ecdh_key, issuer: issuer.id });
  const { id, sign_key, ecdh_key } = subject;
  const own = await importPrivatePkcs8(subject.sign_pkcs8, 'sign');
  const binding = await makeBinding(own, { workspace, device: id, role, sign_key, ecdh_key });
  return { id, role, sign_key, ecdh_key, cert, binding, status: 'active', invite: null };
}

test('a chain through two coordinators is trusted in any directory order, revoked or not', async () => {
  const directory = [
    await entry(ROOT, 'coordinator', ROOT), await entry(COORD, 'coordinator', ROOT),
    await entry(EVIL, 'coordinator', COORD), { ...await entry(VOL, 'reporter', EVIL), status: 'revoked' },
  ];
  const expected = { [ROOT.id]: 'coordinator', [COORD.id]: 'coordinator', [EVIL.id]: 'coordinator',
    [VOL.id]: 'reporter' };
  assert.deepEqual(await verifyDirectory(directory, WS, ROOT.fingerprint), expected);
  assert.deepEqual(await verifyDirectory([...directory].reverse(), WS, ROOT.fingerprint), expected);
});

test('a root must be a coordinator of this workspace', async () => {
  assert.deepEqual(await verifyDirectory([await entry(ROOT, 'volunteer', ROOT)], WS, ROOT.fingerprint), {});
  const workspace = '00000000-0000-4000-8000-000000000000';
  const elsewhere = await entry(ROOT, 'coordinator', ROOT, { workspace });
  assert.deepEqual(await verifyDirectory([elsewhere], WS, ROOT.fingerprint), {});
});

test('a certificate signed by someone other than its issuer is not trusted', async () => {
  const forged = await entry(VOL, 'volunteer', EVIL);
  forged.cert = { ...forged.cert, issuer: ROOT.id };
  const directory = [await entry(ROOT, 'coordinator', ROOT), forged];
  assert.deepEqual(await verifyDirectory(directory, WS, ROOT.fingerprint), { [ROOT.id]: 'coordinator' });
});

test('hostile directory entries are skipped, never thrown on', async () => {
  const root = await entry(ROOT, 'coordinator', ROOT);
  const coord = await entry(COORD, 'coordinator', ROOT);
  const { issuer, ...noIssuer } = coord.cert;
  const directory = [
    { ...coord, id: 'a', cert: null }, { ...coord, cert: [coord.cert] }, { ...coord, cert: 'text' },
    { ...coord, cert: noIssuer }, { ...coord, cert: { ...coord.cert, extra: 0.5 } },
    { ...root, id: 'x', sign_key: 'bad', cert: { ...root.cert, device: 'x', sign_key: 'bad', issuer: 'x' } },
    { id: 'constructor', role: 'coordinator' }, root,
  ];
  assert.deepEqual(await verifyDirectory(directory, WS, ROOT.fingerprint), { [ROOT.id]: 'coordinator' });
});

test('an empty directory trusts nobody', async () => {
  assert.deepEqual(await verifyDirectory([], WS, ROOT.fingerprint), {});
});
