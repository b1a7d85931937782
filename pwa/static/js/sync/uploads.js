/**
 * Attachment chunks: upload what waits here, resuming where the server stopped, and fetch one
 * chunk on demand (docs/protocol.md, Attachments). Run by the sync engine after the outbox is
 * pushed, so the server knows a record before it is asked to take its chunks, and by the service
 * worker after its Background Sync push (server/web.py pastes this file into /sw.js after
 * outbox.js and store/chunks.js: it imports from outbox.js only, and no DOM). The page passes its
 * own fetch (api.js request); the default is the global fetch, for the worker.
 *
 * An upload resumes: before sending an attachment's chunks the server is asked which it holds
 * (`GET …/chunks`), and a chunk is deleted here only once the server answered it (accepted or
 * duplicate), so a cut connection or a closed app costs at most the chunk in flight.
 */

import { PushError, UPLOAD_LOCK, retryAfterMs, withPushLock } from './outbox.js';

const base = (record, attachment) =>
  `/api/records/${encodeURIComponent(record)}/attachments/${encodeURIComponent(attachment)}`;
const OPTIONS = { credentials: 'omit', cache: 'no-store', referrerPolicy: 'no-referrer' };

async function send(fetchFn, method, path, token, { body, json = true } = {}) {
  const headers = { Authorization: 'Bearer ' + token };
  if (json) headers.Accept = 'application/json';
  if (body) headers['Content-Type'] = 'application/octet-stream';
  let response;
  try {
    response = await fetchFn(path, { method, headers, body, ...OPTIONS });
  } catch {
    throw new PushError(0, 'network', 'no answer from the server');
  }
  if (response.ok) return response;
  let err = {};
  try {
    err = (await response.json())?.error ?? {};
  } catch {
    // a proxy's page: judged by its status
  }
  throw new PushError(response.status, err.code || `http_${response.status}`, err.message, retryAfterMs(response));
}

// Refusals that no retry will change: kept here, shown with the attachment, not sent again.
const final = (err) => err.status >= 400 && err.status < 500 && err.status !== 429 && err.code !== 'record_unknown';

/**
 * Send every waiting chunk and removal. `chunks`: a ChunkStore. Resolves to {uploaded, duplicate,
 * deleted, refused: [{record, attachment, code, message}]}; throws PushError when the server does not
 * answer or is unavailable (the engine retries later). `progress(done, total)` is told as chunks go.
 * Holds the upload lock: the page and the service worker (or two overlapping Background Sync
 * events) never send the same chunks at once, and pushes of records go on meanwhile.
 */
export function uploadChunks(chunks, options) {
  return withPushLock(() => upload(chunks, options), UPLOAD_LOCK);
}

async function upload(chunks, { token, fetch: fetchFn = fetch, progress = () => {} }) {
  const out = { uploaded: 0, duplicate: 0, deleted: 0, refused: [] };
  const groups = new Map();
  for (const key of await chunks.keys()) {
    const [record, attachment, index] = key.split('/');
    const id = `${record}/${attachment}`;
    if (!groups.has(id)) groups.set(id, { record, attachment, keys: [] });
    groups.get(id).keys.push([index, key]);
  }
  const total = [...groups.values()].reduce((n, g) => n + g.keys.filter(([i]) => i !== 'del').length, 0);
  let done = 0;
  if (total) progress(0, total); // the status line says an upload started before its first chunk is sent
  for (const { record, attachment, keys } of groups.values()) {
    const path = base(record, attachment);
    try {
      if (keys.some(([i]) => i === 'del')) {
        await send(fetchFn, 'DELETE', path, token).catch((err) => {
          if (!(err.status === 404 || err.status === 410)) throw err;
        });
        for (const [, key] of keys) await chunks.done(key);
        out.deleted++;
        continue;
      }
      const first = await chunks.get(keys[0][1]);
      if (first?.refused) continue;
      const listed = await (await send(fetchFn, 'GET', `${path}/chunks`, token)).json();
      const have = new Set(listed.have);
      // In order, the thumbnail last: a recipient can fetch the file as soon as its chunks are all there.
      const order = keys.map(([i, key]) => [Number(i), key]).sort((a, b) => (a[0] < 0) - (b[0] < 0) || a[0] - b[0]);
      for (const [index, key] of order) {
        if (!have.has(index)) {
          const row = await chunks.get(key);
          const answer = await (await send(fetchFn, 'PUT',
            `${path}/chunks/${index}?count=${row.count}&size=${row.size}`,
            token, { body: row.blob })).json();
          if (answer.status === 'duplicate') out.duplicate++;
          else out.uploaded++;
        }
        await chunks.done(key);
        progress(++done, total);
      }
    } catch (err) {
      if (err.status === 410) {
        await chunks.drop(record, attachment); // the record was purged: nothing of it is sent
      } else if (err.code === 'record_unknown') {
        // its record's first change has not reached the server yet (refused, or still waiting)
      } else if (err.code === 'push_only_token') {
        // a removal, sent with the push-only token (locked, or the service worker): it needs the
        // full token, so the unlocked app sends it; the other attachments go on
      } else if (err instanceof PushError && final(err)) {
        await chunks.refuse(record, attachment, { code: err.code, message: err.message });
        out.refused.push({ record, attachment, code: err.code, message: err.message });
      } else {
        throw err;
      }
    }
  }
  return out;
}

/** One stored chunk's bytes from the server (no-store), or a PushError. */
export async function downloadChunk(record, attachment, index, { token, fetch: fetchFn = fetch }) {
  const response = await send(fetchFn, 'GET', `${base(record, attachment)}/chunks/${index}`, token, { json: false });
  return new Uint8Array(await response.arrayBuffer());
}
