// The PWA's one error class (core/errors.js), its one fetch wrapper (api.js) and its one reporting
// path (report.js) with the content-free diagnostic log (diagnostics.js).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { answerError, call, request } from '../../pwa/static/js/api.js';
import { isRetryable, ProtocolError, ZapisError } from '../../pwa/static/js/core/errors.js';
import { appendEntry, diagnosticEntry, LOG_LIMIT, logText, messageFor } from '../../pwa/static/js/diagnostics.js';
import { translator } from '../../pwa/static/js/i18n.js';
import { clearDiagnostics, configureReporting, diagnostics, LOG_KEY, report } from '../../pwa/static/js/report.js';
import { PushError } from '../../pwa/static/js/sync/outbox.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const en = JSON.parse(readFileSync(join(ROOT, 'pwa', 'static', 'i18n', 'en.json'), 'utf8'));
const t = translator('en', en);
const SECRET = 'Canary-Diagnostics-Hrodna-4471';

test('a ZapisError carries a stable code, the status and whether a retry may help', () => {
  const e = new ZapisError('not_certified', { status: 403, message: SECRET });
  assert.ok(e instanceof Error);
  assert.deepEqual([e.name, e.code, e.status, e.retryable], ['ZapisError', 'not_certified', 403, false]);
  assert.equal(new ZapisError('network').retryable, true);
  assert.equal(new ZapisError('rate_limited', { status: 429 }).retryable, true);
  assert.equal(new ZapisError('server', { status: 503 }).retryable, true);
  assert.equal(new ZapisError('invalid_item', { status: 400, retryable: true }).retryable, true); // as told
  // Whatever is not a code (a message, a URL) never becomes one.
  assert.equal(new ZapisError('Failed to fetch https://x/?t=1').code, 'internal');
  assert.deepEqual([isRetryable(0, 'network'), isRetryable(0, 'internal'), isRetryable(404, 'x')],
    [true, false, false]);
});

test('anything thrown becomes a ZapisError; the protocol\'s errors are ZapisErrors already', () => {
  const p = new ProtocolError('bad_wrap', 'a record key could not be unwrapped');
  assert.ok(p instanceof ZapisError);
  assert.deepEqual([p.code, p.retryable, ZapisError.from(p)], ['bad_wrap', false, p]);
  const pushed = ZapisError.from(new PushError(409, 'equivocation', SECRET, 5000));
  assert.deepEqual([pushed.code, pushed.status, pushed.retryAfter, pushed.retryable],
    ['equivocation', 409, 5000, false]);
  assert.equal(ZapisError.from(new TypeError(SECRET)).code, 'internal');
  assert.equal(ZapisError.from(new DOMException('full', 'QuotaExceededError')).code, 'storage');
  assert.equal(ZapisError.from({ status: 502 }).code, 'http_502');
  assert.equal(ZapisError.from(undefined).code, 'internal');
});

test('an entry holds no message, no content, no URL: only where, the code, the status and the time', () => {
  const at = Date.UTC(2026, 0, 2, 3, 4, 5, 678);
  const entry = diagnosticEntry(new ZapisError('not_certified', { status: 403, message: SECRET }),
    { where: 'sync/run', at, version: 'abc123' });
  assert.deepEqual(entry, { at: Date.UTC(2026, 0, 2, 3, 4), where: 'sync/run', code: 'not_certified', status: 403,
    retryable: false, kind: 'ZapisError', version: 'abc123' });
  const odd = diagnosticEntry(Object.assign(new RangeError(SECRET), { code: SECRET }),
    { where: `record ${SECRET}`, at, version: 'https://x/?token=1' });
  assert.deepEqual([odd.code, odd.where, odd.kind, odd.version], ['internal', 'unknown', 'RangeError', 'unknown']);
  assert.ok(!JSON.stringify([entry, odd]).includes(SECRET));
});

test('the log is a bounded ring: the oldest entries go first', () => {
  let log = [];
  for (let i = 0; i < LOG_LIMIT + 7; i++) log = appendEntry(log, { at: i });
  assert.equal(log.length, LOG_LIMIT);
  assert.deepEqual([log[0].at, log.at(-1).at], [7, LOG_LIMIT + 6]);
  assert.deepEqual(appendEntry(undefined, { at: 1 }, 3), [{ at: 1 }]);
  assert.deepEqual(appendEntry([{ at: 1 }, { at: 2 }, { at: 3 }], { at: 4 }, 3).map((e) => e.at), [2, 3, 4]);
  const text = logText([diagnosticEntry(new ZapisError('network'), { where: 'sync/run', at: 0, version: 'v1' })]);
  assert.equal(text, '1970-01-01T00:00Z sync/run network - retry ZapisError v1');
});

