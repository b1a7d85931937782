/**
 * Attachment chunks waiting on this device (the `chunks` store, schema version 3).
 *
 * What is kept is exactly what the server will get: each chunk encrypted under its attachment's
 * own key (core/attachments.js), whose only copy here is inside the record's encrypted value. No
 * decrypted byte of an attachment is ever written to IndexedDB or Cache Storage: a file being
 * viewed lives in memory (an object URL, revoked when the view closes).
 *
 * Rows: {id: 'record/attachment/index', record, attachment, index, count, size, blob} for a chunk
 * to upload (`size` is the attachment's size, sent with each chunk); {id: 'record/attachment/del',
 * record, attachment, del: true} for a removal to send. Either may carry `refused: {code, message}`.
 */

const STORE = 'chunks';
const keyOf = (record, attachment, index) => `${record}/${attachment}/${index}`;

export class ChunkStore {
  /** `adapter`: the local store's adapter (idb-adapter.js, buckets.js or memory-adapter.js). */
  constructor(adapter) {
    this.adapter = adapter;
  }

  /** Keep the encrypted chunks of a new attachment ({entry, blobs: Map index → bytes}). */
  add(record, entry, blobs) {
    return this.adapter.transaction([STORE], 'readwrite', async (tx) => {
      for (const [index, blob] of blobs) {
        await tx.put(STORE, { id: keyOf(record, entry.id, index), record, attachment: entry.id, index,
          count: entry.chunks, size: entry.size, blob });
      }
    });
  }

  /** Forget an attachment's chunks here and queue the removal of its chunks on the server. */
  remove(record, attachment) {
    return this.adapter.transaction([STORE], 'readwrite', async (tx) => {
      const prefix = `${record}/${attachment}/`;
      for (const key of await tx.getAllKeys(STORE)) if (key.startsWith(prefix)) await tx.delete(STORE, key);
      await tx.put(STORE, { id: keyOf(record, attachment, 'del'), record, attachment, del: true });
    });
  }

  /** Forget an attachment's local chunks only (it was never announced: the save failed). */
  drop(record, attachment) {
    return this.adapter.transaction([STORE], 'readwrite', async (tx) => {
      const prefix = `${record}/${attachment}/`;
      for (const key of await tx.getAllKeys(STORE)) if (key.startsWith(prefix)) await tx.delete(STORE, key);
    });
  }

  /** The keys waiting, oldest attachment first is not known: sorted by record, attachment, index. */
  keys() {
    return this.adapter.transaction([STORE], 'readonly', (tx) => tx.getAllKeys(STORE));
  }

  /** One row, or undefined. */
  get(key) {
    return this.adapter.transaction([STORE], 'readonly', (tx) => tx.get(STORE, key));
  }

  /** One chunk kept here (to view an attachment not uploaded yet), or undefined. */
  chunk(record, attachment, index) {
    return this.get(keyOf(record, attachment, index)).then((row) => row?.blob);
  }

  /** Delete one row (a chunk the server now holds, a removal it has done). */
  done(key) {
    return this.adapter.transaction([STORE], 'readwrite', (tx) => tx.delete(STORE, key));
  }

  /** Mark every row of an attachment as refused by the server (kept, not retried). */
  refuse(record, attachment, refused) {
    return this.adapter.transaction([STORE], 'readwrite', async (tx) => {
      const prefix = `${record}/${attachment}/`;
      for (const key of await tx.getAllKeys(STORE)) {
        if (!key.startsWith(prefix)) continue;
        const row = await tx.get(STORE, key);
        await tx.put(STORE, { ...row, refused });
      }
    });
  }

  /** {attachment id: {waiting, refused?}} for one record: what its detail screen shows. */
  async states(record) {
    const out = {};
    const prefix = `${record}/`;
    const keys = (await this.keys()).filter((k) => k.startsWith(prefix) && !k.endsWith('/del'));
    for (const key of keys) {
      const row = await this.get(key);
      const s = (out[row.attachment] ??= { waiting: 0, refused: null });
      s.waiting++;
      if (row.refused) s.refused = row.refused;
    }
    return out;
  }
}
