// Key epochs in the PWA's engine (the browser path of the Devices screen drives the same modules,
// sync-controller.js `removed`): a coordinator removes a volunteer that held a record; the record
// gets a new key epoch; a later edit by another device opens with none of the removed device's
// keys, and the readers that remain read it. A volunteer's wrap never starts an epoch.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { makeRevocation } from '../../pwa/static/js/core/binding.js';
import {
  keyCommitment, newRecordKey, openValue, unwrapKeys, wrapKeys,
} from '../../pwa/static/js/core/envelopes.js';
import { fieldIdKeyFrom } from '../../pwa/static/js/core/field-ids.js';
import { holders, rotateOnce, serverHint, startRotation } from '../../pwa/static/js/sync/rotate.js';
import { assess } from '../../pwa/static/js/sync/verify.js';
import { WORKSPACE, world } from './sync-world.mjs';

function apiOf(w, device) {
  return async (method, path, body) => {
    const response = await w.server.fetch(path, { method, body: body === undefined ? undefined : JSON.stringify(body),
      headers: { 'Content-Type': 'application/json', Authorization: 'Bearer ' + device.token } });
    return response.json();
  };
}

function ctxOf(device, w) {
  const directory = new Map([...w.server.devices.values()].map((d) => [d.entry.id, d.entry]));
  const removed = device.identity.removed ?? [];
  return { device: device.id, ownEcdh: device.keys.ecdh_key, signPublic: device.keys.sign_key, workspace: WORKSPACE,
    directory, trusted: device.identity.trusted, recipients: device.identity.recipients,
    canWrapTo: (id) => Object.prototype.hasOwnProperty.call(device.identity.trusted, id) && !removed.includes(id)
      && directory.get(id)?.status !== 'revoked' };
}

/** Every key `device` holds, and every key the server's wraps to it open. */
async function everyKeyOf(device, w) {
  const found = [];
  for (const chain of device.records.keys.values()) found.push(...chain.map((k) => k.slice()));
  for (const { wrap } of w.server.wraps) {
    if (wrap.recipient === device.id) found.push(...await unwrapKeys(wrap, device.keys.k.ecdh.privateKey));
  }
  return found;
}

// Whether `key` opens a value (in either form; the field ids derive from the record's k0, `fidKey`).
async function opens(key, fidKey, record, write, e) {
  try {
    await openValue(key, fidKey, WORKSPACE, record, write.field, write.dot, write.nonce, write.ct, e);
    return true;
  } catch {
    return false;
  }
}

/** Revoke `device` as the Devices screen does, then run the rotation to its end. */
async function revoke(w, root, device) {
  const order = await makeRevocation(root.keys.k.sign.privateKey,
    { workspace: WORKSPACE, device: device.id, issuer: root.id });
  w.server.updateDevice(device.id, { status: 'revoked', revocations: [order] });
  await root.store.putMeta('revocations', [...((await root.store.getMeta('revocations')) ?? []), order]);
  root.engine.forget();
  await root.sync();
  const api = apiOf(w, root);
  const started = await startRotation({ store: root.store, records: root.records, device: device.id, coordinator: false,
    hint: await serverHint(api, device.id) });
  const steps = [];
  for (;;) {
    const step = await rotateOnce({ store: root.store, records: root.records, api, ctx: ctxOf(root, w) }, 1);
    if (!step) break;
    steps.push(step);
  }
  await root.sync();
  return { started, steps };
}

test('an edit after a revocation opens with none of the removed device\'s keys; remaining readers read it', async () => {
  const w = await world();
  const root = await w.phone('coordinator', { root: true });
  const leaving = await w.phone('volunteer');
  const staying = await w.phone('volunteer');
  for (const d of [root, leaving, staying]) await d.sync();
  const id = await leaving.records.save({ values: { kind: 'need', description: 'Alena, +375 29 000 00 00' } });
  const other = await root.records.save({ values: { kind: 'need', description: 'not hers' } });
  await leaving.sync();
  await root.sync();
  await root.records.grant([id], { id: staying.id, ecdh_key: staying.keys.ecdh_key });
  await root.sync();
  await staying.sync();
  assert.equal((await staying.records.read(id)).values.description, 'Alena, +375 29 000 00 00');
  const held = await everyKeyOf(leaving, w);

  const { started, steps } = await revoke(w, root, leaving);
  assert.deepEqual(started, { pending: [id], done: 0, total: 1 }); // not the record it never read
  assert.deepEqual(steps, [{ done: 1, total: 1 }]);
  assert.equal(await root.store.getMeta('rotation').then((m) => m.pending.length), 0);
  const epochWraps = w.server.wraps.filter(({ wrap }) => wrap.record === id
    && wrap.epoch === 1).map(({ wrap }) => wrap.recipient);
  assert.deepEqual(epochWraps.sort(), [root.id, staying.id].sort());
  assert.ok(!w.server.wraps.some(({ wrap }) => wrap.record === other && wrap.epoch));

  await staying.sync();
  const read = await staying.records.read(id);
  await staying.records.save({ id, values: { ...read.values, description: 'moved to Vilnius' }, before: read.values,
    seen: read.contexts });
  await staying.sync();
  const change = [...w.server.changes.values()].filter((c) => c.record === id).at(-1);
  assert.equal(change.device, staying.id);
  assert.equal(change.e, 1);
  held.push(...await everyKeyOf(leaving, w));
  await root.sync();
  const chain = root.records.keys.get(id);
  const fidKey = await fieldIdKeyFrom(chain[0], WORKSPACE, id);
  for (const write of change.writes) {
    assert.equal(await opens(chain.at(-1), fidKey, id, write, change.e), true); // the check can succeed
    for (const key of held) assert.equal(await opens(key, fidKey, id, write, change.e), false);
  }
  assert.equal((await root.records.read(id)).values.description, 'moved to Vilnius');
  assert.equal((await staying.records.read(id)).values.description, 'moved to Vilnius');
});

