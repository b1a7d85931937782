// The sync engine against a fake server (fake-server.mjs), with the real local store in memory:
// push batches and their answers, retries after a lost answer, refusals a person can read, pull
// pages and their cursor, what fails verification, 410, tombstones and revocation.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { makePurge, signChange } from '../../pwa/static/js/core/envelopes.js';
import { FIRST_CHANGE_WRITES as FIRST } from '../../pwa/static/js/core/field-ids.js';
import { versionOf } from '../../pwa/static/js/core/version.js';
import { translator } from '../../pwa/static/js/i18n.js';
import { Records } from '../../pwa/static/js/records.js';
import { RETRY_AFTER_MAX_MS, nextBatch, pushOutbox, retryAfterMs, settle } from '../../pwa/static/js/sync/outbox.js';
import { errorText, refusalText, statusLine } from '../../pwa/static/js/sync/status.js';
import { WORKSPACE, certify, world } from './sync-world.mjs';
import { readFileSync } from 'node:fs';

const en = translator('en', JSON.parse(readFileSync(new URL('../../pwa/static/i18n/en.json', import.meta.url),
  'utf8')));
const need = (description, extra = {}) => ({ kind: 'need', category: 'legal', urgency: 'normal', status: 'new',
  description, ...extra });

test('the outbox goes out in batches, in order, wraps before changes, and leaves only once the server has it', async () => {
  const w = await world();
  await w.phone('coordinator', { root: true });
  const phone = await w.phone('volunteer', { batch: { maxItems: 4 } });
  const ids = [];
  for (let i = 0; i < 5; i++) ids.push(await phone.records.save({ values: need(`need ${i}`) }));
  const outbox = await phone.store.outbox();
  assert.equal(outbox.length, 15); // each new record: a wrap for itself, one for the root, its change
  const result = await phone.sync({ pull: false });
  assert.equal(result.ok, true);
  const pushes = w.server.requests.filter((r) => r.path === '/api/sync/push');
  assert.equal(pushes.length, 4);
  assert.ok(pushes.every((p) => p.body.wraps.length + p.body.changes.length <= 4));
  // Every item went exactly once, in the outbox's order; a record's wraps went no later than its change.
  const sent = pushes.flatMap((p) => [...p.body.wraps.map((x) => `w:${x.record}:${x.recipient}`),
    ...p.body.changes.map((x) => `c:${x.record}`)]);
  assert.equal(new Set(sent).size, 15);
  for (const id of ids) {
    const change = pushes.findIndex((p) => p.body.changes.some((c) => c.record === id));
    assert.ok(pushes.slice(0, change + 1).flatMap((p) => p.body.wraps).filter((x) => x.record === id).length === 2);
  }
  // Every first change writes FIRST fields (the form's, `_deleted`, padding); two wraps per record.
  assert.deepEqual(result.pushed, { accepted: 5 * (FIRST + 2), duplicate: 0, stale: 0, refused: 0 });
  assert.equal((await phone.store.outbox()).length, 0);
  assert.equal(w.server.valueCount(ids[0]), FIRST);
});

test('a large push body is gzip-compressed, and the batch respects its byte budget', async () => {
  const items = Array.from({ length: 30 }, (_, i) => ({ seq: i + 1, record: 'r', change: { pad: 'x'.repeat(1000) } }));
  const batch = nextBatch(items, { maxItems: 100, maxBytes: 10_000 });
  assert.ok(batch.items.length === 9 && batch.text.length <= 10_000 + 100);
  const w = await world();
  await w.phone('coordinator', { root: true });
  const phone = await w.phone('volunteer');
  await phone.records.save({ values: need('x'.repeat(4000)) });
  await phone.records.save({ values: need('y'.repeat(4000)) });
  await phone.sync({ pull: false });
  const push = w.server.requests.find((r) => r.path === '/api/sync/push');
  assert.equal(push.encoding, 'gzip');
  assert.ok(push.bytes < JSON.stringify(push.body).length * 0.9);
});

