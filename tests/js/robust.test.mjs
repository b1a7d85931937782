// A bad value costs only itself, and a wrong key never locks anyone out: the PWA's records and
// sync engine against the fake server (docs/protocol.md, "Reading robustly"; the twin of
// tests/test_robust_reading.py).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { b64encode } from '../../pwa/static/js/core/b64.js';
import { keyCommitment, newRecordKey, signChange, unwrapKey, wrapKey } from '../../pwa/static/js/core/envelopes.js';
import { encryptValue } from '../../pwa/static/js/core/fields.js';
import { nextWrite } from '../../pwa/static/js/core/merge.js';
import { Records } from '../../pwa/static/js/records.js';
import { WORKSPACE, world } from './sync-world.mjs';

const random = (n) => b64encode(crypto.getRandomValues(new Uint8Array(n)));
const need = (description, extra = {}) => ({ kind: 'need', category: 'legal', description, ...extra });

async function recordKey(device, id) {
  const state = await device.store.getRecord(id);
  return unwrapKey(state.wrap, device.keys.k.ecdh.privateKey);
}

/** A correctly signed change by `device` whose one write to `name` (its field id) is random bytes. */
async function poisoned(device, id, name, key) {
  const field = await device.records.fieldOf(id, name);
  const state = await device.store.getRecord(id);
  const { dot, ctx } = nextWrite(state.fields[field] ?? [], device.id);
  return signChange(device.keys.k.sign.privateKey, { workspace: WORKSPACE, record: id, device: device.id,
    kc: await keyCommitment(key), writes: [{ field, dot, ctx, nonce: random(12), ct: random(80) }] });
}

test('a poisoned value costs only itself: other fields, records, sync and a fresh unlock go on', async () => {
  const w = await world();
  const root = await w.phone('coordinator', { root: true });
  const phone = await w.phone('volunteer');
  const first = await phone.records.save({ values: need('call after six', { city: 'Vilnius' }) });
  const second = await phone.records.save({ values: need('second record') });
  await phone.sync();
  w.server.inject(await poisoned(phone, first, 'city', await recordKey(phone, first)));
  const result = await root.sync();
  assert.equal(result.ok, true);
  const view = await root.records.read(first);
  assert.equal(view.values.description, 'call after six');
  assert.equal(view.values.city, undefined);
  assert.deepEqual(view.unreadable.map((u) => [u.field, u.device, u.code]), [['city', phone.id, 'unreadable_value']]);
  assert.equal((await root.records.read(second)).values.description, 'second record');
  assert.deepEqual(root.records.list().map((s) => s.id).sort(), [first, second].sort());
  // Sync goes on: an edit is pushed, the cursor moves.
  const cursor = await root.replica.cursor();
  await root.records.save({ id: second, values: need('edited'), before: need('second record') });
  const again = await root.sync();
  assert.equal(again.ok, true);
  assert.equal(again.pushed.accepted, 1);
  assert.ok((await root.replica.cursor()) >= cursor);
  // A fresh unlock (new Records over the same store, no cache) opens every record.
  await root.store.adapter?.transaction?.(['cache'], 'readwrite', (tx) => tx.clear('cache'));
  const fresh = new Records(root.store, root.identity);
  const listed = await fresh.load();
  assert.deepEqual(listed.map((s) => s.id).sort(), [first, second].sort());
});

test('load() never rejects because of one record', async () => {
  const w = await world();
  const root = await w.phone('coordinator', { root: true });
  const ok = await root.records.save({ values: need('fine') });
  const broken = await root.records.save({ values: need('broken') });
  // A record state whose fields are not even arrays: damaged on disk.
  const state = await root.store.getRecord(broken);
  await root.adapter.transaction(['records', 'cache'], 'readwrite', async (tx) => {
    await tx.put('records', { ...state, fields: { description: 'not a live set' } });
    await tx.clear('cache');
  });
  const fresh = new Records(root.store, root.identity);
  const listed = await fresh.load();
  assert.deepEqual(listed.map((s) => s.id), [ok]);
});

