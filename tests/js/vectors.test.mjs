// Every shared vector in tests/vectors/*.json, checked against the JavaScript twin.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { b64decode, b64encode } from '../../pwa/static/js/core/b64.js';
import { CanonicalJSONError, canonicalJSON } from '../../pwa/static/js/core/canonical.js';
import {
  ProtocolError, changeHeader, decryptField, encryptField, fieldAAD, keyCommitment, pad, unwrapKey, verifyChange,
  verifyObject, wrapKey, writeHash,
} from '../../pwa/static/js/core/envelopes.js';
import {
  exportPublic, fingerprint, generateDeviceKeys, importPrivatePkcs8, isLowS, sign, verify,
} from '../../pwa/static/js/core/keys.js';
import { applyWrites, displayOrder, merge, namesUnissued, nextWrite, unseen } from '../../pwa/static/js/core/merge.js';
import { verifyDirectory } from '../../pwa/static/js/core/trust.js';
import { ecdhPairFromPkcs8, vectors } from './helpers.mjs';

const canonical = vectors('canonical');
const merges = vectors('merge');
const fields = vectors('fields');
const envelopes = vectors('envelopes');

// Python sorts [device, n] pairs element by element; device ids here are ASCII, so < agrees with it.
const byDot = (a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] - b[1]);
const sortedDots = (live) => live.map((w) => w.dot).sort(byDot);

describe('canonical.json', () => {
  for (const v of canonical.valid) {
    test(`serialises ${v.name} exactly as Python does`, () => {
      assert.equal(canonicalJSON(JSON.parse(v.json)), v.canonical);
    });
  }
  for (const v of canonical.invalid) {
    test(`refuses ${v.name}`, () => {
      assert.throws(() => canonicalJSON(JSON.parse(v.json)), CanonicalJSONError);
    });
  }
});

describe('merge.json', () => {
  for (const c of merges.merge) {
    test(`merge: ${c.name}`, () => {
      let live = [];
      for (const [i, step] of c.steps.entries()) {
        const outcome = merge(live, step.write);
        assert.equal(outcome.tag, step.tag, `step ${i}`);
        assert.deepEqual(sortedDots(outcome.live), step.live, `step ${i}`);
        live = outcome.live;
      }
    });
  }
  for (const v of merges.next_write) {
    test(`next write: ${v.name}`, () => {
      assert.deepEqual(nextWrite(v.live, v.device), { dot: v.dot, ctx: v.ctx });
    });
  }
  for (const v of merges.display_order) {
    test(`display order: ${v.name}`, () => {
      assert.deepEqual(displayOrder(v.entries), v.order);
    });
  }
  for (const v of merges.unseen) {
    test(`bounded context: ${v.name}`, () => {
      assert.equal(unseen(v.ctx, v.seen, v.writer), v.unseen);
    });
  }
  for (const v of merges.names_unissued) {
    test(`own counter: ${v.name}`, () => {
      assert.equal(namesUnissued(v.ctx, v.me, v.writer, v.issued, v.live), v.held);
    });
  }
});

describe('fields.json', () => {
  for (const v of fields.fields) {
    const key = b64decode(v.record_key, 32);
    test(`field ${v.field}: aad, padding and ciphertext are exactly Python's`, async () => {
      assert.equal(new TextDecoder().decode(fieldAAD(v.workspace, v.record, v.field, v.dot)), v.aad);
      assert.equal(canonicalJSON({ t: v.t, v: v.value }), v.plaintext);
      assert.equal(pad(new TextEncoder().encode(v.plaintext)).length, v.padded_length);
      const nonce = b64decode(v.nonce, 12);
      const out = await encryptField(key, v.workspace, v.record, v.field, v.dot, v.value, v.t, nonce);
      assert.deepEqual(out, { nonce: v.nonce, ct: v.ct });
      assert.equal(b64decode(v.ct).length, v.padded_length + 16);
    });
    test(`field ${v.field}: decrypts back to its value and time`, async () => {
      const got = await decryptField(key, v.workspace, v.record, v.field, v.dot, v.nonce, v.ct);
      assert.deepEqual(got, { value: v.value, t: v.t });
    });
    test(`field ${v.field}: write hash`, async () => {
      assert.equal(await writeHash(v.nonce, v.ct), v.h);
    });
  }
  for (const v of fields.tampered) {
    test(`tampered field fails to decrypt: ${v.why}`, async () => {
      const key = b64decode(v.record_key, 32);
      await assert.rejects(decryptField(key, v.workspace, v.record, v.field, v.dot, v.nonce, v.ct),
        (err) => err instanceof ProtocolError && err.code === 'unreadable_value');
    });
  }
  test('padding sizes', () => {
    const padded = (length) => pad(new Uint8Array(length).fill(97)).length;
    const got = fields.padding.map(({ length }) => ({ length, padded: padded(length) }));
    assert.deepEqual(got, fields.padding);
  });
});