test('the person reads the code in their language, never what the server said', () => {
  const said = (err, fallback) => messageFor(t, err, fallback);
  assert.equal(said(new ZapisError('not_certified', { status: 403, message: SECRET })), en['refusal.not_certified']);
  assert.equal(said(new ZapisError('network')), en['error.network']);
  assert.equal(said(new ZapisError('invite_expired', { status: 410 })), en['error.invite_expired']);
  assert.equal(said({ code: 'server', status: 500 }), en['sync.error.server']);
  assert.equal(said(new ZapisError('no_such_code', { status: 400, message: SECRET })), en['error.action_failed']);
  assert.equal(said(new TypeError(SECRET)), en['error.internal']);
  assert.equal(said(new TypeError(SECRET), 'form.save_failed'), en['form.save_failed']);
  assert.equal(said(new DOMException('x', 'QuotaExceededError')), en['error.storage']);
});

class MemoryMeta {
  constructor() { this.rows = new Map(); }
  async getMeta(key) { return structuredClone(this.rows.get(key)); }
  async putMeta(key, value) { this.rows.set(key, structuredClone(value)); }
}

test('report() shows the translated message once and logs an entry, on disk only once joined', async () => {
  const store = new MemoryMeta();
  const shown = [];
  let joined = false;
  const shell = { notice: (text, actions, opts) => { shown.push([text, opts.kind]); return () => {}; } };
  configureReporting({ store, shell, translator: () => t, joined: () => joined, now: () => 60000, version: 'v1' });
  await clearDiagnostics();
  const err = new ZapisError('not_certified', { status: 403, message: SECRET });
  assert.equal(await report(err, { where: 'sync/run' }), en['refusal.not_certified']);
  await report(err, { where: 'sync/run' }); // the same alert is not stacked twice
  await report(new TypeError(SECRET), { where: 'record/save', show: false });
  assert.deepEqual(shown, [[en['refusal.not_certified'], 'error']]);
  assert.equal(store.rows.size, 0); // not joined: memory only
  assert.deepEqual((await diagnostics()).map((e) => e.code), ['not_certified', 'not_certified', 'internal']);

  joined = true;
  await report(new ZapisError('network'), { where: 'sync/run', show: false });
  const stored = store.rows.get(LOG_KEY);
  assert.deepEqual(stored.map((e) => [e.where, e.code]), [['sync/run', 'network']]);
  assert.deepEqual(await diagnostics(), stored);
  assert.ok(!JSON.stringify([...store.rows]).includes(SECRET));

  // A store that fails does not make reporting fail.
  store.putMeta = async () => { throw new DOMException('full', 'QuotaExceededError'); };
  assert.equal(await report(new ZapisError('network'), { where: 'sync/run', show: false }), en['error.network']);
  configureReporting({ store: null, shell: null, translator: () => null, joined: () => false });
});

test('the one fetch wrapper: the app\'s defaults, no answer is ZapisError(network), the envelope\'s code', async () => {
  const seen = [];
  const realFetch = globalThis.fetch;
  try {
    globalThis.fetch = async (path, init) => {
      seen.push([path, init]);
      if (path === '/down') throw new TypeError('Failed to fetch');
      if (path === '/refused') {
        return new Response(JSON.stringify({ error: { code: 'not_certified', message: SECRET } }), { status: 403 });
      }
      if (path === '/proxy') return new Response('<html>Bad gateway</html>', { status: 502 });
      return new Response('{"ok":true}', { status: 200 });
    };
    assert.deepEqual(await call('GET', '/fine', { token: 'tok' }), { ok: true });
    assert.equal(seen[0][1].credentials, 'omit');
    assert.equal(seen[0][1].cache, 'no-store');
    assert.equal(seen[0][1].referrerPolicy, 'no-referrer');
    assert.equal(seen[0][1].headers.Authorization, 'Bearer tok');
    await assert.rejects(request('/down'), (e) => e instanceof ZapisError && e.code === 'network' && e.retryable);
    await assert.rejects(call('POST', '/refused', { body: {} }),
      (e) => e instanceof ZapisError && e.code === 'not_certified' && e.status === 403 && !e.retryable);
    await assert.rejects(call('GET', '/proxy'), (e) => e.code === 'http_502' && e.retryable);
    const plain = await answerError(new Response('nope', { status: 404 }));
    assert.deepEqual([plain.code, plain.status], ['http_404', 404]);
  } finally {
    globalThis.fetch = realFetch;
  }
});
