// Envelopes made here with fresh keys: round trips, and every way a forgery or a slip must fail.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { b64decode, b64encode } from '../../pwa/static/js/core/b64.js';
import { canonicalJSON } from '../../pwa/static/js/core/canonical.js';
import {
  CERT, PURGE, ProtocolError, changeHeader, checkChange, decryptField, encryptField, makeCertificate,
  makePurge, newRecordKey, pad, signChange, signObject, unpad, unwrapKey, unwrapKeys, verifyChange, verifyObject,
  wrapKey,
  wrapKeys,
  writeHash,
} from '../../pwa/static/js/core/envelopes.js';
import { exportPublic, generateDeviceKeys } from '../../pwa/static/js/core/keys.js';
import { flipBit } from './helpers.mjs';

const WS = '6f1d2c3b-4a59-4e68-8b7a-0c1d2e3f4a5b';
const REC = '0a9b8c7d-6e5f-4a3b-9c2d-1e0f9a8b7c6d';
const ME = 'meDeviceAAAAAAAAAAAAAA';
const code = (expected) => (err) => err instanceof ProtocolError && err.code === expected;

async function device() {
  const keys = await generateDeviceKeys();
  const signKey = await exportPublic(keys.sign.publicKey);
  const ecdhKey = await exportPublic(keys.ecdh.publicKey);
  return { ...keys, signKey, ecdhKey };
}

describe('padding', () => {
  test('pad and unpad round trip at every bucket edge', () => {
    for (const n of [0, 1, 127, 128, 511, 512, 2047, 2048, 8191, 8192, 16383, 16384, 65536]) {
      const data = new Uint8Array(n).fill(0);
      const padded = pad(data);
      assert.equal(padded[n], 0x80);
      assert.deepEqual(unpad(padded), data, `length ${n}`);
    }
  });

  test('unpad refuses data without the 0x80 marker', () => {
    for (const bad of [[], [0, 0], [1, 0, 0], [0x80, 1], [0x81]]) {
      assert.throws(() => unpad(new Uint8Array(bad)), code('bad_padding'), JSON.stringify(bad));
    }
  });
});

describe('field values', () => {
  const key = newRecordKey();
  const dot = [ME, 3];

  test('a value encrypts with a fresh nonce and decrypts back with its time', async () => {
    const value = { a: ['Ўсё', 1, null, true], b: 'x'.repeat(700) };
    const one = await encryptField(key, WS, REC, 'notes', dot, value, 1767225600123);
    const two = await encryptField(key, WS, REC, 'notes', dot, value, 1767225600123);
    assert.notEqual(one.nonce, two.nonce);
    assert.notEqual(one.ct, two.ct);
    assert.equal(b64decode(one.nonce).length, 12);
    assert.equal(b64decode(one.ct).length, 2048 + 16);
    const back = await decryptField(key, WS, REC, 'notes', dot, one.nonce, one.ct);
    assert.deepEqual(back, { value, t: 1767225600123 });
  });

  test('a value of 64 KiB is the most a field holds', async () => {
    const fits = 'x'.repeat(64 * 1024 - canonicalJSON({ t: 0, v: '' }).length);
    const { nonce, ct } = await encryptField(key, WS, REC, 'f', dot, fits, 0);
    assert.equal((await decryptField(key, WS, REC, 'f', dot, nonce, ct)).value, fits);
    await assert.rejects(encryptField(key, WS, REC, 'f', dot, `${fits}x`, 0), code('value_too_large'));
  });

  test('values the canonical form refuses are not encrypted', async () => {
    await assert.rejects(encryptField(key, WS, REC, 'f', dot, 1.5, 0), { name: 'CanonicalJSONError' });
  });

  test('every alteration fails as unreadable_value', async () => {
    const { nonce, ct } = await encryptField(key, WS, REC, 'f', dot, 'secret', 1);
    const cases = [
      [newRecordKey(), WS, REC, 'f', dot, nonce, ct], [key, WS, REC, 'g', dot, nonce, ct],
      [key, WS, REC, 'f', [ME, 4], nonce, ct], [key, WS, REC, 'f', ['other', 3], nonce, ct],
      [key, REC, WS, 'f', dot, nonce, ct], [key, WS, REC, 'f', dot, flipBit(nonce), ct],
      [key, WS, REC, 'f', dot, nonce, flipBit(ct, 5)], [key, WS, REC, 'f', dot, nonce, ct.slice(0, -22)],
      [key, WS, REC, 'f', dot, nonce.slice(0, -1), ct], [key, WS, REC, 'f', dot, nonce, `${ct}=`],
      [key, WS, REC, 'f', dot, b64encode(new Uint8Array(16)), ct],
    ];
    for (const [i, args] of cases.entries()) {
      await assert.rejects(decryptField(...args), code('unreadable_value'), `case ${i}`);
    }
  });

  test('a record key is 32 bytes', async () => {
    await assert.rejects(encryptField(new Uint8Array(16), WS, REC, 'f', dot, 1, 0), TypeError);
  });

  test('a key array refilled with another key is not mistaken for the old one', async () => {
    const buffer = newRecordKey();
    const first = buffer.slice();
    const sealed = await encryptField(buffer, WS, REC, 'f', dot, 'one', 0);
    buffer.set(newRecordKey());
    await assert.rejects(decryptField(buffer, WS, REC, 'f', dot, sealed.nonce, sealed.ct),
      code('unreadable_value'));
    assert.equal((await decryptField(first, WS, REC, 'f', dot, sealed.nonce, sealed.ct)).value, 'one');
  });
});

