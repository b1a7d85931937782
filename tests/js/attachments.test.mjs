// The chunk envelope of attachments (core/attachments.js) against tests/vectors/chunks.json.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import {
  THUMB, assembleAttachment, attachmentEntries, checkEntry, chunkAAD, chunkCount, decryptChunk, encryptChunk,
  openChunk, sealAttachment,
} from '../../pwa/static/js/core/attachments.js';
import { b64decode } from '../../pwa/static/js/core/b64.js';
import { ProtocolError } from '../../pwa/static/js/core/errors.js';
import { vectors } from './helpers.mjs';

const v = vectors('chunks');
const key = b64decode(v.key);
const dec = new TextDecoder();

describe('chunks.json', () => {
  for (const c of v.chunks) {
    test(`chunk ${c.index} encrypts to the vector and back`, async () => {
      const args = [v.workspace, v.record, v.attachment, c.index, v.count];
      assert.equal(dec.decode(chunkAAD(...args)), c.aad);
      const blob = await encryptChunk(key, ...args, b64decode(c.plaintext), b64decode(c.nonce));
      assert.deepEqual(blob, b64decode(c.blob));
      assert.deepEqual(await decryptChunk(key, ...args, blob), b64decode(c.plaintext));
      assert.deepEqual(await openChunk(v.entry, v.workspace, v.record, c.index, blob), b64decode(c.plaintext));
    });
  }

  test('the chunks assemble to the data, checked by its hash', async () => {
    const blobs = v.chunks.filter((c) => c.index >= 0).map((c) => b64decode(c.blob));
    assert.deepEqual(await assembleAttachment(v.entry, v.workspace, v.record, blobs), b64decode(v.data));
    await assert.rejects(assembleAttachment(v.entry, v.workspace, v.record, blobs.slice(0, -1)), ProtocolError);
  });

  for (const c of v.refused) {
    test(`refuses ${c.name}`, async () => {
      await assert.rejects(decryptChunk(key, v.workspace, c.record, c.attachment, c.index, c.count, b64decode(c.blob)),
        (e) => e instanceof ProtocolError && e.code === 'bad_chunk');
    });
  }

  test('the entry passes; bad entries are refused', () => {
    assert.equal(checkEntry(v.entry), v.entry);
    for (const c of v.bad_entries) {
      assert.throws(() => checkEntry(c.entry), (e) => e.code === 'bad_attachment', c.name);
    }
    assert.deepEqual(attachmentEntries([v.entry, { id: 'x' }, v.entry, 'junk']), [v.entry]);
    assert.deepEqual(attachmentEntries('no'), []);
  });

  test('chunk counts', () => {
    for (const [size, chunkSize, n] of v.counts) assert.equal(chunkCount(size, chunkSize), n);
  });

  test('sealAttachment makes chunks that assemble, and a thumbnail', async () => {
    const data = globalThis.crypto.getRandomValues(new Uint8Array(1000));
    const { entry, blobs } = await sealAttachment(v.workspace, v.record,
      { name: 'p.jpg', type: 'image/jpeg', data, chunkSize: 300,
        thumb: { type: 'image/jpeg', bytes: new Uint8Array([1, 2]) } });
    assert.equal(entry.chunks, 4);
    const parts = [0, 1, 2, 3].map((i) => blobs.get(i));
    assert.deepEqual(await assembleAttachment(entry, v.workspace, v.record, parts), data);
    assert.deepEqual(await openChunk(entry, v.workspace, v.record, THUMB, blobs.get(THUMB)), new Uint8Array([1, 2]));
  });
});
