/**
 * The app's one way to the network (page side): every request the page makes goes through
 * `request` (the sync engine, attachment chunks, the API calls, translations and word lists).
 * It sends nothing the server does not need (no cookies, no referrer) and caches no answer, and
 * a request that gets no answer fails as ZapisError('network'). `call` adds the API's JSON and its
 * error envelope on top. The service worker keeps its own fetch: it serves the shell from its
 * cache and pushes the outbox while no page is open, where this module is not loaded.
 */

import { ZapisError } from './core/errors.js';

const DEFAULTS = { credentials: 'omit', cache: 'no-store', referrerPolicy: 'no-referrer' };

/**
 * fetch() on this origin with the app's defaults (`init` may override them). Resolves to the
 * Response whatever its status; rejects with ZapisError('network') when no answer came.
 */
export async function request(path, init = {}) {
  try {
    return await fetch(path, { ...DEFAULTS, ...init });
  } catch (cause) {
    if (cause?.name === 'AbortError' && init.signal?.aborted && init.signal.reason?.name !== 'TimeoutError') {
      throw cause; // the caller cancelled it: not a failure of the network
    }
    throw new ZapisError('network', { message: 'no answer from the server', cause });
  }
}

/** A failed answer as a ZapisError, with the code of the server's error envelope when it has one. */
export async function answerError(response, data) {
  if (data === undefined) data = await response.json().catch(() => null); // a proxy's page has no envelope
  const err = data?.error ?? {};
  return new ZapisError(typeof err.code === 'string' ? err.code : `http_${response.status}`,
    { status: response.status, message: err.message });
}

/** Call the API on this origin; resolve to the parsed JSON body or reject with ZapisError. */
export async function call(method, path, { body, token } = {}) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (token) headers.Authorization = 'Bearer ' + token;
  const sent = body === undefined ? undefined : JSON.stringify(body);
  const response = await request(path, { method, headers, body: sent });
  // An error page from a proxy, say, is no JSON: judged by its status below.
  const data = await response.json().catch(() => null);
  if (!response.ok) throw await answerError(response, data);
  return data;
}

/**
 * One of the app's own static files (translations, word lists), as JSON or text. The service
 * worker answers from its cache offline, so these may use the HTTP cache too; the credentials mode
 * is fetch()'s own, which the shell's <link rel=preload crossorigin=anonymous> of the translations matches.
 */
export async function asset(url, as = 'json') {
  const response = await request(url, { cache: 'default', credentials: 'same-origin' });
  if (!response.ok) throw new ZapisError('asset_missing', { status: response.status, retryable: true });
  return as === 'json' ? response.json() : response.text();
}
