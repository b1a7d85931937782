// The key-epoch vectors (tests/vectors/epochs.json), checked by the JavaScript twin; the Python
// core checks the same file in tests/test_vectors_epochs.py.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { b64decode, b64encode } from '../../pwa/static/js/core/b64.js';
import { canonicalJSON } from '../../pwa/static/js/core/canonical.js';
import {
  changeHeader, decryptField, keyCommitment, unwrapKeys, verifyChange, verifyObject, wrapKeys,
} from '../../pwa/static/js/core/envelopes.js';
import { importPrivatePkcs8 } from '../../pwa/static/js/core/keys.js';
import { ecdhPairFromPkcs8, vectors } from './helpers.mjs';

const epochs = vectors('epochs');
const device = (id) => epochs.devices.find((d) => d.id === id);

describe('epochs.json', () => {
  for (const v of epochs.wraps) {
    test(`${v.name}: the fixed ephemeral key and nonce give exactly Python's wrap`, async () => {
      const ephemeral = await ecdhPairFromPkcs8(v.ephemeral_pkcs8);
      const senderKey = await importPrivatePkcs8(device(v.wrap.sender).sign_pkcs8, 'sign');
      const wrap = await wrapKeys({ recordKeys: v.keys.map((k) => b64decode(k, 32)), workspace: v.wrap.workspace,
        record: v.wrap.record, sender: v.wrap.sender, senderKey, recipient: v.wrap.recipient,
        recipientEcdh: v.recipient_ecdh_key, ephemeral, nonce: b64decode(v.wrap.nonce, 12) });
      const { sig, ...body } = wrap;
      const { sig: expectedSig, ...expected } = v.wrap;
      assert.deepEqual(body, expected);
      assert.equal(await verifyObject(v.sender_sign_key, wrap), true);
      assert.equal(await verifyObject(v.sender_sign_key, v.wrap), true);
      const kind = v.epoch ? 'zapis/wrap/2' : 'zapis/wrap/1';
      assert.equal(canonicalJSON([kind, v.wrap.workspace, v.wrap.record]), v.salt);
      assert.equal(canonicalJSON([kind, v.wrap.recipient, v.wrap.epk, ...(v.epoch ? [v.epoch] : [])]), v.info);
    });
    test(`${v.name}: the recipient unwraps every key of the list`, async () => {
      const recipient = await importPrivatePkcs8(v.recipient_ecdh_pkcs8, 'ecdh');
      const keys = await unwrapKeys(v.wrap, recipient);
      assert.deepEqual(keys.map(b64encode), v.keys);
      assert.deepEqual(await Promise.all(keys.map(keyCommitment)), v.kcs);
    });
  }
  for (const v of epochs.unopenable) {
    test(`a key list wrap altered does not open: ${v.name}`, async () => {
      const recipient = await importPrivatePkcs8(device(v.wrap.recipient).ecdh_pkcs8, 'ecdh');
      await assert.rejects(unwrapKeys(v.wrap, recipient), { name: 'ProtocolError', code: 'bad_wrap' });
    });
  }
  for (const v of epochs.changes) {
    test(`change: ${v.name} ${v.valid ? 'verifies' : 'does not verify'}`, async () => {
      assert.equal(await verifyChange(v.signer, v.change), v.valid);
      if (!v.valid) return;
      assert.equal(canonicalJSON(await changeHeader(v.change)), v.header);
      const [w] = v.change.writes;
      const { value } = await decryptField(b64decode(v.key, 32), v.change.workspace, v.change.record, w.field, w.dot,
        w.nonce, w.ct, undefined, v.change.e);
      assert.equal(value, v.value);
      assert.equal(v.change.e, v.epoch);
    });
  }
});
