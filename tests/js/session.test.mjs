// The session over the in-memory store, with the server stubbed: joining seals the keys, wrong
// passphrases slow down and may wipe, the duress passphrase destroys the real data.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { DEFAULT_SETTINGS, Session, retryDelay } from '../../pwa/static/js/session.js';
import { LocalStore } from '../../pwa/static/js/store/local.js';
import { memoryAdapter } from '../../pwa/static/js/store/memory-adapter.js';

const WORKSPACE = '4f6c1a8e-2b7d-4c1e-9a3f-0d5e6b7c8a9b';
const PASSPHRASE = 'kettle river seven mittens';
const TOKEN = 'bearer-token-canary-123456';

function stubServer() {
  const calls = [];
  globalThis.fetch = async (path, init) => {
    calls.push([init.method, path, init.body ? JSON.parse(init.body) : null]);
    const body = path === '/api/enroll'
      ? { workspace: WORKSPACE, device: JSON.parse(init.body).device.id, role: 'volunteer', token: TOKEN }
      : { devices: [] };
    return new Response(JSON.stringify(body), { status: path === '/api/enroll' ? 201 : 200 });
  };
  return calls;
}

async function joined(now = () => Date.now()) {
  const calls = stubServer();
  const adapter = memoryAdapter();
  const wiped = [];
  const session = new Session(new LocalStore(adapter),
    { now, wipe: async (store) => { wiped.push(store); await store.destroy(); } });
  await session.init();
  await session.join({ code: 'invite-code', workspace: WORKSPACE, fingerprint: 'f'.repeat(43),
    passphrase: PASSPHRASE });
  return { session, adapter, calls, wiped };
}

const raw = (adapter) => JSON.stringify(adapter.dump(),
  (k, v) => (ArrayBuffer.isView(v) ? new TextDecoder().decode(v) : v));

test('joining enrolls public keys only and seals the private keys and token', async () => {
  const { session, adapter, calls } = await joined();
  assert.equal(session.state, 'open');
  const [, , body] = calls.find(([, path]) => path === '/api/enroll');
  assert.deepEqual(Object.keys(body.device).sort(), ['ecdh_key', 'id', 'sign_key']);
  const vault = adapter.dump().vault[0][1];
  assert.equal(vault.v, 2);
  assert.equal(vault.iterations, 1200000);
  assert.equal(vault.kdf, 'PBKDF2-SHA256/HKDF-SHA256');
  assert.equal(raw(adapter).includes(TOKEN), false);
  assert.equal(raw(adapter).includes(PASSPHRASE), false);
  assert.equal(session.identity.signKey.extractable, false);
  assert.equal(session.identity.ecdhKey.extractable, false);
  await session.lock();
  assert.equal(session.state, 'locked');
  assert.equal(session.token, null);
  assert.equal((await session.unlock(PASSPHRASE)).status, 'open');
  assert.equal(session.token, TOKEN);
});

test('wrong passphrases are counted and, from the third, must wait longer each time', async () => {
  let clock = 1_000_000;
  const { session } = await joined(() => clock);
  await session.lock();
  assert.deepEqual([0, 1, 2, 3, 4, 5, 20].map(retryDelay), [0, 0, 0, 5, 10, 20, 300]);
  assert.equal((await session.unlock('wrong one')).status, 'wrong');
  assert.equal((await session.unlock('wrong two')).status, 'wrong');
  const third = await session.unlock('wrong three');
  assert.deepEqual([third.status, third.wait], ['wrong', 5]);
  // Even the right passphrase must wait; afterwards it opens and the count starts again.
  assert.equal((await session.unlock(PASSPHRASE)).status, 'wait');
  clock += 5000;
  assert.equal((await session.unlock(PASSPHRASE)).status, 'open');
  assert.deepEqual(await session.store.getMeta('guard'), { failures: 0, retryAt: 0 });
});

test('the failure limit wipes the device', async () => {
  const clock = 1_000_000;
  const { session, wiped } = await joined(() => clock);
  await session.saveSettings({ wipeAfter: 2 });
  await session.lock();
  assert.equal((await session.unlock('wrong one')).status, 'wrong');
  assert.equal((await session.unlock('wrong two')).status, 'wiped');
  assert.equal(wiped.length, 1);
  assert.equal(session.state, 'empty');
});

test('the duress passphrase erases the keys and data and leaves an app that never joined', async () => {
  const { session, adapter } = await joined();
  await session.saveSettings({ lang: 'be', wipeAfter: 5, travelAuto: true });
  await session.records.save({ values: { kind: 'need', category: 'legal', description: 'real data' } });
  const device = session.device.device;
  assert.equal(await session.setDuress(PASSPHRASE), false); // must differ from the real one
  assert.equal(await session.setDuress('lemon harbour quietly nine'), true);
  await session.lock();
  assert.equal((await session.unlock('lemon harbour quietly nine')).status, 'empty');
  assert.equal(session.state, 'empty');
  assert.equal(session.device, null);
  // Stored: only what an install that never joined holds once someone picked its language.
  const dump = adapter.dump();
  const left = Object.fromEntries(Object.entries(dump).filter(([, rows]) => rows.length));
  assert.deepEqual(left, { meta: [['settings', { ...DEFAULT_SETTINGS, lang: 'be' }]] });
  assert.equal(raw(adapter).includes(WORKSPACE), false);
  assert.equal(JSON.stringify(session).includes(device), false);
  assert.equal(JSON.stringify(session).includes(WORKSPACE), false);
  assert.deepEqual(session.settings, { ...DEFAULT_SETTINGS, lang: 'be' });
  assert.equal((await session.unlock(PASSPHRASE)).status, 'wiped'); // nothing left to open
});