describe('envelopes.json', () => {
  for (const d of envelopes.devices) {
    test(`device ${d.id}: PKCS#8 keys give the listed public keys and fingerprint`, async () => {
      const sign = await importPrivatePkcs8(d.sign_pkcs8, 'sign', true);
      const jwk = await globalThis.crypto.subtle.exportKey('jwk', sign);
      assert.equal(b64encode(b64decode(jwk.d)), d.sign_d);
      const ecdh = await ecdhPairFromPkcs8(d.ecdh_pkcs8);
      assert.equal(await exportPublic(ecdh.publicKey), d.ecdh_key);
      assert.equal(await fingerprint(d.sign_key), d.fingerprint);
    });
  }
  for (const v of envelopes.signed) {
    test(`signed ${v.name}: verifies, over exactly the listed text`, async () => {
      const { sig, ...body } = v.object;
      assert.equal(canonicalJSON(body), v.signed);
      assert.equal(await verifyObject(v.signer, v.object), true);
    });
  }
  for (const v of envelopes.bad_signed) {
    test(`bad signed: ${v.name} does not verify`, async () => {
      assert.equal(await verifyObject(v.signer, v.object), false);
    });
  }
  for (const v of envelopes.changes) {
    test(`change: ${v.name} ${v.valid ? 'verifies' : 'does not verify'}`, async () => {
      assert.equal(await verifyChange(v.signer, v.change), v.valid);
      if (v.header !== undefined) assert.equal(canonicalJSON(await changeHeader(v.change)), v.header);
    });
  }
  for (const [i, v] of envelopes.wraps.entries()) {
    test(`wrap ${i}: the fixed ephemeral key and nonce give exactly Python's epk and ct`, async () => {
      const ephemeral = await ecdhPairFromPkcs8(v.ephemeral_pkcs8);
      const volunteer = envelopes.devices.find((d) => d.id === v.wrap.sender);
      const senderKey = await importPrivatePkcs8(volunteer.sign_pkcs8, 'sign');
      const wrap = await wrapKey({
        recordKey: b64decode(v.record_key, 32), workspace: v.wrap.workspace, record: v.wrap.record,
        sender: v.wrap.sender, senderKey, recipient: v.wrap.recipient, recipientEcdh: v.recipient_ecdh_key,
        ephemeral, nonce: b64decode(v.wrap.nonce, 12),
      });
      const { sig, ...body } = wrap;
      const { sig: expectedSig, ...expected } = v.wrap;
      assert.deepEqual(body, expected);
      assert.equal(await verifyObject(v.sender_sign_key, wrap), true);
      assert.equal(await verifyObject(v.sender_sign_key, v.wrap), true);
      assert.equal(canonicalJSON([ 'zapis/wrap/1', v.wrap.workspace, v.wrap.record]), v.salt);
      assert.equal(canonicalJSON(['zapis/wrap/1', v.wrap.recipient, v.wrap.epk]), v.info);
    });
    test(`wrap ${i}: the recipient unwraps the record key`, async () => {
      const recipient = await importPrivatePkcs8(v.recipient_ecdh_pkcs8, 'ecdh');
      assert.equal(b64encode(await unwrapKey(v.wrap, recipient)), v.record_key);
    });
    test(`wrap ${i}: another device cannot unwrap it`, async () => {
      const other = envelopes.devices.find((d) => d.ecdh_key !== v.recipient_ecdh_key);
      const key = await importPrivatePkcs8(other.ecdh_pkcs8, 'ecdh');
      await assert.rejects(unwrapKey(v.wrap, key), { name: 'ProtocolError', code: 'bad_wrap' });
    });
  }
  for (const v of envelopes.trust) {
    test(`trust: ${v.name}`, async () => {
      assert.deepEqual(await verifyDirectory(v.devices, envelopes.workspace, v.fingerprint), v.trusted);
    });
  }
});