test('a wrong-key wrap is refused and never locks the reader out; the right wrap sent later works', async () => {
  const w = await world();
  const root = await w.phone('coordinator', { root: true });
  const creator = await w.phone('volunteer');
  const other = await w.phone('volunteer');
  const id = await creator.records.save({ values: need('second floor') });
  const before = await creator.records.save({ values: need('another record') });
  const realWraps = () => w.server.wraps.filter((x) => x.wrap.record === id && x.wrap.recipient === root.id);
  await creator.sync();
  // A hostile server hides the real wrap and slips a validly signed wrap of a wrong key in its place.
  const hidden = realWraps();
  w.server.wraps = w.server.wraps.filter((x) => !hidden.includes(x));
  w.server.injectWrap(await wrapKey({ recordKey: newRecordKey(), workspace: WORKSPACE, record: id, sender: other.id,
    senderKey: other.keys.k.sign.privateKey, recipient: root.id, recipientEcdh: root.keys.ecdh_key }));
  const result = await root.sync();
  assert.equal(result.ok, true);
  assert.equal(await root.records.read(id), null); // no right key yet: unreadable, never misread
  assert.equal((await root.records.read(before)).values.description, 'another record');
  const fresh = new Records(root.store, root.identity);
  assert.deepEqual((await fresh.load()).map((s) => s.id), [before]); // the lock screen does not hang
  // The creator wraps again; the server keeps it beside the junk one; the reader takes it.
  const key = await recordKey(creator, id);
  await creator.store.queueWraps([await wrapKey({ recordKey: key, workspace: WORKSPACE, record: id, sender: creator.id,
    senderKey: creator.keys.k.sign.privateKey, recipient: root.id, recipientEcdh: root.keys.ecdh_key })]);
  await creator.sync();
  await root.sync();
  const view = await root.records.read(id);
  assert.equal(view.values.description, 'second floor');
  assert.deepEqual(view.wrongKeys.map((x) => [x.sender, x.code]), [[other.id, 'wrong_key']]);
  assert.ok(root.records.list().some((s) => s.id === id));
});

test('a wrong key arriving before the right one does not win, and writes go out under the right key', async () => {
  const w = await world();
  const root = await w.phone('coordinator', { root: true });
  const creator = await w.phone('volunteer');
  const other = await w.phone('volunteer');
  const id = await creator.records.save({ values: need('right') });
  w.server.injectWrap(await wrapKey({ recordKey: newRecordKey(), workspace: WORKSPACE, record: id, sender: other.id,
    senderKey: other.keys.k.sign.privateKey, recipient: root.id, recipientEcdh: root.keys.ecdh_key }));
  await creator.sync();
  await root.sync();
  assert.equal((await root.records.read(id)).values.description, 'right');
  await root.records.save({ id, values: need('edited by the coordinator'), before: need('right') });
  await root.sync();
  await creator.sync();
  assert.equal((await creator.records.read(id)).values.description, 'edited by the coordinator');
});

test('a value its writer committed to another key is unreadable alone', async () => {
  const w = await world();
  const root = await w.phone('coordinator', { root: true });
  const phone = await w.phone('volunteer');
  const id = await phone.records.save({ values: need('kept', { city: 'Minsk' }) });
  await phone.sync();
  const own = newRecordKey();
  const state = await phone.store.getRecord(id);
  const city = await phone.records.fieldOf(id, 'city');
  const { dot, ctx } = nextWrite(state.fields[city], phone.id);
  const { nonce, ct } = await encryptValue(own, WORKSPACE, id, city, 'city', dot, 'under another key', 1);
  w.server.inject(await signChange(phone.keys.k.sign.privateKey, { workspace: WORKSPACE, record: id, device: phone.id,
    kc: await keyCommitment(own), writes: [{ field: city, dot, ctx, nonce, ct }] }));
  await root.sync();
  const view = await root.records.read(id);
  assert.equal(view.values.description, 'kept');
  assert.equal(view.values.city, undefined);
  assert.deepEqual(view.unreadable.map((u) => u.field), ['city']);
});

test('the server refuses a wrap from a device that neither created the record nor coordinates', async () => {
  const w = await world();
  await w.phone('coordinator', { root: true });
  const creator = await w.phone('volunteer');
  const other = await w.phone('volunteer');
  const id = await creator.records.save({ values: need('mine') });
  await creator.records.grant(id, { id: other.id, ecdh_key: other.keys.ecdh_key });
  await creator.sync();
  await other.sync();
  assert.equal(await other.records.grant(id, { id: w.root.id, ecdh_key: w.root.ecdh_key }), 1);
  const result = await other.sync();
  assert.deepEqual(result.refused.map((r) => r.code), ['not_author']);
});

test('a wrap refused as wrong_key is listed with the sync problems, once', async () => {
  const w = await world();
  const root = await w.phone('coordinator', { root: true });
  const creator = await w.phone('volunteer');
  const other = await w.phone('volunteer');
  const id = await creator.records.save({ values: need('right') });
  w.server.injectWrap(await wrapKey({ recordKey: newRecordKey(), workspace: WORKSPACE, record: id, sender: other.id,
    senderKey: other.keys.k.sign.privateKey, recipient: root.id, recipientEcdh: root.keys.ecdh_key }));
  await creator.sync();
  await root.sync();
  await root.records.read(id);
  const problems = await root.replica.problems();
  assert.deepEqual(problems.map((p) => [p.kind, p.code, p.record, p.device]), [['wrap', 'wrong_key', id, other.id]]);
  assert.deepEqual((await root.replica.counts()).problems, 1);
});