describe('changes', () => {
  async function saved(me) {
    const key = newRecordKey();
    const writes = [];
    for (const [field, n, ctx] of [['category', 1, {}], ['status', 4, { [ME]: 3, other: 2 }]]) {
      const { nonce, ct } = await encryptField(key, WS, REC, field, [ME, n], field, 5);
      writes.push({ field, dot: [ME, n], ctx, nonce, ct });
    }
    return signChange(me.sign.privateKey, { workspace: WS, record: REC, device: ME, writes });
  }

  test('a signed change verifies, also when a pull sends a write as its hash', async () => {
    const me = await device();
    const change = await saved(me);
    assert.equal(await verifyChange(me.signKey, change), true);
    const header = await changeHeader(change);
    assert.deepEqual(Object.keys(header).sort(), ['device', 'record', 'type', 'workspace', 'writes']);
    assert.equal(header.type, 'zapis/change/1');
    assert.equal(header.writes[1].h, await writeHash(change.writes[1].nonce, change.writes[1].ct));
    const pulled = { ...change, writes: [change.writes[0], header.writes[1]] };
    assert.equal(await verifyChange(me.signKey, pulled), true);
    assert.equal(canonicalJSON(await changeHeader(pulled)), canonicalJSON(header));
  });

  test('a change fails to verify when anything it covers is altered', async () => {
    const me = await device();
    const other = await device();
    const change = await saved(me);
    const header = await changeHeader(change);
    const [a, b] = change.writes;
    // The last one keeps the genuine hash beside a ciphertext the author never signed there.
    const cases = [
      { ...change, sig: undefined }, { ...change, sig: other.signKey }, { ...change, record: WS },
      { ...change, device: 'otherDeviceAAAAAAAAAAA' }, { ...change, writes: [a] },
      { ...change, writes: [b, a] }, { ...change, writes: [{ ...a, ct: flipBit(a.ct) }, b] },
      { ...change, writes: [{ ...a, nonce: b.nonce }, b] },
      { ...change, writes: [{ ...a, field: 'other' }, b] },
      { ...change, writes: [{ ...a, dot: [ME, 2] }, b] },
      { ...change, writes: [a, { ...b, ctx: { [ME]: 3 } }] },
      { ...change, writes: [a, { field: b.field, dot: b.dot, ctx: b.ctx, h: 'x' }] },
      { ...change, writes: [{ ...a, nonce: 'not base64!' }, b] }, { ...change, writes: null }, {},
      { ...change, writes: [{ ...a, nonce: b.nonce, ct: b.ct, h: header.writes[0].h }, b] },
    ];
    for (const [i, forged] of cases.entries()) {
      assert.equal(await verifyChange(me.signKey, forged), false, `case ${i}`);
    }
    assert.equal(await verifyChange(other.signKey, change), false);
  });

  test('checkChange accepts a well formed change and names what is wrong with others', () => {
    const write = (field, n, ctx) => ({ field, dot: [ME, n], ctx });
    const ok = { device: ME, writes: [write('a', 1, {}), write('b', 3, { [ME]: 2, x: 9 })] };
    assert.equal(checkChange(ok), undefined);
    const cases = [
      [[{ ...write('a', 1, {}), dot: ['someoneElse', 1] }], 'foreign_dot'],
      [[write('a', 2, {})], 'bad_context'], [[write('a', 2, { [ME]: 2 })], 'bad_context'],
      [[write('a', 1, { [ME]: 0 })], 'bad_context'], [[write('a', 1, { x: 0 })], 'bad_context'],
      [[write('a', 1, {}), write('a', 2, { [ME]: 1 })], 'repeated_field'],
    ];
    for (const [writes, expected] of cases) {
      assert.throws(() => checkChange({ device: ME, writes }), code(expected), JSON.stringify(writes));
    }
  });
});

