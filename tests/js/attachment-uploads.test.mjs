// Attachment chunks on the device (store/chunks.js) and their upload (sync/uploads.js) against a
// fake server: resumes where the server stopped, never sends a held chunk again, keeps a refused
// attachment with its reason while the others go on, drops what a purge closed.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { sealAttachment } from '../../pwa/static/js/core/attachments.js';
import { ChunkStore } from '../../pwa/static/js/store/chunks.js';
import { memoryAdapter } from '../../pwa/static/js/store/memory-adapter.js';
import { downloadChunk, uploadChunks } from '../../pwa/static/js/sync/uploads.js';

const WS = '6f1d2c3b-4a59-4e68-8b7a-0c1d2e3f4a5b';
const REC = '0a9b8c7d-6e5f-4a3b-9c2d-1e0f9a8b7c6d';

function fakeServer({ refuse = {}, cutAt = new Set(), purged = false, pushOnly = false } = {}) {
  const held = new Map(); // 'att/index' -> bytes
  const log = [];
  let puts = 0;
  const json = (status, body) => ({ ok: status < 300, status, headers: new Headers(), json: async () => body,
    arrayBuffer: async () => body });
  const fetch = async (url, { method, body }) => {
    const m = url.match(/\/attachments\/([^/]+)(?:\/chunks(?:\/(-?\d+))?)?(?:\?count=(\d+)&size=(\d+))?$/);
    const [, att, index] = m;
    log.push(`${method} ${att}${index !== undefined ? '/' + index : ''}`);
    if (purged) return json(410, { error: { code: 'record_purged', message: 'purged' } });
    if (method === 'DELETE' && pushOnly) return json(403, { error: { code: 'push_only_token', message: 'no' } });
    if (method === 'DELETE') {
      for (const k of [...held.keys()]) if (k.startsWith(att + '/')) held.delete(k);
      return json(200, { deleted: 1 });
    }
    if (method === 'GET' && index === undefined) {
      const have = [...held.keys()].filter((k) => k.startsWith(att + '/')).map((k) => Number(k.split('/')[1]));
      return json(200, { count: null, have: have.sort((a, b) => a - b) });
    }
    if (method === 'GET') return json(200, held.get(`${att}/${index}`).buffer);
    puts += 1;
    if (refuse[att]) return json(413, { error: { code: refuse[att], message: 'too much' } });
    if (cutAt.has(puts)) throw new TypeError('connection reset');
    held.set(`${att}/${index}`, body);
    return json(200, { status: 'accepted' });
  };
  return { fetch, held, log };
}

async function attachment(chunks, size, chunkSize = 100) {
  const data = globalThis.crypto.getRandomValues(new Uint8Array(size));
  const sealed = await sealAttachment(WS, REC, { name: 'f.pdf', type: 'application/pdf', data, chunkSize,
    thumb: { type: 'image/jpeg', bytes: new Uint8Array([1, 2, 3]) } });
  await chunks.add(REC, sealed.entry, sealed.blobs);
  return sealed;
}

test('an upload cut twice resumes where it stopped and sends every chunk once', async () => {
  const chunks = new ChunkStore(memoryAdapter());
  const { entry, blobs } = await attachment(chunks, 950);
  const server = fakeServer({ cutAt: new Set([3, 7]) });
  await assert.rejects(uploadChunks(chunks, { token: 't', fetch: server.fetch }), (e) => e.code === 'network');
  assert.equal(server.held.size, 2);
  assert.equal((await chunks.keys()).length, 9); // 10 chunks and a thumbnail, 2 gone
  await assert.rejects(uploadChunks(chunks, { token: 't', fetch: server.fetch }), (e) => e.code === 'network');
  const seen = [];
  const out = await uploadChunks(chunks, { token: 't', fetch: server.fetch, progress: (d, n) => seen.push([d, n]) });
  assert.deepEqual(await chunks.keys(), []);
  assert.equal(server.held.size, 11);
  for (const [i, blob] of blobs) assert.deepEqual(server.held.get(`${entry.id}/${i}`), blob);
  const putsOf = server.log.filter((l) => l.startsWith('PUT')).map((l) => l.split(' ')[1]);
  assert.equal(putsOf.length, 13); // 11 chunks and the two that were cut before the server had them
  assert.equal(new Set(putsOf).size, 11);
  assert.equal(putsOf.at(-1), `${entry.id}/-1`); // the thumbnail last
  assert.deepEqual(seen[0], [0, 6]); // told before the first chunk goes (6 still wait here)
  assert.equal(out.uploaded, seen.length - 1);
  assert.deepEqual(await downloadChunk(REC, entry.id, 0, { token: 't', fetch: server.fetch }), blobs.get(0));
});