test('a volunteer\'s wrap claiming a new epoch is read with, never written with', async () => {
  const w = await world();
  const root = await w.phone('coordinator', { root: true });
  const volunteer = await w.phone('volunteer');
  for (const d of [root, volunteer]) await d.sync();
  const id = await volunteer.records.save({ values: { kind: 'need', description: 'first' } });
  await volunteer.sync();
  await root.sync();
  const [k0] = volunteer.records.keys.get(id);
  const claim = await wrapKeys({ recordKeys: [k0, newRecordKey()], workspace: WORKSPACE, record: id,
    sender: volunteer.id,
    senderKey: volunteer.keys.k.sign.privateKey, recipient: root.id, recipientEcdh: root.keys.ecdh_key });
  await volunteer.store.queueWraps([claim]);
  await volunteer.sync();
  await root.sync();
  assert.ok(w.server.wraps.some(({ wrap }) => wrap.sig === claim.sig));
  const read = await root.records.read(id);
  assert.equal(read.values.description, 'first');
  await root.records.save({ id, values: { ...read.values, description: 'checked' }, before: read.values });
  const outbox = await root.store.outbox();
  const change = outbox.at(-1).change;
  assert.equal(change.e, 0);
  assert.equal(change.kc, await keyCommitment(k0));
});

test('the holders of a new key list: never a revoked device, whatever the server lists', async () => {
  const w = await world();
  const root = await w.phone('coordinator', { root: true });
  const leaving = await w.phone('volunteer');
  const bystander = await w.phone('volunteer');
  for (const d of [root, leaving, bystander]) await d.sync();
  const id = await leaving.records.save({ values: { kind: 'need', description: 'x' } });
  await leaving.sync();
  const order = await makeRevocation(root.keys.k.sign.privateKey,
    { workspace: WORKSPACE, device: leaving.id, issuer: root.id });
  // The server hides the revocation (no order, no flag); the root kept its own order.
  await root.store.putMeta('revocations', [order]);
  await root.sync();
  // As Session does on unlock: trust from the directory shown and the orders kept.
  const directory = new Map([...w.server.devices.values()].map((d) => [d.entry.id, d.entry]));
  assert.equal(directory.get(leaving.id).status, 'active');
  const judged = await assess({ workspace: WORKSPACE, fingerprint: w.fingerprint, device: root.id, role: 'coordinator',
    signPublic: root.keys.sign_key, kept: await root.store.getMeta('revocations') }, directory);
  assert.ok(judged.removed.includes(leaving.id));
  root.identity.removed = judged.removed;
  const state = await root.store.getRecord(id);
  // Wraps the server "stores": one signed by the removed device's seized key naming itself and the
  // bystander, one by the bystander (no writer of the record) naming itself.
  const forged = await Promise.all([
    wrapKeys({ recordKey: newRecordKey(), workspace: WORKSPACE, record: id, sender: leaving.id,
      senderKey: leaving.keys.k.sign.privateKey, recipient: leaving.id, recipientEcdh: leaving.keys.ecdh_key }),
    wrapKeys({ recordKey: newRecordKey(), workspace: WORKSPACE, record: id, sender: leaving.id,
      senderKey: leaving.keys.k.sign.privateKey, recipient: bystander.id, recipientEcdh: bystander.keys.ecdh_key }),
    wrapKeys({ recordKey: newRecordKey(), workspace: WORKSPACE, record: id, sender: bystander.id,
      senderKey: bystander.keys.k.sign.privateKey, recipient: bystander.id, recipientEcdh: bystander.keys.ecdh_key }),
  ]);
  const ctx = ctxOf(root, w);
  const got = (await holders(state, forged, ctx)).map((r) => r.id);
  assert.deepEqual(got, [root.id]);
});
