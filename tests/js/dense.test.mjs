// The dense pull page (protocol version 3) against the shared vectors: core/dense.js decodes each
// dense page to exactly its logical page, the one sync/dense.py decodes it to.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { decodePage, encodePage, encodeWrite } from '../../pwa/static/js/core/dense.js';
import { verifyChange, verifyObject } from '../../pwa/static/js/core/envelopes.js';
import { vectors } from './helpers.mjs';

const dense = vectors('dense');
const copy = (v) => structuredClone(v);

describe('dense.json', () => {
  for (const c of dense.pages) {
    test(`decodes and encodes: ${c.name}`, () => {
      assert.deepEqual(decodePage(copy(c.dense)), c.logical);
      assert.deepEqual(encodePage(c.logical, dense.workspace, dense.recipient), c.dense);
    });
    if (c.signed) {
      test(`decoded items verify: ${c.name}`, async () => {
        const page = decodePage(copy(c.dense));
        assert.ok(page.changes.length);
        for (const change of page.changes) assert.equal(await verifyChange(dense.signer, change), true);
        for (const wrap of page.wraps) assert.equal(await verifyObject(dense.signer, wrap), true);
      });
    }
  }
  for (const m of dense.malformed) {
    test(`passes on unchanged, reads its neighbours: ${m.name}`, () => {
      const good = dense.pages[0];
      const kind = `${m.kind}s`;
      const page = { ...copy(good.dense), [kind]: [copy(m.item), ...copy(good.dense[kind])] };
      const decoded = decodePage(page);
      assert.deepEqual(decoded[kind][0], m.item);
      assert.deepEqual(decoded[kind].slice(1), good.logical[kind]);
    });
  }
  for (const u of dense.unencodable) {
    test(`refuses to encode: ${u.name}`, () => {
      assert.throws(() => encodeWrite(u.write, u.device));
    });
  }
});
