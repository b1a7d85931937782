// tests/vectors/field_ids.json against the JavaScript twin: field-id derivation, protocol-3 values
// {n, t, v} under AAD zapis/field/2, and what a reader refuses (tests/test_vectors_field_ids.py
// checks the same file in Python).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { b64decode } from '../../pwa/static/js/core/b64.js';
import { canonicalJSON } from '../../pwa/static/js/core/canonical.js';
import { decryptValue, encryptValue, fieldAAD2, openValue } from '../../pwa/static/js/core/envelopes.js';
import {
  FIRST_CHANGE_WRITES, fid, fieldIdKeyFrom, isId, isName, paddedFirst,
} from '../../pwa/static/js/core/field-ids.js';
import { vectors } from './helpers.mjs';

const v = vectors('field_ids');
const D = v.derivation;
const k0 = b64decode(D.k0);
const fidKey = await fieldIdKeyFrom(k0, D.workspace, D.record);

describe('field_ids.json', () => {
  test('the field-id key and the ids derive as the vectors say', async () => {
    assert.equal(canonicalJSON(['zapis/field-id/1', D.workspace, D.record]), D.salt);
    for (const [name, id] of Object.entries(D.ids)) assert.equal(await fid(fidKey, name), id);
  });
  test('ids differ from record to record', async () => {
    const other = await fieldIdKeyFrom(k0, D.workspace, '11111111-2222-4333-8444-555555555555');
    assert.equal(await fid(other, 'status'), v.other_record_fid_of_status);
    assert.notEqual(v.other_record_fid_of_status, D.ids.status);
  });
  for (const c of v.values) {
    test(`value of ${c.name}: AAD, ciphertext and opening are exactly Python's`, async () => {
      const key = b64decode(c.record_key);
      assert.equal(await fid(fidKey, c.name), c.field);
      assert.equal(new TextDecoder().decode(fieldAAD2(c.workspace, c.record, c.field, c.dot, c.epoch)), c.aad);
      const out = await encryptValue(key, c.workspace, c.record, c.field, c.name, c.dot, c.value, c.t, c.epoch,
        b64decode(c.nonce));
      assert.deepEqual(out, { nonce: c.nonce, ct: c.ct });
      const args = [key, fidKey, c.workspace, c.record, c.field, c.dot, c.nonce, c.ct, c.epoch];
      assert.deepEqual(await decryptValue(...args), { name: c.name, value: c.value, t: c.t });
      assert.deepEqual(await openValue(...args), { name: c.name, value: c.value, t: c.t });
    });
  }
  for (const c of v.unreadable) {
    test(`unreadable: ${c.why}`, async () => {
      await assert.rejects(openValue(b64decode(c.record_key), fidKey, c.workspace, c.record, c.field, c.dot, c.nonce,
        c.ct, c.epoch), (err) => err.code === 'unreadable_value');
    });
  }
  for (const c of v.legacy) {
    test('a legacy value opens under its name', async () => {
      assert.deepEqual(await openValue(b64decode(c.record_key), fidKey, c.workspace, c.record, c.field, c.dot,
        c.nonce, c.ct), { name: c.name, value: c.value, t: c.t });
    });
  }
  test('the first change is padded to the same count', () => {
    assert.equal(v.first_change.writes, FIRST_CHANGE_WRITES);
    assert.deepEqual(paddedFirst(v.first_change.values), v.first_change.padded);
  });
  test('name and id shapes are whole-string matches', () => {
    assert.ok(v.shapes.names.every(isName) && v.shapes.ids.every(isId));
    assert.ok(!v.shapes.neither.some((x) => isName(x) || isId(x)));
  });
});

describe('records with field ids', async () => {
  const { FORMS } = await import('../../pwa/static/js/forms.js');
  const { encryptField, keyCommitment, newRecordKey, signChange, wrapKey } = await import(
    '../../pwa/static/js/core/envelopes.js');
  const { WORKSPACE, world } = await import('./sync-world.mjs');

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
    const need = await phone.records.save({ values: { ...blank('need'), kind: 'need', category: 'legal', description: 'y' } });
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
    await root.records.save({ id, values: { ...view.values, status: 'met' }, before: view.values, seen: view.contexts });
    const [edit] = (await root.store.outbox()).filter((i) => i.change).map((i) => i.change);
    assert.deepEqual(edit.writes.map((x) => x.field), ['status']); // its name, as the record's other fields
    await root.sync();
    await phone.sync();
    assert.equal((await phone.records.read(id)).values.status, 'met');
    assert.equal(await phone.records.fieldOf(id, 'status'), 'status');
  });
});