test('a refused item leaves the outbox with the reason, the rest is accepted, and the person can read why', async () => {
  const w = await world();
  await w.phone('coordinator', { root: true });
  const phone = await w.phone('volunteer');
  const kept = await phone.records.save({ values: need('kept') });
  const refused = await phone.records.save({ values: need('refused') });
  w.server.refuse.add(refused);
  const result = await phone.sync();
  assert.equal(result.ok, true);
  assert.equal(result.pushed.refused, 2 + FIRST); // its two wraps and every write
  assert.equal((await phone.store.outbox()).length, 0);
  const entries = await phone.replica.refused();
  assert.deepEqual(entries.map((e) => [e.record, e.kind, e.code]).sort(),
    [[refused, 'change', 'no_access'], [refused, 'wrap', 'no_access'], [refused, 'wrap', 'no_access']].sort());
  assert.equal(w.server.valueCount(kept), FIRST);
  const counts = await phone.replica.counts();
  assert.equal(counts.refused, 3);
  const line = statusLine(en, 'en', { online: true, waiting: 0, refused: counts.refused, problems: 0, held: 0,
    lastOk: Date.now() });
  assert.equal(line.level, 'error');
  assert.match(line.text, /needs attention: 3/);
  assert.equal(refusalText(en, entries[0]), 'This device has no access to this record. Ask a coordinator to share it.');
  assert.equal(refusalText(en, { code: 'new_code', message: 'Said by the server.' }),
    'The server refused this change: Said by the server.');
});

test('a connection dropped after the server stored a push loses nothing and duplicates nothing on retry', async () => {
  const w = await world();
  await w.phone('coordinator', { root: true });
  const phone = await w.phone('volunteer');
  const id = await phone.records.save({ values: need('dropped once') });
  w.server.faults.push('drop');
  const first = await phone.sync();
  assert.equal(first.ok, false);
  assert.equal(first.retry, true);
  assert.deepEqual(first.errors.map((e) => e.code), ['network']);
  assert.equal((await phone.store.outbox()).length, 3); // the answer was lost: everything stays
  assert.equal(w.server.valueCount(id), FIRST); // ...though the server has it
  const second = await phone.sync();
  assert.equal(second.ok, true);
  assert.deepEqual(second.pushed, { accepted: 0, duplicate: FIRST + 2, stale: 0, refused: 0 });
  assert.equal((await phone.store.outbox()).length, 0);
  assert.equal(w.server.valueCount(id), FIRST);
  // A cut-off answer and a server error are lost answers too.
  await phone.records.save({ id, values: need('edited'), before: need('dropped once') });
  for (const fault of ['cut', 'error']) {
    w.server.faults.push(fault);
    const failed = await phone.sync();
    assert.equal(failed.retry, true);
    assert.equal((await phone.store.outbox()).length, 1);
  }
  assert.equal((await phone.sync()).ok, true);
  assert.equal(w.server.valueCount(id), FIRST);
});

test('a 429 says how long to wait (Retry-After) and a proxy\'s error page is a server failure; both are retried', async () => {
  const w = await world();
  await w.phone('coordinator', { root: true });
  const phone = await w.phone('volunteer');
  const id = await phone.records.save({ values: need('limited') });
  w.server.faults.push('limited');
  const limited = await phone.sync();
  assert.equal(limited.ok, false);
  assert.equal(limited.retry, true);
  assert.equal(limited.retryAfter, 30000);
  assert.deepEqual(limited.errors.map((e) => e.code), ['rate_limited']);
  w.server.faults.push('proxy');
  const proxied = await phone.sync();
  assert.equal(proxied.retry, true);
  assert.equal(proxied.retryAfter, null);
  assert.deepEqual(proxied.errors.map((e) => [e.code, e.status]), [['server', 502]]);
  assert.equal((await phone.store.outbox()).length, 3);
  assert.equal((await phone.sync()).ok, true);
  assert.equal(w.server.valueCount(id), FIRST);
  // On a pull too.
  w.server.faults.push('limited'); // the outbox is empty: the pull meets it
  const pulling = await phone.sync();
  assert.equal(pulling.retryAfter, 30000);
});

test('Retry-After is read as seconds or an HTTP date, never negative, and capped', () => {
  const r = (value) => ({ headers: new Headers(value === null ? {} : { 'Retry-After': value }) });
  assert.equal(retryAfterMs(r('12')), 12000);
  assert.equal(retryAfterMs(r(null)), null);
  assert.equal(retryAfterMs(r('soon')), null);
  assert.equal(retryAfterMs(r('Wed, 01 Dec 2026 10:00:30 GMT'), Date.parse('2026-12-01T10:00:00Z')), 30000);
  assert.equal(retryAfterMs(r('Wed, 01 Dec 2026 10:00:30 GMT'), Date.parse('2026-12-02T10:00:00Z')), 0);
  assert.equal(retryAfterMs(r('999999')), RETRY_AFTER_MAX_MS);
});

