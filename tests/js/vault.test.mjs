// The vault: v2 derives one PBKDF2 block and expands it with HKDF; a v1 vault still opens, is
// sealed again as v2 at that unlock, and a duress passphrase set under v1 still works after it.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { Session } from '../../pwa/static/js/session.js';
import { LocalStore } from '../../pwa/static/js/store/local.js';
import { memoryAdapter } from '../../pwa/static/js/store/memory-adapter.js';
import { ITERATIONS, duressVerifierV1, open, seal, sealV1, upgrade, withDuress, withoutDuress }
  from '../../pwa/static/js/crypto/vault.js';
import { newLocalKey } from '../../pwa/static/js/crypto/local-box.js';
import { generateDeviceKeys } from '../../pwa/static/js/core/keys.js';
import { b64encode } from '../../pwa/static/js/core/b64.js';

const SECRET = { sign: 'c2lnbg', ecdh: 'ZWNkaA', local: 'bG9jYWw', token: 'tok' };
const REAL = 'ploughed lantern ferry walnut cobalt';
const DURESS = 'quiet orchard copper tuesday';

test('a v2 vault opens with its passphrase only, and costs one PBKDF2 block', async () => {
  const vault = await seal(SECRET, REAL);
  assert.equal(vault.v, 2);
  assert.equal(vault.iterations, ITERATIONS);
  assert.ok(ITERATIONS >= 1200000);
  assert.deepEqual(await open(vault, REAL), { status: 'open', secret: SECRET, upgrade: false });
  assert.deepEqual(await open(vault, 'ploughed lantern ferry walnut cobalT'), { status: 'wrong' });
});

test('the v2 key is HKDF of PBKDF2 with one 32-byte output block', async () => {
  const vault = await seal(SECRET, REAL);
  const subtle = globalThis.crypto.subtle;
  const salt = Uint8Array.from(Buffer.from(vault.salt, 'base64'));
  const base = await subtle.importKey('raw', new TextEncoder().encode(REAL), 'PBKDF2', false, ['deriveBits']);
  const seed = await subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt, iterations: vault.iterations },
    base, 256);
  const prk = await subtle.importKey('raw', seed, 'HKDF', false, ['deriveKey']);
  const key = await subtle.deriveKey({ name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0),
    info: new TextEncoder().encode('zapis/vault/2/key') }, prk, { name: 'AES-GCM', length: 256 }, false, ['decrypt']);
  const plain = await subtle.decrypt({ name: 'AES-GCM', iv: Buffer.from(vault.nonce, 'base64'),
    additionalData: new TextEncoder().encode('zapis/vault/2') }, key, Buffer.from(vault.ct, 'base64'));
  assert.deepEqual(JSON.parse(new TextDecoder().decode(plain)), SECRET);
});

test('a duress passphrase on a v2 vault is recognised, and clearing it forgets it', async () => {
  const vault = await withDuress(await seal(SECRET, REAL), DURESS);
  assert.deepEqual(await open(vault, DURESS), { status: 'duress' });
  assert.equal((await open(vault, REAL)).status, 'open');
  const cleared = withoutDuress(vault);
  assert.deepEqual(await open(cleared, DURESS), { status: 'wrong' });
});

test('a v1 vault opens, asks to be upgraded, and the upgraded v2 vault opens with the same passphrase', async () => {
  const v1 = await sealV1(SECRET, REAL);
  assert.equal(v1.v, 1);
  const opened = await open(v1, REAL);
  assert.deepEqual(opened, { status: 'open', secret: SECRET, upgrade: true });
  const v2 = await upgrade(v1, opened.secret, REAL);
  assert.equal(v2.v, 2);
  assert.notEqual(v2.salt, v1.salt);
  assert.deepEqual(await open(v2, REAL), { status: 'open', secret: SECRET, upgrade: false });
  assert.deepEqual(await open(v1, 'not it at all, no'), { status: 'wrong' });
});

test('a duress passphrase set under v1 still works after the upgrade, until it is set or cleared again', async () => {
  const bare = await sealV1(SECRET, REAL);
  const v1 = { ...bare, duress: await duressVerifierV1(bare.salt, DURESS) };
  assert.deepEqual(await open(v1, DURESS), { status: 'duress' });
  const v2 = await upgrade(v1, SECRET, REAL);
  assert.deepEqual(v2.legacy_duress, { salt: v1.salt, iterations: v1.iterations, verifier: v1.duress });
  assert.deepEqual(await open(v2, DURESS), { status: 'duress' });
  assert.deepEqual(await open(v2, 'something else entirely'), { status: 'wrong' });
  const replaced = await withDuress(v2, 'another duress phrase here');
  assert.equal(replaced.legacy_duress, undefined);
  assert.deepEqual(await open(replaced, DURESS), { status: 'wrong' });
  assert.deepEqual(await open(replaced, 'another duress phrase here'), { status: 'duress' });
  assert.equal(withoutDuress(v2).legacy_duress, undefined);
});

test('a device with a v1 vault unlocks and its store then holds a v2 vault', async () => {
  const adapter = memoryAdapter();
  const store = new LocalStore(adapter);
  const keys = await generateDeviceKeys({ extractable: true });
  const pkcs8 = async (k) => b64encode(new Uint8Array(await crypto.subtle.exportKey('pkcs8', k)));
  const secret = { sign: await pkcs8(keys.sign.privateKey), ecdh: await pkcs8(keys.ecdh.privateKey),
    local: newLocalKey(), token: 'tok' };
  const device = { workspace: 'w', device: 'd', role: 'volunteer', fingerprint: 'f'.repeat(43), sign_key: 'x',
    ecdh_key: 'y' };
  await store.create({ device, vault: await sealV1(secret, REAL), directory: [], settings: {} });
  const session = new Session(store, { wipe: async () => {} });
  await session.init();
  assert.equal((await session.unlock(REAL)).status, 'open');
  const stored = await store.getVault();
  assert.equal(stored.v, 2);
  assert.equal(stored.iterations, ITERATIONS);
  await session.lock();
  assert.equal((await session.unlock(REAL)).status, 'open');
  assert.equal(session.token, 'tok');
});

test('changing the passphrase keeps the duress passphrase and refuses a wrong current one', async () => {
  const adapter = memoryAdapter();
  const store = new LocalStore(adapter);
  const keys = await generateDeviceKeys({ extractable: true });
  const pkcs8 = async (k) => b64encode(new Uint8Array(await crypto.subtle.exportKey('pkcs8', k)));
  const secret = { sign: await pkcs8(keys.sign.privateKey), ecdh: await pkcs8(keys.ecdh.privateKey),
    local: newLocalKey(), token: 'tok' };
  const device = { workspace: 'w', device: 'd', role: 'volunteer', fingerprint: 'f'.repeat(43), sign_key: 'x',
    ecdh_key: 'y' };
  await store.create({ device, vault: await withDuress(await seal(secret, 'Natasha1985'), DURESS), directory: [],
    settings: {} });
  const session = new Session(store, { wipe: async () => {} });
  await session.init();
  assert.equal(await session.changePassphrase('wrong', REAL), 'wrong');
  assert.equal(await session.changePassphrase('Natasha1985', DURESS), 'duress');
  assert.equal(await session.changePassphrase('Natasha1985', REAL), 'changed');
  const vault = await store.getVault();
  assert.deepEqual(await open(vault, 'Natasha1985'), { status: 'wrong' });
  assert.deepEqual(await open(vault, REAL), { status: 'open', secret, upgrade: false });
  assert.deepEqual(await open(vault, DURESS), { status: 'duress' });
});