test('a refused attachment is kept with its reason; the others go on', async () => {
  const chunks = new ChunkStore(memoryAdapter());
  const big = await attachment(chunks, 300);
  const small = await attachment(chunks, 50);
  const server = fakeServer({ refuse: { [big.entry.id]: 'attachment_quota' } });
  const out = await uploadChunks(chunks, { token: 't', fetch: server.fetch });
  assert.deepEqual(out.refused.map((r) => [r.attachment, r.code]), [[big.entry.id, 'attachment_quota']]);
  const states = await chunks.states(REC);
  assert.equal(states[big.entry.id].refused.code, 'attachment_quota');
  assert.equal(states[small.entry.id], undefined); // all sent
  const before = server.log.length;
  await uploadChunks(chunks, { token: 't', fetch: server.fetch });
  assert.equal(server.log.length, before); // a final refusal is not sent again
});

test('a purged record drops its chunks; a removal is sent once', async () => {
  const chunks = new ChunkStore(memoryAdapter());
  const a = await attachment(chunks, 120);
  await uploadChunks(chunks, { token: 't', fetch: fakeServer({ purged: true }).fetch });
  assert.deepEqual(await chunks.keys(), []);
  const server = fakeServer();
  const b = await attachment(chunks, 120);
  await uploadChunks(chunks, { token: 't', fetch: server.fetch });
  await chunks.remove(REC, b.entry.id);
  assert.deepEqual(await chunks.keys(), [`${REC}/${b.entry.id}/del`]);
  const out = await uploadChunks(chunks, { token: 't', fetch: server.fetch });
  assert.equal(out.deleted, 1);
  assert.equal(server.held.size, 0);
  assert.deepEqual(await chunks.keys(), []);
  assert.ok(a.entry.id);
});

test('the status line says attachments are not all sent, and never "all sent" meanwhile', async () => {
  const { statusLine } = await import('../../pwa/static/js/sync/status.js');
  const t = (key, p = {}) => ({ 'sync.all_sent': 'all sent', 'sync.uploads': `attachments not sent yet: ${p.count}`,
    'sync.last': `last sync ${p.time}`, 'sync.never': 'never' }[key] ?? key);
  const base = { online: true, waiting: 0, refused: 0, problems: 0, held: 0, lastOk: 1000 };
  const sent = statusLine(t, 'en', { ...base, uploads: 0 }, 2000);
  assert.match(sent.text, /^All sent/);
  assert.equal(sent.level, 'ok');
  const waiting = statusLine(t, 'en', { ...base, uploads: 2 }, 2000);
  assert.doesNotMatch(waiting.text, /all sent/i);
  assert.match(waiting.text, /^Attachments not sent yet: 2/);
  assert.equal(waiting.level, 'warn');
  const chunks = new ChunkStore(memoryAdapter());
  await attachment(chunks, 250);
  await attachment(chunks, 10);
  const { SyncStore } = await import('../../pwa/static/js/store/sync-store.js');
  assert.equal((await new SyncStore(chunks.adapter).counts()).uploads, 2);
});

test('erase, a removed device, travel mode and purge orders include waiting chunks', async () => {
  const { LocalStore } = await import('../../pwa/static/js/store/local.js');
  const { SyncStore } = await import('../../pwa/static/js/store/sync-store.js');
  const adapter = memoryAdapter();
  const chunks = new ChunkStore(adapter);
  const other = '1b9b8c7d-6e5f-4a3b-9c2d-1e0f9a8b7c6d';
  await adapter.transaction(['records'], 'readwrite', async (tx) => {
    await tx.put('records', { id: REC, wrap: null, fields: {} });
    await tx.put('records', { id: other, wrap: null, fields: {} });
  });
  await attachment(chunks, 150);
  // Travel mode erases the records the server holds all of: not one whose attachment waits here.
  const gone = await new SyncStore(adapter).eraseSynced();
  assert.deepEqual(gone, [other]);
  assert.equal((await chunks.keys()).length, 3);
  // A removed device keeps what it has not sent: records in the outbox, and their chunks only.
  await adapter.transaction(['outbox'], 'readwrite', (tx) => tx.add('outbox', { record: REC, change: {} }));
  const local = new LocalStore(adapter);
  await local.keepUnsent();
  assert.equal((await chunks.keys()).length, 3);
  await adapter.transaction(['outbox'], 'readwrite', (tx) => tx.clear('outbox'));
  await local.keepUnsent();
  assert.deepEqual(await chunks.keys(), []);
  // Erase takes everything.
  await attachment(chunks, 150);
  await local.destroyData();
  assert.deepEqual(await chunks.keys(), []);
});