test('the page and the service worker pushing the same outbox at once duplicate nothing', async () => {
  const w = await world();
  await w.phone('coordinator', { root: true });
  const phone = await w.phone('volunteer');
  const id = await phone.records.save({ values: need('twice') });
  const token = phone.token;
  const [a, b] = await Promise.all([pushOutbox(phone.adapter, { token, fetch: w.server.fetch }),
    pushOutbox(phone.adapter, { token, fetch: w.server.fetch })]);
  assert.equal(a.counts.refused + b.counts.refused, 0);
  assert.equal((await phone.store.outbox()).length, 0);
  assert.equal(w.server.valueCount(id), FIRST);
  assert.equal(w.server.wraps.length, 2);
});

test('answers that do not match the items sent change nothing', () => {
  const items = [{ seq: 1, record: 'r', change: { writes: [{ field: 'a' }] } }];
  assert.throws(() => settle(items, { wraps: [], changes: [] }), /different number/);
  assert.throws(() => settle(items, { wraps: [], changes: [{ status: 'ok', writes: [] }] }), /does not know/);
});

test('pull goes page by page, stores each page with its cursor, and a failure keeps what was stored', async () => {
  const w = await world();
  const root = await w.phone('coordinator', { root: true });
  const phone = await w.phone('coordinator');
  await root.sync(); // the root learns of the other coordinator, and wraps new records' keys for it too
  for (let i = 0; i < 6; i++) await root.records.save({ values: need(`from the root ${i}`) });
  await root.sync();
  phone.engine.limit = 5;
  w.server.requests.length = 0;
  w.server.faults.push(undefined, 'down'); // the first page comes, the second does not
  const broken = await phone.sync();
  assert.equal(broken.ok, false);
  const firstCursor = await phone.replica.cursor();
  assert.ok(firstCursor > 0 && firstCursor < w.server.seq);
  const partial = (await phone.store.recordIds()).length;
  const result = await phone.sync();
  assert.equal(result.ok, true);
  assert.equal(await phone.replica.cursor(), w.server.seq);
  const pulls = w.server.requests.filter((r) => r.path === '/api/sync/pull');
  assert.ok(pulls.length >= 6, `${pulls.length} pages`);
  assert.ok(partial < 6);
  const list = phone.records.list();
  assert.equal(list.length, 6);
  assert.ok(list.every((s) => s.title.startsWith('from the root')));
  assert.equal(phone.records.unreadable, 0);
});

test('writes from an uncertified device are held back until it is certified, then shown', async () => {
  const w = await world();
  const root = await w.phone('coordinator', { root: true });
  const stranger = await w.phone('volunteer', { certified: false });
  const id = await stranger.records.save({ values: need('not yet verified') });
  assert.equal((await stranger.sync()).ok, true);
  const result = await root.sync();
  assert.equal(result.pulled.held, 2); // its change, and its key wrapped for the root
  assert.equal(root.records.list().length, 0);
  assert.ok((await root.replica.counts()).held > 0);
  w.server.updateDevice(stranger.id, { cert: await certify(w.root, stranger.entry) });
  const after = await root.sync();
  assert.ok(after.changed.has(id));
  assert.equal((await root.replica.counts()).held, 0);
  assert.equal(root.records.list()[0].title, 'not yet verified');
});

test('a write whose signature does not verify is never stored, and is reported', async () => {
  const w = await world();
  const root = await w.phone('coordinator', { root: true });
  const phone = await w.phone('volunteer');
  const id = await phone.records.save({ values: need('genuine', { city: 'Vilnius' }) });
  await phone.sync();
  await root.sync();
  const genuine = (await root.records.read(id)).values.city;
  // A forged change: the volunteer's device and next dot, a ciphertext it wrote, another key's signature.
  const forger = await w.phone('volunteer');
  const city = await root.records.fieldOf(id, 'city');
  const write = (await root.store.getRecord(id)).fields[city][0];
  const forged = await signChange(forger.keys.k.sign.privateKey, { workspace: WORKSPACE, record: id, device: phone.id,
    writes: [{ field: city, nonce: write.nonce, ct: write.ct, dot: [phone.id, 2], ctx: { [phone.id]: 1 } }] });
  w.server.inject(forged);
  const result = await root.sync();
  assert.equal(result.pulled.problems, 1);
  const [problem] = await root.replica.problems();
  assert.deepEqual([problem.kind, problem.code, problem.record, problem.device],
    ['change', 'bad_signature', id, phone.id]);
  assert.equal((await root.records.read(id)).values.city, genuine);
  assert.equal((await root.store.getRecord(id)).fields[city].length, 1);
});

