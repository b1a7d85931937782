// Records with opaque field ids (protocol 3) in the PWA, against the fake server: every kind's
// first change looks alike on the wire, and a legacy record (names on the wire) is read and
// edited in its own form. The vectors are in field-ids.test.mjs.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { encryptField, keyCommitment, newRecordKey, signChange, wrapKey } from '../../pwa/static/js/core/envelopes.js';
import { FIRST_CHANGE_WRITES, isId } from '../../pwa/static/js/core/field-ids.js';
import { FORMS } from '../../pwa/static/js/forms.js';
import { WORKSPACE, world } from './sync-world.mjs';

describe('records with field ids', () => {
  test('the first change holds every kind: the largest form, kind and _deleted fit in it', () => {
    const largest = Math.max(...Object.values(FORMS).map((form) => form.length));
    assert.ok(largest + 2 <= FIRST_CHANGE_WRITES, `${largest} form fields + kind + _deleted > ${FIRST_CHANGE_WRITES}`);
  });

  test('an incident and a need look alike on the wire: as many writes, ids of their own', async () => {
    const w = await world();
    await w.phone('coordinator', { root: true });
    const phone = await w.phone('volunteer');
    const blank = (kind) => Object.fromEntries(FORMS[kind].map((f) => [f.name, null]));
    const incident = await phone.records.save({ values: { ...blank('incident'), kind: 'incident', category: 'bank',
      description: 'x' } });
    const need = await phone.records.save({ values: { ...blank('need'), kind: 'need', category: 'legal',
      description: 'y' } });
    const changes = (await phone.store.outbox()).filter((i) => i.change).map((i) => i.change);
    assert.deepEqual(changes.map((c) => c.writes.length), [FIRST_CHANGE_WRITES, FIRST_CHANGE_WRITES]);
    const [a, b] = changes.map((c) => c.writes.map((x) => x.field));
    assert.ok(a.every(isId) && b.every(isId));
    assert.equal(a.filter((f) => b.includes(f)).length, 0); // no id in common, not even `category`
    assert.equal((await phone.records.read(incident)).values.category, 'bank');
    assert.equal((await phone.records.read(need)).values.category, 'legal');
  });

  test('a legacy record (names on the wire) is read, and edited in its own form, by a v3 device', async () => {
    const w = await world();
    const root = await w.phone('coordinator', { root: true });
    const phone = await w.phone('volunteer');
    // What a protocol-2 app made: a record whose writes carry names, values {t, v} under zapis/field/1.
    const id = crypto.randomUUID();
    const key = newRecordKey();
    for (const r of [{ id: phone.id, ecdh_key: phone.keys.ecdh_key }, { id: w.root.id, ecdh_key: w.root.ecdh_key }]) {
      w.server.injectWrap(await wrapKey({ recordKey: key, workspace: WORKSPACE, record: id, sender: phone.id,
        senderKey: phone.keys.k.sign.privateKey, recipient: r.id, recipientEcdh: r.ecdh_key }));
    }
    const old = { kind: 'need', category: 'legal', description: 'from before', status: 'new' };
    const writes = await Promise.all(Object.keys(old).sort().map(async (field) => ({ field, dot: [phone.id, 1], ctx: {},
      ...(await encryptField(key, WORKSPACE, id, field, [phone.id, 1], old[field], 5)) })));
    w.server.inject(await signChange(phone.keys.k.sign.privateKey, { workspace: WORKSPACE, record: id, device: phone.id,
      kc: await keyCommitment(key), writes }));
    await root.sync();
    const view = await root.records.read(id);
    assert.deepEqual(view.values, old);
    await root.records.save({ id, values: { ...view.values, status: 'met' }, before: view.values,
      seen: view.contexts });
    const [edit] = (await root.store.outbox()).filter((i) => i.change).map((i) => i.change);
    assert.deepEqual(edit.writes.map((x) => x.field), ['status']); // its name, as the record's other fields
    await root.sync();
    await phone.sync();
    assert.equal((await phone.records.read(id)).values.status, 'met');
    assert.equal(await phone.records.fieldOf(id, 'status'), 'status');
  });
});

test('a first change\'s padding is not decrypted to list or read a record, and changes nothing shown', async () => {
  const w = await world();
  await w.phone('coordinator', { root: true });
  const reader = await w.phone('coordinator');
  const volunteer = await w.phone('volunteer');
  await volunteer.sync();
  const values = { kind: 'need', category: 'legal', urgency: 'normal', status: 'new', description: 'padded' };
  const id = await volunteer.records.save({ values });
  await volunteer.sync();
  await reader.sync();
  const state = await reader.store.getRecord(id);
  assert.equal(Object.keys(state.fields).length, FIRST_CHANGE_WRITES);
  const subtle = globalThis.crypto.subtle;
  const decrypt = subtle.decrypt;
  let calls = 0;
  subtle.decrypt = (...args) => { calls += 1; return decrypt.apply(subtle, args); };
  let record;
  try {
    record = await reader.records.read(id);
  } finally {
    subtle.decrypt = decrypt;
  }
  // The values written (with `_deleted`), each opened once; none of the padding.
  assert.equal(calls, Object.keys(values).length + 1);
  assert.deepEqual(record.unreadable, []);
  for (const [name, value] of Object.entries(values)) assert.deepEqual(record.values[name], value);
  assert.ok(!Object.keys(record.values).some((name) => name.startsWith('_pad_')));
});