test('an upload tells its progress in chunks, from 0 before the first is sent to all of them', async () => {
  const chunks = new ChunkStore(memoryAdapter());
  await attachment(chunks, 350); // 4 chunks and a thumbnail
  await attachment(chunks, 150); // 2 chunks and a thumbnail
  const server = fakeServer({ cutAt: new Set([4]) });
  const seen = [];
  const progress = (done, total) => seen.push([done, total]);
  await assert.rejects(uploadChunks(chunks, { token: 't', fetch: server.fetch, progress }));
  assert.deepEqual(seen, [[0, 8], [1, 8], [2, 8], [3, 8]]);
  seen.length = 0;
  // Resumed: what the server already holds counts as sent at once, the rest as it goes.
  await uploadChunks(chunks, { token: 't', fetch: server.fetch, progress });
  assert.deepEqual(seen, [[0, 5], [1, 5], [2, 5], [3, 5], [4, 5], [5, 5]]);
  seen.length = 0;
  await uploadChunks(chunks, { token: 't', fetch: server.fetch, progress });
  assert.deepEqual(seen, [], 'nothing waits: no progress is told');
});

test('the status line and the sync screen say how much of an upload is sent, as a percentage in each language',
  async () => {
    const { readFileSync } = await import('node:fs');
    const { translator } = await import('../../pwa/static/js/i18n.js');
    const { initialStatus, statusLine, uploadProgress } = await import('../../pwa/static/js/sync/status.js');
    const file = (code) => new URL(`../../pwa/static/i18n/${code}.json`, import.meta.url);
    const lang = (code) => translator(code, JSON.parse(readFileSync(file(code), 'utf8')));
    const en = lang('en');
    const s = { ...initialStatus(), syncing: true, sending: { done: 17, total: 40 } };
    assert.equal(statusLine(en, 'en', s).text, 'Syncing… · sending attachments: 42% · not synced yet');
    assert.equal(statusLine(en, 'en', { ...s, pulling: { received: 1200 } }).text,
      'Syncing… · sending attachments: 42% · records received: 1,200 · not synced yet');
    assert.equal(uploadProgress(en, 'en', { ...s, sending: { done: 0, total: 40 } }), 'sending attachments: 0%');
    assert.equal(uploadProgress(en, 'en', { ...s, sending: { done: 39, total: 40 } }), 'sending attachments: 97%',
      'rounded down: 100% only once all is sent');
    assert.equal(uploadProgress(en, 'en', { ...s, sending: { done: 29, total: 100 } }), 'sending attachments: 29%');
    assert.equal(uploadProgress(en, 'en', { ...s, syncing: false }), '', 'nothing once the run is over');
    assert.equal(uploadProgress(en, 'en', { ...s, sending: null }), '');
    assert.equal(uploadProgress(en, 'en', { ...s, sending: { done: 0, total: 0 } }), '');
    for (const code of ['be', 'ru', 'uk', 'pl', 'lt']) {
      const t = lang(code);
      const text = uploadProgress(t, code, s);
      assert.match(text, /42\s?%/u, code);
      assert.notEqual(t('sync.sending_label'), 'sync.sending_label', code);
      assert.doesNotMatch(text, /sending|sync\./, code);
    }
  });

test('with the push-only token a removal waits for the unlocked app, and the other attachments still go', async () => {
  const chunks = new ChunkStore(memoryAdapter());
  const gone = await attachment(chunks, 150);
  await chunks.remove(REC, gone.entry.id);
  const kept = await attachment(chunks, 150);
  const locked = fakeServer({ pushOnly: true });
  const out = await uploadChunks(chunks, { token: 'push-only', fetch: locked.fetch });
  assert.deepEqual(out.refused, []);
  assert.equal(locked.held.size, 3); // the other attachment's two chunks and thumbnail
  assert.deepEqual(await chunks.keys(), [`${REC}/${gone.entry.id}/del`]);
  assert.equal((await chunks.get(`${REC}/${gone.entry.id}/del`)).refused, undefined, 'not marked refused');
  const unlocked = fakeServer();
  assert.equal((await uploadChunks(chunks, { token: 'full', fetch: unlocked.fetch })).deleted, 1);
  assert.deepEqual(await chunks.keys(), []);
  assert.ok(kept.entry.id);
});
