// The PWA's engine against a hostile server: revocation orders kept when the server drops or flips
// them, revoked coordinators anchoring nothing, the self-check alarm, bindings posted once, and the
// late-coordinator re-wrap's batches (sync/rewrap.js).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { makeRevocation } from '../../pwa/static/js/core/binding.js';
import { wrapRecipients } from '../../pwa/static/js/core/trust.js';
import { nextBatch, rewrapOnce } from '../../pwa/static/js/sync/rewrap.js';
import { exportPublic, generateDeviceKeys } from '../../pwa/static/js/core/keys.js';
import { WORKSPACE, certify, world } from './sync-world.mjs';

const need = (description) => ({ kind: 'need', category: 'legal', description });

async function outboxRecipients(phone) {
  const items = await phone.store.adapter.transaction(['outbox'], 'readonly', (tx) => tx.getAll('outbox'));
  return new Set(items.filter((i) => i.wrap).map((i) => i.wrap.recipient));
}

async function setup() {
  const w = await world();
  const root = await w.phone('coordinator', { root: true });
  const second = await w.phone('coordinator');
  const phone = await w.phone('volunteer');
  await phone.sync();
  return { w, root, second, phone };
}

for (const how of ['dropped', 'flipped']) {
  test(`a revocation the server ${how} still keeps every key from the revoked coordinator`, async () => {
    const { w, root, second, phone } = await setup();
    assert.ok(phone.identity.recipients.some((r) => r.id === second.id));
    const order = await makeRevocation(root.keys.k.sign.privateKey, { workspace: WORKSPACE, device: second.id,
      issuer: root.id });
    w.server.updateDevice(second.id, { status: 'revoked', revocations: [order] });
    await phone.sync();
    assert.deepEqual((await phone.replica.revocations()).map((o) => o.sig), [order.sig]);
    assert.ok(!phone.identity.recipients.some((r) => r.id === second.id));
    w.server.updateDevice(second.id, how === 'flipped' ? { status: 'active', revocations: [] } : { revocations: [] });
    await phone.sync();
    assert.ok(!phone.identity.recipients.some((r) => r.id === second.id));
    await phone.records.save({ values: need('after the server undid it') });
    const sent = await outboxRecipients(phone);
    assert.deepEqual([...sent].sort(), [phone.id, root.id].sort());
    // A restarted engine reads the kept orders from the store.
    phone.engine.directory = null;
    await phone.sync();
    assert.ok(!phone.identity.recipients.some((r) => r.id === second.id));
  });
}

test('a reader certified by a revoked coordinator is not trusted', async () => {
  const { w, root, second, phone } = await setup();
  const order = await makeRevocation(root.keys.k.sign.privateKey, { workspace: WORKSPACE, device: second.id,
    issuer: root.id });
  w.server.updateDevice(second.id, { status: 'revoked', revocations: [order] });
  await phone.sync();
  const reader = await w.phone('volunteer', { certified: true, issuer: { id: second.id, k: second.keys.k } });
  w.server.updateDevice(second.id, { status: 'active', revocations: [] });
  await phone.sync();
  assert.ok(!Object.prototype.hasOwnProperty.call(phone.engine.trusted, reader.id));
  assert.ok(Object.prototype.hasOwnProperty.call(phone.engine.trusted, root.id));
});

test('the server swapping this device\'s ECDH key raises the alarm: no key goes to anyone', async () => {
  const { w, root, phone } = await setup();
  const other = await exportPublic((await generateDeviceKeys()).ecdh.publicKey);
  w.server.updateDevice(phone.id, { ecdh_key: other });
  const result = await phone.sync();
  assert.deepEqual(result.alarm, ['keys']);
  assert.equal(result.ok, false);
  assert.deepEqual(phone.identity.recipients, []);
  assert.deepEqual(await phone.replica.alarm(), ['keys']);
  await phone.records.save({ values: need('while the alarm is up') });
  assert.deepEqual([...(await outboxRecipients(phone))], [phone.id]);
  // The coordinator no longer trusts it either: its own statement names another key.
  await root.sync();
  assert.ok(!Object.prototype.hasOwnProperty.call(root.engine.trusted, phone.id));
});

test('a device shown without its binding posts it once, and is trusted again', async () => {
  const { w, root, phone } = await setup();
  w.server.updateDevice(phone.id, { binding: null });
  await root.sync();
  assert.ok(!Object.prototype.hasOwnProperty.call(root.engine.trusted, phone.id));
  await phone.sync();
  const puts = w.server.requests.filter((r) => r.method === 'PUT');
  assert.equal(puts.length, 1);
  await phone.sync();
  assert.equal(w.server.requests.filter((r) => r.method === 'PUT').length, 1);
  await root.sync();
  assert.equal(root.engine.trusted[phone.id], 'volunteer');
});