test('a coordinator whose certificate does not chain to the fingerprint is not trusted and gets no record key', async () => {
  const w = await world();
  await w.phone('coordinator', { root: true });
  const phone = await w.phone('volunteer');
  // Slipped into the directory with a certificate it issued itself.
  const rogue = await w.phone('coordinator', { certified: false });
  rogue.entry.cert = await certify({ id: rogue.id, k: rogue.keys.k }, rogue.entry);
  w.server.updateDevice(rogue.id, { cert: rogue.entry.cert });
  const id = await rogue.records.save({ values: need('from the rogue') });
  await rogue.sync();
  await phone.sync();
  assert.deepEqual(phone.identity.recipients.map((r) => r.id), [w.root.id]);
  await phone.records.save({ values: need('after the rogue arrived') });
  const recipients = (await phone.store.outbox()).filter((i) => i.wrap).map((i) => i.wrap.recipient);
  assert.deepEqual(recipients.sort(), [phone.id, w.root.id].sort());
  assert.ok(!(await phone.store.getRecord(id)));
});

test('a 410 pulls afresh from 0, keeps what waits to be sent, and erases nothing no signed order covers', async () => {
  const w = await world();
  const root = await w.phone('coordinator', { root: true });
  const phone = await w.phone('coordinator');
  await root.sync();
  const gone = await root.records.save({ values: need('purged while away') });
  const stays = await root.records.save({ values: need('still here') });
  await root.sync();
  await phone.sync();
  assert.equal(phone.records.list().length, 2);
  w.server.purge(await makePurge(w.root.k.sign.privateKey, WORKSPACE, gone, w.root.id));
  w.server.horizon = w.server.seq + 1; // the tombstone is past the horizon: the phone never sees it
  w.server.seq += 1;
  const mine = await phone.records.save({ values: need('saved meanwhile') });
  w.server.faults.push('down'); // the push fails: the outbox must survive the fresh pull below
  await phone.sync();
  const result = await phone.engine.sync({ pull: true });
  assert.equal(result.afresh, true);
  assert.equal(result.ok, true);
  // The purge order is gone past the horizon: no signed order covers `gone`, so it is kept and listed.
  assert.ok(!result.purged.has(gone));
  assert.deepEqual(result.unconfirmed, [gone]);
  await phone.records.reload({ changed: [...result.changed], purged: [...result.purged] });
  assert.deepEqual(phone.records.list().map((s) => s.id).sort(), [gone, stays, mine].sort());
  // What waited to be sent was sent, not dropped.
  assert.equal(w.server.valueCount(mine), FIRST);
});

test('a 410 followed by a page that leaves records out erases nothing', async () => {
  const w = await world();
  await w.phone('coordinator', { root: true });
  const phone = await w.phone('volunteer');
  const a = await phone.records.save({ values: need('one') });
  const b = await phone.records.save({ values: need('two') });
  await phone.sync();
  const realFetch = phone.engine.fetch;
  let gone = false;
  phone.engine.fetch = async (url, init) => {
    if (url.startsWith('/api/sync/pull') && !gone) {
      gone = true;
      return new Response(JSON.stringify({ error: { code: 'cursor_expired', message: 'start over' } }),
        { status: 410 });
    }
    const response = await realFetch(url, init);
    if (!url.startsWith('/api/sync/pull')) return response;
    const page = await response.json(); // dense: an item's record comes first
    page.changes = page.changes.filter((c) => c[0] !== b);
    page.wraps = page.wraps.filter((x) => x[0] !== b);
    return new Response(JSON.stringify(page), { status: 200 });
  };
  const result = await phone.engine.sync({ pull: true });
  assert.equal(result.afresh, true);
  assert.deepEqual(result.unconfirmed, [b]);
  assert.ok(await phone.store.getRecord(a));
  assert.ok(await phone.store.getRecord(b));
});

