/**
 * Pushing the outbox: what the page and the service worker share.
 *
 * No imports and no DOM, on purpose: server/web.py pastes this file into /sw.js (module service
 * workers are too new for older phones, style §13), and node tests import it as a module. It works
 * on any adapter with `transaction(stores, mode, fn)` (store/idb-adapter.js, the worker's own, or
 * the memory adapter) and only ever reads ciphertext: the outbox holds signed, encrypted items.
 *
 * An item leaves the outbox only when the server has it (accepted, duplicate, stale) or refused
 * it, in the transaction that records the answer; a lost answer leaves it to be sent again,
 * which the merge makes harmless (design §4).
 */

export const PUSH_URL = '/api/sync/push';
export const PUSH_LOCK = 'zapis-push';
// Attachments' chunks have a lock of their own: a long upload never holds a record's push back.
export const UPLOAD_LOCK = 'zapis-upload';
export const KEPT = ['accepted', 'duplicate', 'stale'];
export const BATCH_ITEMS = 200;
export const BATCH_BYTES = 512 * 1024; // JSON text before gzip; the server takes 2 MiB at most
export const GZIP_ABOVE = 8 * 1024;
export const TOKEN_LABEL = 'zapis/push-token/1';
const REQUEST_MS = 60000;

/** The server said no, or did not answer (status 0, code 'network'). `retryAfter`: ms to wait, or null. */
export class PushError extends Error {
  constructor(status, code, message, retryAfter = null) {
    super(message || code);
    this.name = 'PushError';
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter;
  }
}

/** The longest Retry-After believed: a server cannot park a phone for longer than this. */
export const RETRY_AFTER_MAX_MS = 60 * 60 * 1000;

/** A response's Retry-After (seconds, or an HTTP date) in ms from `now`, capped; null if none. */
export function retryAfterMs(response, now = Date.now()) {
  const raw = (response?.headers?.get?.('Retry-After') ?? '').trim();
  let ms = null;
  if (/^\d+$/.test(raw)) ms = Number(raw) * 1000;
  else if (raw) {
    const at = Date.parse(raw);
    if (Number.isFinite(at)) ms = Math.max(0, at - now);
  }
  return ms === null ? null : Math.min(ms, RETRY_AFTER_MAX_MS);
}

/**
 * The next push body from outbox items in seq order: {text, items}. Wraps travel before changes
 * (the server applies them first), so a new record's key and its first change can share a push.
 */
export function nextBatch(items, { maxItems = BATCH_ITEMS, maxBytes = BATCH_BYTES } = {}) {
  const wraps = [];
  const changes = [];
  const taken = [];
  let bytes = 0;
  for (const item of items) {
    const text = JSON.stringify(item.wrap ?? item.change);
    if (taken.length && (taken.length >= maxItems || bytes + text.length > maxBytes)) break;
    (item.wrap ? wraps : changes).push(text);
    taken.push(item);
    bytes += text.length + 1;
  }
  return { text: `{"wraps":[${wraps.join(',')}],"changes":[${changes.join(',')}]}`, items: taken };
}

/**
 * Match the server's answers to the items sent: {done: [seq], refused: [entry], counts}. Every
 * answered item is done (it leaves the outbox); refused ones become entries a person can read.
 */
export function settle(items, results, at = Date.now()) {
  const wraps = items.filter((i) => i.wrap);
  const changes = items.filter((i) => i.change);
  if (!results || !Array.isArray(results.wraps) || !Array.isArray(results.changes)
      || results.wraps.length !== wraps.length || results.changes.length !== changes.length) {
    throw new PushError(200, 'bad_response', 'the server answered a different number of items');
  }
  const counts = { accepted: 0, duplicate: 0, stale: 0, refused: 0 };
  const refused = [];
  const tally = (status) => { counts[KEPT.includes(status) ? status : 'refused'] += 1; };
  wraps.forEach((item, i) => {
    const res = results.wraps[i] || {};
    tally(res.status);
    if (!KEPT.includes(res.status)) {
      refused.push({ seq: item.seq, kind: 'wrap', record: item.record, fields: [], recipient: item.wrap.recipient,
        code: res.code || 'refused', message: res.message || '', at });
    }
  });
  changes.forEach((item, i) => {
    const res = results.changes[i] || {};
    const writes = item.change.writes;
    const whole = res.status === 'ok' && Array.isArray(res.writes) && res.writes.length === writes.length;
    if (!whole && res.status !== 'refused') {
      throw new PushError(200, 'bad_response', 'the server answered a change in a way this app does not know');
    }
    if (!whole) {
      counts.refused += writes.length;
      refused.push({ seq: item.seq, kind: 'change', record: item.record, fields: writes.map((w) => w.field),
        code: res.code || 'refused', message: res.message || '', at });
      return;
    }
    const bad = [];
    res.writes.forEach((w, k) => {
      tally(w.status);
      if (!KEPT.includes(w.status)) bad.push({ field: writes[k].field, code: w.code, message: w.message });
    });
    if (bad.length) {
      refused.push({ seq: item.seq, kind: 'change', record: item.record, fields: bad.map((b) => b.field),
        code: bad[0].code || 'refused', message: bad[0].message || '', at });
    }
  });
  return { done: items.map((i) => i.seq), refused, counts };
}