test('nextBatch: batches per coordinator, in id order, skipping what is done', () => {
  const readable = ['a', 'b', 'c', 'd', 'e'];
  const x = { id: 'x', ecdh_key: 'X' };
  const y = { id: 'y', ecdh_key: 'Y' };
  assert.deepEqual(nextBatch(readable, [y, x], {}, 2), { target: x, ids: ['a', 'b'], done: 0, total: 5 });
  assert.deepEqual(nextBatch(readable, [y, x], { x: ['a', 'b'] }, 2),
    { target: x, ids: ['c', 'd'], done: 2, total: 5 });
  assert.deepEqual(nextBatch(readable, [y, x], { x: readable }, 10), { target: y, ids: readable, done: 0, total: 5 });
  assert.equal(nextBatch(readable, [x], { x: readable }), null);
  assert.equal(nextBatch(readable, [], {}), null);
});

test('a PWA coordinator re-wraps for a late coordinator, resumably, and never while the alarm is up', async () => {
  const w = await world();
  const root = await w.phone('coordinator', { root: true });
  const ids = [];
  for (let i = 0; i < 5; i++) ids.push(await root.records.save({ values: need(`old ${i}`) }));
  await root.sync();
  const late = await w.phone('coordinator');
  await root.sync();
  const meta = new Map();
  const store = { getMeta: async (k) => meta.get(k), putMeta: async (k, v) => { meta.set(k, v); } };
  const args = { store, records: root.records, recipients: root.identity.recipients, role: 'coordinator',
    device: root.id,
    alarm: [] };
  assert.equal(await rewrapOnce({ ...args, alarm: ['keys'] }, 2), null);
  assert.deepEqual(await rewrapOnce(args, 2), { target: late.id, done: 2, total: 5 });
  assert.deepEqual(await rewrapOnce(args, 2), { target: late.id, done: 4, total: 5 });
  assert.deepEqual(await rewrapOnce(args, 2), { target: late.id, done: 5, total: 5 });
  assert.equal(await rewrapOnce(args, 2), null);
  await root.sync();
  await late.sync();
  assert.deepEqual(late.records.list().map((s) => s.id).sort(), [...root.records.summaries.keys()].sort());
});

test('wrapRecipients: trusted coordinators only, never revoked, nobody while the alarm is up', () => {
  const dir = [{ id: 'a', ecdh_key: 'A' }, { id: 'b', ecdh_key: 'B', status: 'revoked' }, { id: 'c', ecdh_key: 'C' },
    { id: 'me', ecdh_key: 'M' }, { id: 'v', ecdh_key: 'V' }];
  const trusted = { a: 'coordinator', b: 'coordinator', c: 'coordinator', me: 'coordinator', v: 'volunteer' };
  assert.deepEqual(wrapRecipients(dir, trusted, 'me').map((r) => r.id), ['a', 'c']);
  assert.deepEqual(wrapRecipients(dir, trusted, 'me', { removed: ['c'] }).map((r) => r.id), ['a']);
  assert.deepEqual(wrapRecipients(dir, trusted, 'me', { alarm: ['role'] }), []);
});

test('a volunteer gives the records it created to a coordinator trusted after it saved them', async () => {
  const w = await world();
  const root = await w.phone('coordinator', { root: true });
  const phone = await w.phone('volunteer');
  const late = await w.phone('coordinator', { certified: false });
  await phone.sync();
  const mine = await phone.records.save({ values: need('saved before the new coordinator was certified') });
  await phone.sync();
  w.server.updateDevice(late.id, { cert: await certify(w.root, late.entry) });
  await phone.sync();
  const args = { store: phone.store, records: phone.records, recipients: phone.identity.recipients, role: 'volunteer',
    device: phone.id,
    alarm: [] };
  // Its own records go to every trusted coordinator it has not given them to (the root got its key
  // when it was saved: nothing is owed to it), then nothing is owed.
  let steps = 0;
  while (await rewrapOnce(args)) steps += 1;
  assert.equal(steps, 1);
  const sent = await outboxRecipients(phone);
  assert.ok(sent.has(late.id));
  await phone.sync();
  await late.sync();
  assert.ok(late.records.list().some((s) => s.id === mine));
  void root;
});