test('a purge order from a coordinator erases the local copy; one signed by a volunteer erases nothing', async () => {
  const w = await world();
  await w.phone('coordinator', { root: true });
  const phone = await w.phone('volunteer');
  const a = await phone.records.save({ values: need('to be purged') });
  const b = await phone.records.save({ values: need('to be kept') });
  await phone.sync();
  await phone.records.save({ id: a, values: need('edited, not sent'), before: need('to be purged') });
  await phone.records.pack();
  assert.equal((await phone.store.allPacks()).length, 1);
  w.server.purge(await makePurge(w.root.k.sign.privateKey, WORKSPACE, a, w.root.id));
  const result = await phone.sync();
  // The edit was refused (the record is gone), then the tombstone erased the record and the refusal.
  assert.ok(result.purged.has(a));
  assert.equal(await phone.store.getRecord(a), undefined);
  assert.equal((await phone.store.allCache()).some((c) => c.id === a), false);
  assert.deepEqual(await phone.store.allPacks(), []); // a pack held its entry: the packs went with it
  assert.equal((await phone.store.outbox()).length, 0);
  assert.equal((await phone.replica.refused()).length, 0);
  assert.deepEqual(phone.records.list().map((s) => s.id), [b]);
  // A forged order, signed by a volunteer.
  const forged = await makePurge(phone.keys.k.sign.privateKey, WORKSPACE, b, phone.id);
  Object.assign(w.server.records.get(b), { purged: forged, purgedSeq: ++w.server.seq });
  const after = await phone.sync();
  assert.equal(after.pulled.problems, 1);
  assert.equal((await phone.replica.problems())[0].code, 'bad_purge');
  assert.ok(await phone.store.getRecord(b));
  assert.deepEqual(phone.records.list().map((s) => s.id), [b]);
});

test('a revoked device is told so by the server and by its own directory entry', async () => {
  const w = await world();
  await w.phone('coordinator', { root: true });
  const phone = await w.phone('volunteer');
  await phone.records.save({ values: need('before removal') });
  w.server.updateDevice(phone.id, { status: 'revoked' });
  const result = await phone.sync();
  assert.equal(result.revoked, true);
  assert.equal(result.ok, false);
  assert.equal((await phone.replica.status()).revoked, true);
  // Its own entry, revoked, arriving in a page, says the same (even if the server let it in).
  const other = await w.phone('volunteer');
  await other.sync();
  w.server.checkRevoked = false;
  w.server.updateDevice(other.id, { status: 'revoked' });
  const told = await other.sync();
  assert.equal(told.revoked, true);
  assert.equal(told.ok, false);
});

test('offline edits of different fields merge; the same field becomes a conflict that one resolution clears everywhere', async () => {
  const w = await world();
  const root = await w.phone('coordinator', { root: true });
  const phone = await w.phone('volunteer');
  const base = need('a room for two', { city: 'Vilnius' });
  const id = await phone.records.save({ values: base });
  await phone.sync();
  await root.sync();
  // Both edit while apart: one field each, and the status on both.
  const mine = await phone.records.read(id);
  await phone.records.save({ id, values: { ...mine.values, city: 'Kaunas', status: 'in_progress' },
    before: mine.values, seen: mine.contexts });
  const theirs = await root.records.read(id);
  await root.records.save({ id, values: { ...theirs.values, urgency: 'high', status: 'triaged' },
    before: theirs.values, seen: theirs.contexts });
  for (const d of [phone, root, phone]) assert.equal((await d.sync()).ok, true);
  for (const d of [phone, root]) {
    const view = await d.records.read(id);
    assert.equal(view.values.city, 'Kaunas');
    assert.equal(view.values.urgency, 'high');
    assert.deepEqual(view.conflicts, ['status']);
    assert.deepEqual(view.siblings.status.map((s) => s.value).sort(), ['in_progress', 'triaged']);
    assert.deepEqual(d.records.summaries.get(id).conflicts, ['status']); // the list marks it too
  }
  // Both replicas show the same value first.
  assert.equal((await phone.records.read(id)).values.status, (await root.records.read(id)).values.status);
  await root.records.resolve(id, 'status', 'assigned');
  for (const d of [root, phone]) assert.equal((await d.sync()).ok, true);
  for (const d of [phone, root]) {
    const view = await d.records.read(id);
    assert.deepEqual(view.conflicts, []);
    assert.equal(view.values.status, 'assigned');
    assert.deepEqual(d.records.summaries.get(id).conflicts, []);
  }
});