/** The body as sent: gzip-compressed when it is large and the browser can (CompressionStream). */
export async function encodeBody(text) {
  if (text.length <= GZIP_ABOVE || typeof CompressionStream === 'undefined') return { body: text, encoding: null };
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream('gzip'));
  return { body: new Uint8Array(await new Response(stream).arrayBuffer()), encoding: 'gzip' };
}

/** POST one push body; resolve to the server's results or reject with PushError. */
export async function postPush(fetchFn, token, text) {
  const { body, encoding } = await encodeBody(text);
  const headers = { Accept: 'application/json', 'Content-Type': 'application/json', Authorization: 'Bearer ' + token };
  if (encoding) headers['Content-Encoding'] = encoding;
  const signal = typeof AbortSignal !== 'undefined' && AbortSignal.timeout
    ? AbortSignal.timeout(REQUEST_MS) : undefined;
  let response;
  let data;
  try {
    response = await fetchFn(PUSH_URL, { method: 'POST', headers, body, signal, credentials: 'omit', cache: 'no-store',
      referrerPolicy: 'no-referrer' });
    data = await response.json().catch(() => null);
  } catch {
    throw new PushError(0, 'network', 'no answer from the server');
  }
  if (!response.ok) {
    const err = (data && data.error) || {};
    throw new PushError(response.status, err.code || 'http_' + response.status, err.message, retryAfterMs(response));
  }
  // A 200 whose body broke off on the way is a lost answer: the items stay and go again.
  if (!data) throw new PushError(0, 'network', 'the answer was cut off');
  return data;
}

/**
 * Run `fn` while holding the push lock (or the lock `name`), so a page and the worker never push
 * the same items at once.
 */
export function withPushLock(fn, name = PUSH_LOCK) {
  const locks = typeof navigator !== 'undefined' && navigator.locks;
  return locks ? locks.request(name, fn) : fn();
}

/**
 * Push the whole outbox in batches: {counts, refused, batches}. Each batch's answers are stored
 * in one transaction: the items leave the outbox, refusals join `refused`. Rejects with
 * PushError when a request fails; what was settled before stays settled.
 */
export function pushOutbox(adapter, { token, fetch: fetchFn = fetch, maxItems, maxBytes, now = Date.now } = {}) {
  return withPushLock(async () => {
    const total = { accepted: 0, duplicate: 0, stale: 0, refused: 0 };
    const refused = [];
    let batches = 0;
    for (;;) {
      const items = await adapter.transaction(['outbox'], 'readonly',
        (tx) => tx.getAll('outbox', maxItems || BATCH_ITEMS));
      if (!items.length) break;
      const batch = nextBatch(items, { maxItems, maxBytes });
      const outcome = settle(batch.items, await postPush(fetchFn, token, batch.text), now());
      await adapter.transaction(['outbox', 'refused'], 'readwrite', async (tx) => {
        for (const seq of outcome.done) await tx.delete('outbox', seq);
        for (const entry of outcome.refused) await tx.put('refused', entry);
      });
      batches += 1;
      refused.push(...outcome.refused);
      for (const k of Object.keys(total)) total[k] += outcome.counts[k];
    }
    return { counts: total, refused, batches };
  });
}

/** Seal the push-only token with a fresh non-extractable AES key: {key, nonce, ct}, for IndexedDB. */
export async function sealToken(token) {
  const key = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
  const nonce = crypto.getRandomValues(new Uint8Array(12));
  const ct = await crypto.subtle.encrypt({ name: 'AES-GCM', iv: nonce,
    additionalData: new TextEncoder().encode(TOKEN_LABEL) },
    key, new TextEncoder().encode(token));
  return { key, nonce, ct: new Uint8Array(ct) };
}

/** Open a sealed push-only token; null when there is none or it does not open. */
export async function openToken(box) {
  if (!box || !box.key) return null;
  try {
    const plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: box.nonce,
      additionalData: new TextEncoder().encode(TOKEN_LABEL) }, box.key, box.ct);
    return new TextDecoder().decode(plain);
  } catch {
    return null;
  }
}
