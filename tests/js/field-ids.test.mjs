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