describe('robust.json', () => {
  const robust = vectors('robust');
  for (const text of robust.base64.valid) {
    test(`base64: ${JSON.stringify(text)} round-trips`, () => assert.equal(b64encode(b64decode(text)), text));
  }
  for (const c of robust.base64.invalid) {
    test(`base64: refuses ${c.why} (${JSON.stringify(c.text)})`, () => assert.throws(() => b64decode(c.text)));
  }
  test('write hash: strict, as in Python', async () => {
    const wh = robust.write_hash;
    assert.equal(await writeHash(wh.nonce, wh.ct), wh.h);
    for (const c of wh.invalid) {
      await assert.rejects(writeHash(c.nonce, c.ct),
        (err) => err instanceof ProtocolError && err.code === 'bad_encoding', c.why);
    }
  });
  for (const c of robust.low_s) {
    test(`low-s: ${c.data} verifies, its high-s twin does not`, async () => {
      const data = new TextEncoder().encode(c.data);
      assert.equal(await verify(c.sign_key, c.low, data), true);
      assert.equal(await verify(c.sign_key, c.high, data), false);
    });
  }
  test('low-s: signing always gives s <= n/2', async () => {
    const { sign: pair } = await generateDeviceKeys();
    for (let i = 0; i < 16; i++) {
      const sig = b64decode(await sign(pair.privateKey, new TextEncoder().encode(`message ${i}`)));
      assert.ok(isLowS(sig));
    }
  });
  test('low-s: the bounds on r and s hold at their edges (byte comparisons against BigInts)', () => {
    const ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551n;
    const bytes = (n) => Uint8Array.from(n.toString(16).padStart(64, '0').match(/../g), (h) => parseInt(h, 16));
    const sig = (r, s) => { const out = new Uint8Array(64); out.set(bytes(r)); out.set(bytes(s), 32); return out; };
    const half = ORDER >> 1n;
    const reference = (r, s) => r > 0n && r < ORDER && s > 0n && s <= half;
    const edges = [0n, 1n, 255n, 256n, half - 1n, half, half + 1n, ORDER - 1n, ORDER, ORDER + 1n, (1n << 256n) - 1n];
    for (const r of edges) for (const s of edges) assert.equal(isLowS(sig(r, s)), reference(r, s), `r=${r} s=${s}`);
    for (let i = 0; i < 2000; i++) {
      const random = crypto.getRandomValues(new Uint8Array(64));
      const [r, s] = [random.subarray(0, 32), random.subarray(32)]
        .map((b) => BigInt('0x' + Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('')));
      assert.equal(isLowS(random), reference(r, s));
    }
    assert.equal(isLowS(new Uint8Array(63).fill(1)), false);
    assert.equal(isLowS(new Uint8Array(65).fill(1)), false);
  });
  test('key commitments and the kc a change signs', async () => {
    for (const c of robust.key_commitments) assert.equal(await keyCommitment(b64decode(c.key)), c.kc);
    const kc = robust.kc_change;
    const vol = envelopes.devices[2];
    assert.equal(canonicalJSON(await changeHeader(kc.change)), kc.header);
    assert.equal(await verifyChange(vol.sign_key, kc.change), true);
    assert.equal(await verifyChange(vol.sign_key, kc.wrong_kc), false);
    assert.equal(await verifyChange(vol.sign_key, kc.no_kc), false);
  });
  for (const c of robust.unreadable) {
    test(`unreadable values: ${c.why}`, async () => {
      const run = decryptField(b64decode(c.record_key), c.workspace, c.record, c.field, c.dot, c.nonce, c.ct);
      if (c.code) await assert.rejects(run, (err) => err instanceof ProtocolError && err.code === c.code);
      else assert.deepEqual(await run, { value: c.value, t: c.t });
    });
  }
  for (const c of robust.equivocation) {
    test(`equivocation: ${c.name}`, () => {
      const { fields: after, tags } = applyWrites(c.fields, c.writes);
      assert.deepEqual(after, c.after);
      assert.deepEqual(tags, c.tags);
    });
  }
});