test('siblings with the same value are shown as one, and a form saved over an older view keeps the newer value', async () => {
  const w = await world();
  const root = await w.phone('coordinator', { root: true });
  const phone = await w.phone('volunteer');
  const id = await phone.records.save({ values: need('same') });
  await phone.sync();
  await root.sync();
  for (const d of [phone, root]) {
    const r = await d.records.read(id);
    await d.records.save({ id, values: { ...r.values, status: 'met' }, before: r.values, seen: r.contexts });
  }
  for (const d of [phone, root, phone]) await d.sync();
  const view = await phone.records.read(id);
  assert.equal((await phone.store.getRecord(id)).fields[await phone.records.fieldOf(id, 'status')].length, 2);
  assert.deepEqual(view.conflicts, []);
  // A form opened before a pull brought a new value: saving it does not silently cover that value.
  const opened = await phone.records.read(id);
  const r = await root.records.read(id);
  await root.records.save({ id, values: { ...r.values, description: 'changed elsewhere' }, before: r.values,
    seen: r.contexts });
  await root.sync();
  await phone.sync();
  await phone.records.save({ id, values: { ...opened.values, description: 'typed over the old view' },
    before: opened.values, seen: opened.contexts });
  const after = await phone.records.read(id);
  assert.deepEqual(after.conflicts, ['description']);
});

test('travel mode erases only what the server holds, keeps it away from pulls, and brings it back on request', async () => {
  const w = await world();
  const root = await w.phone('coordinator', { root: true });
  const phone = await w.phone('volunteer');
  const a = await phone.records.save({ values: need('first') });
  const b = await phone.records.save({ values: need('second') });
  // Nothing is erased when sync fails, or when the server refused something.
  w.server.faults.push('down');
  assert.deepEqual([(await phone.engine.travel()).ok, (await phone.engine.travel()).ok], [false, true]);
  assert.equal((await phone.store.recordIds()).length, 0);
  assert.equal(await phone.replica.awayCount(), 2);
  const c = await phone.records.save({ values: need('third') });
  w.server.refuse.add(c);
  const refused = await phone.engine.travel();
  assert.deepEqual([refused.ok, refused.reason], [false, 'refused']);
  assert.deepEqual(await phone.store.recordIds(), [c]);
  // An edit made elsewhere to an erased record stays on the server.
  await root.sync();
  const r = await root.records.read(a);
  await root.records.save({ id: a, values: { ...r.values, status: 'met' }, before: r.values });
  await root.sync();
  await phone.sync();
  assert.equal(await phone.store.getRecord(a), undefined);
  // Brought back: every record returns, with the edit.
  await phone.replica.bringBack();
  await phone.sync();
  assert.deepEqual((await phone.store.recordIds()).sort(), [a, b, c].sort());
  assert.equal((await phone.records.read(a)).values.status, 'met');
});

test('automatic travel mode erases each record once the server has it; what is not sent stays', async () => {
  const w = await world();
  await w.phone('coordinator', { root: true });
  const phone = await w.phone('volunteer');
  phone.engine.travelAuto = () => true;
  const sent = await phone.records.save({ values: need('sent') });
  assert.equal((await phone.sync()).erased[0], sent);
  const unsent = await phone.records.save({ values: need('not sent') });
  w.server.faults.push('down');
  await phone.sync();
  assert.deepEqual(await phone.store.recordIds(), [unsent]);
  assert.deepEqual(phone.records.list().map((s) => s.id), [unsent]);
});

test('a pulled change deletes the record\'s sealed cache entry in the same transaction (the list remakes it)', async () => {
  const w = await world();
  const root = await w.phone('coordinator', { root: true });
  const phone = await w.phone('volunteer');
  const id = await phone.records.save({ values: need('cached') });
  await phone.sync();
  await root.sync();
  const r = await root.records.read(id);
  await root.records.save({ id, values: { ...r.values, city: 'Grodno' }, before: r.values });
  await root.sync();
  const result = await phone.engine.sync();
  assert.ok(result.changed.has(id));
  assert.equal((await phone.store.allCache()).some((c) => c.id === id), false);
  await phone.records.reload({ changed: [...result.changed] });
  assert.equal((await phone.store.allCache()).some((c) => c.id === id), true);
  assert.equal(phone.records.summaries.get(id).city, 'Grodno');
});

