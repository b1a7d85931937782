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
      assert.deepStrictEqual(decodePage(copy(c.dense)), c.logical);
      assert.deepStrictEqual(encodePage(c.logical, dense.workspace, dense.recipient), c.dense);
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
      assert.deepStrictEqual(decoded[kind][0], m.item);
      assert.deepStrictEqual(decoded[kind].slice(1), good.logical[kind]);
    });
  }
  for (const u of dense.unencodable) {
    test(`refuses to encode: ${u.name}`, () => {
      assert.throws(() => encodeWrite(u.write, u.device));
    });
  }
});

describe('old clients are told to update', () => {
  test('a pull without the Zapis-Protocol header is answered update_required, which the person can read', async () => {
    const { FakeServer } = await import('./fake-server.mjs');
    const { fetchPage } = await import('../../pwa/static/js/sync/pull.js');
    const { errorText } = await import('../../pwa/static/js/sync/status.js');
    const { translator } = await import('../../pwa/static/js/i18n.js');
    const { readFileSync } = await import('node:fs');
    const server = new FakeServer(dense.workspace);
    const token = server.enroll({ id: dense.recipient, role: 'coordinator' });
    const page = await fetchPage(server.fetch.bind(server), token, 0);
    assert.deepEqual([page.cursor, page.more, page.changes, page.wraps], [server.seq, false, [], []]);
    const old = (url, init) => server.fetch(url, { ...init, headers: { Authorization: init.headers.Authorization } });
    const err = await fetchPage(old, token, 0).then(() => null, (e) => e);
    assert.equal(err?.status, 400);
    assert.equal(err.code, 'update_required');
    const en = translator('en', JSON.parse(readFileSync(new URL('../../pwa/static/i18n/en.json', import.meta.url), 'utf8')));
    assert.match(errorText(en.t ?? en, { code: 'update_required' }), /updating itself/);
  });
});