describe('signed objects', () => {
  test('certificates and purge orders have exactly the protocol members and verify', async () => {
    const issuer = await device();
    const cert = await makeCertificate(issuer.sign.privateKey, {
      workspace: WS, device: ME, role: 'volunteer', sign_key: issuer.signKey, ecdh_key: issuer.ecdhKey,
      issuer: 'i',
    });
    assert.deepEqual(Object.keys(cert).sort(),
      ['device', 'ecdh_key', 'issuer', 'role', 'sig', 'sign_key', 'type', 'workspace']);
    assert.equal(cert.type, CERT);
    assert.equal(await verifyObject(issuer.signKey, cert), true);
    assert.equal(await verifyObject(issuer.signKey, { ...cert, role: 'coordinator' }), false);
    const purge = await makePurge(issuer.sign.privateKey, WS, REC, ME);
    assert.deepEqual(purge, { type: PURGE, workspace: WS, record: REC, device: ME, sig: purge.sig });
    assert.equal(await verifyObject(issuer.signKey, purge), true);
    assert.equal(await verifyObject(issuer.signKey, { ...purge, type: CERT }), false);
  });

  test('signObject replaces an old sig; verifyObject is false for what has no canonical form', async () => {
    const signer = await device();
    const obj = await signObject(signer.sign.privateKey, { type: 'x', n: 1, sig: 'old' });
    assert.notEqual(obj.sig, 'old');
    assert.equal(await verifyObject(signer.signKey, obj), true);
    assert.equal(await verifyObject(signer.signKey, { ...obj, extra: 1.5 }), false);
    assert.equal(await verifyObject(signer.signKey, { ...obj, sig: undefined }), false);
    assert.equal(await verifyObject(signer.signKey, { ...obj, sig: 7 }), false);
  });
});

describe('key wraps', () => {
  test('a record key wrapped for a device unwraps there and nowhere else', async () => {
    const [sender, recipient, stranger] = await Promise.all([device(), device(), device()]);
    const recordKey = newRecordKey();
    const args = { recordKey, workspace: WS, record: REC, sender: ME, senderKey: sender.sign.privateKey,
      recipient: 'recipientDevAAAAAAAAAA', recipientEcdh: recipient.ecdhKey };
    const wrap = await wrapKey(args);
    const again = await wrapKey(args);
    assert.notEqual(wrap.epk, again.epk);
    assert.notEqual(wrap.nonce, again.nonce);
    assert.equal(b64decode(wrap.ct).length, 48);
    assert.equal(await verifyObject(sender.signKey, wrap), true);
    assert.deepEqual(await unwrapKey(wrap, recipient.ecdh.privateKey), recordKey);
    assert.deepEqual(await unwrapKey(again, recipient.ecdh.privateKey), recordKey);
    await assert.rejects(unwrapKey(wrap, stranger.ecdh.privateKey), code('bad_wrap'));
    const forged = [
      { ...wrap, recipient: 'strangerDevAAAAAAAAAAA' }, { ...wrap, workspace: REC }, { ...wrap, record: WS },
      { ...wrap, epk: again.epk }, { ...wrap, epk: 'AAAA' }, { ...wrap, nonce: again.nonce },
      { ...wrap, ct: again.ct },
      { ...wrap, ct: flipBit(wrap.ct, 3) }, { ...wrap, nonce: undefined },
    ];
    for (const [i, w] of forged.entries()) {
      await assert.rejects(unwrapKey(w, recipient.ecdh.privateKey), code('bad_wrap'), `case ${i}`);
    }
  });

  test('a key of the wrong length is never wrapped, and a wrap claiming another epoch does not open', async () => {
    const [sender, recipient] = await Promise.all([device(), device()]);
    await assert.rejects(wrapKey({ recordKey: new Uint8Array(16), workspace: WS, record: REC, sender: ME,
      senderKey: sender.sign.privateKey, recipient: 'r', recipientEcdh: recipient.ecdhKey }), code('bad_wrap'));
    const wrap = await wrapKeys({ recordKeys: [newRecordKey(), newRecordKey()], workspace: WS, record: REC, sender: ME,
      senderKey: sender.sign.privateKey, recipient: 'r', recipientEcdh: recipient.ecdhKey });
    assert.equal(wrap.type, 'zapis/wrap/2');
    assert.equal(wrap.epoch, 1);
    assert.equal((await unwrapKeys(wrap, recipient.ecdh.privateKey)).length, 2);
    for (const forged of [{ ...wrap, epoch: 2 }, { ...wrap, type: 'zapis/wrap/1' }, { ...wrap, epoch: 0 },
      { ...wrap, epoch: '1' }]) {
      await assert.rejects(unwrapKeys(forged, recipient.ecdh.privateKey), code('bad_wrap'));
    }
  });

  test('new record keys are 32 random bytes', () => {
    const [a, b] = [newRecordKey(), newRecordKey()];
    assert.equal(a.length, 32);
    assert.notDeepEqual(a, b);
  });
});