test('the records waiting to be sent are counted from the outbox index, items without a record too', async () => {
  const w = await world();
  await w.phone('coordinator', { root: true });
  const phone = await w.phone('volunteer');
  const a = await phone.records.save({ values: need('one') });
  await phone.records.save({ id: a, values: need('one, edited'), before: need('one') });
  await phone.records.save({ values: need('two') });
  assert.ok((await phone.store.outbox()).length > 3); // wraps and changes, several a record
  assert.equal((await phone.replica.counts()).waiting, 2);
  // An item stored without `record` (not in the index): counted by reading the items.
  const [first] = await phone.store.outbox();
  await phone.adapter.transaction(['outbox'], 'readwrite', async (tx) => {
    const { record, ...rest } = first;
    assert.equal(record, a);
    await tx.put('outbox', rest);
  });
  assert.equal((await phone.replica.counts()).waiting, 2);
});

test('a record pulled while the device was locked is listed with the pulled values, not its packed ones', async () => {
  const w = await world();
  const root = await w.phone('coordinator', { root: true });
  const phone = await w.phone('volunteer');
  const id = await phone.records.save({ values: need('packed') });
  const other = await phone.records.save({ values: need('unchanged') });
  await phone.sync();
  await phone.records.pack(); // both entries sealed in a pack, as after an earlier unlock
  await root.sync();
  const r = await root.records.read(id);
  await root.records.save({ id, values: { ...r.values, city: 'Grodno' }, before: r.values });
  await root.sync();
  phone.records.clear(); // locked: the pull stores the change, nothing opens it
  const result = await phone.engine.sync();
  assert.ok(result.changed.has(id));
  // The stored state carries the tag of its live sets; the packed entry is of the old one.
  const state = await phone.store.getRecord(id);
  assert.equal(state.v, versionOf(state));
  const unlocked = new Records(phone.store, phone.identity);
  await unlocked.load();
  assert.equal(unlocked.summaries.get(id).city, 'Grodno');
  assert.equal(unlocked.summaries.get(other).title, 'unchanged');
  assert.deepEqual([...unlocked.loose], [id]); // the unchanged one came from the pack
  assert.equal(await unlocked.verify(), false);
});

test('a coordinator certified later reads the older records once another coordinator shares their keys', async () => {
  const w = await world();
  const root = await w.phone('coordinator', { root: true });
  const ids = [await root.records.save({ values: need('older one') }),
    await root.records.save({ values: need('older two') })];
  await root.sync();
  const late = await w.phone('coordinator');
  await late.sync();
  assert.equal(late.records.list().length, 0);
  assert.equal(late.records.unreadable, 2); // it holds their values, but no key
  assert.equal(await root.records.grant(ids, { id: late.id, ecdh_key: late.keys.ecdh_key }), 2);
  await root.sync();
  await late.sync();
  assert.deepEqual(late.records.list().map((s) => s.title).sort(), ['older one', 'older two']);
  assert.equal(late.records.unreadable, 0);
});

test('a pull without the Zapis-Protocol header is answered update_required, which the person can read', async () => {
  const { FakeServer } = await import('./fake-server.mjs');
  const { fetchPage } = await import('../../pwa/static/js/sync/pull.js');
  const server = new FakeServer(WORKSPACE);
  const token = server.enroll({ id: 'rootDeviceAAAAAAAAAAAA', role: 'coordinator' });
  const page = await fetchPage(server.fetch.bind(server), token, 0);
  assert.deepEqual([page.cursor, page.more, page.changes, page.wraps], [server.seq, false, [], []]);
  const old = (url, init) => server.fetch(url, { ...init, headers: { Authorization: init.headers.Authorization } });
  const err = await fetchPage(old, token, 0).then(() => null, (e) => e);
  assert.equal(err?.status, 400);
  assert.equal(err.code, 'update_required');
  assert.match(errorText(en, { code: 'update_required' }), /updating itself/);
});
