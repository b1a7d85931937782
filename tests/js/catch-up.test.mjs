// The catch-up's crypto off the page (sync/open-batch.js, sync/open-records.js, sync/crypto-pool.js,
// sync/crypto-worker.js): the worker path gives exactly what the page path gives, item by item and
// record by record, on the shared vectors (tests/vectors/epochs.json) and on a whole pulled page
// with good, tampered and held-back items; a catch-up stored page by page lists every record once.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { b64encode } from '../../pwa/static/js/core/b64.js';
import { signChange } from '../../pwa/static/js/core/envelopes.js';
import { importPrivatePkcs8 } from '../../pwa/static/js/core/keys.js';
import { CryptoPool, PoolClosed, poolSize } from '../../pwa/static/js/sync/crypto-pool.js';
import { openBatch } from '../../pwa/static/js/sync/open-batch.js';
import { fetchPage, pullAll } from '../../pwa/static/js/sync/pull.js';
import { newResult } from '../../pwa/static/js/sync/engine.js';
import { itemId, verifyPage } from '../../pwa/static/js/sync/verify.js';
import { vectors } from './helpers.mjs';
import { world } from './sync-world.mjs';

// The real crypto-worker.js module behind a message boundary as a browser's: every message and
// answer is structured-cloned (CryptoKeys included), and the worker's code runs as it would there.
let reply = null;
globalThis.self = {
  addEventListener: (type, fn) => { if (type === 'message') globalThis.self.onWorkerMessage = fn; },
  postMessage: (data) => reply(structuredClone(data)),
};
await import('../../pwa/static/js/sync/crypto-worker.js');

function fakeWorkers() {
  const made = [];
  const make = () => {
    const listeners = [];
    const worker = {
      addEventListener: (type, fn) => { if (type === 'message') listeners.push(fn); },
      postMessage: (data) => {
        const copy = structuredClone(data);
        setTimeout(() => {
          reply = (answer) => listeners.forEach((fn) => fn({ data: answer }));
          globalThis.self.onWorkerMessage({ data: copy });
        }, 0);
        worker.messages += 1;
      },
      terminate: () => { worker.terminated = true; },
      messages: 0,
    };
    made.push(worker);
    return worker;
  };
  return { make, made };
}

const epochs = vectors('epochs');
const strip = (answers) => answers.map((a) => ({ ...a, key: a.key?.map(b64encode) }));

test('a pool has two workers or more, at most four', () => {
  assert.deepEqual([1, 2, 3, 8, 0].map((n) => poolSize(n)), [2, 2, 3, 4, 2]);
});

test('the key-epoch vectors: changes and wraps answer the same in a worker as on the page', async () => {
  const items = [];
  const ctxs = [];
  for (const v of epochs.changes) {
    const signer = v.change.device;
    items.push({ kind: 'change', item: v.change });
    ctxs.push({ workspace: v.change.workspace, device: 'reader', role: 'coordinator', signPublic: null,
      ecdhKey: null, directory: new Map([[signer, { id: signer, sign_key: v.signer }]]),
      trusted: { [signer]: 'volunteer' } });
  }
  for (const v of epochs.wraps) {
    items.push({ kind: 'wrap', item: v.wrap });
    ctxs.push({ workspace: v.wrap.workspace, device: v.wrap.recipient, role: 'coordinator', signPublic: null,
      ecdhKey: await importPrivatePkcs8(v.recipient_ecdh_pkcs8, 'ecdh'),
      directory: new Map([[v.wrap.sender, { id: v.wrap.sender, sign_key: v.sender_sign_key }]]),
      trusted: { [v.wrap.sender]: 'coordinator' } });
  }
  const { make, made } = fakeWorkers();
  const pool = new CryptoPool({ size: 2, make });
  for (let i = 0; i < items.length; i++) {
    const page = await openBatch([items[i]], ctxs[i]);
    const worker = await pool.open([items[i]], ctxs[i]);
    assert.deepEqual(strip(worker), strip(page));
  }
  assert.equal(pool.opened.page, 0, 'every batch went to a worker');
  assert.ok(made.reduce((n, w) => n + w.messages, 0) >= items.length);
  // What the vectors say: valid changes verify, the others are problems; wraps open to their keys.
  for (let i = 0; i < epochs.changes.length; i++) {
    const [a] = await pool.open([items[i]], ctxs[i]);
    assert.equal(Boolean(a.ok), epochs.changes[i].valid, epochs.changes[i].name);
    if (!a.ok) assert.equal(typeof a.code, 'string');
  }
  for (let i = 0; i < epochs.wraps.length; i++) {
    const [a] = await pool.open([items[epochs.changes.length + i]], ctxs[epochs.changes.length + i]);
    assert.deepEqual(a.key.map(b64encode), epochs.wraps[i].keys);
  }
  pool.close();
  assert.ok(made.every((w) => w.terminated));
});

async function workspaceWithRecords(n, readers = 0) {
  const w = await world();
  const root = await w.phone('coordinator', { root: true });
  // Coordinators (new phones) that join before the records are made: each record's key is wrapped to them.
  const coordinators = [];
  for (let i = 0; i < readers; i++) coordinators.push(await w.phone('coordinator'));
  const volunteer = await w.phone('volunteer');
  const stranger = await w.phone('volunteer', { certified: false });
  await volunteer.sync();
  for (let i = 0; i < n; i++) {
    await volunteer.records.save({ values: { kind: 'need', category: 'legal', urgency: 'normal', status: 'new',
      description: `need ${i}`, city: `City ${i}` } });
  }
  await volunteer.sync();
  // A change from a device nobody certified (held back) and one whose value was altered (a problem).
  await stranger.records.save({ values: { kind: 'need', category: 'legal', description: 'held' } });
  await stranger.sync();
  return { w, root, volunteer, coordinators };
}

test('a whole pulled page: verified in the workers exactly as on the page (good, tampered, held back)', async () => {
  const { w, root, volunteer } = await workspaceWithRecords(6);
  // One change altered after signing: its value no longer matches its signature.
  const [id] = await volunteer.store.recordIds();
  const state = await volunteer.store.getRecord(id);
  const [field] = Object.keys(state.fields);
  const w0 = state.fields[field][0];
  const forged = await signChange(volunteer.keys.k.sign.privateKey, { workspace: w.server.workspace, record: id,
    device: volunteer.id, writes: [{ field, dot: [volunteer.id, w0.dot[1] + 1], ctx: { [volunteer.id]: w0.dot[1] },
      nonce: w0.nonce, ct: w0.ct }] });
  forged.writes[0].ct = forged.writes[0].ct.slice(0, -2) + (forged.writes[0].ct.endsWith('AA') ? 'AQ' : 'AA');
  w.server.inject(forged);

  const page = await fetchPage(w.server.fetch, root.token, 0, 1000);
  const me = root.engine.me;
  const directory = await root.replica.directory();
  const { make } = fakeWorkers();
  const pool = new CryptoPool({ size: 3, make });
  const ctx = { ...me, directory, trusted: root.identity.trusted, kept: [], quarantine: [] };
  const onPage = await verifyPage(page, ctx, 1);
  const inWorkers = await verifyPage(page, { ...ctx, open: (items, c) => pool.open(items, c) }, 1);
  const norm = (v) => ({ ...v, keys: [...v.keys].map(([sig, list]) => [sig, list.map(b64encode)]).sort() });
  assert.deepEqual(norm(inWorkers), norm(onPage));
  assert.equal(pool.opened.page, 0);
  assert.ok(onPage.changes.length >= 6);
  assert.equal(onPage.quarantine.length >= 1, true, 'the stranger\'s items are held back');
  assert.deepEqual(onPage.problems.map((p) => p.code), ['bad_signature']);
  assert.equal(onPage.problems[0].id, itemId('change', forged));
  pool.close();
});

test('a broken worker: the batch is opened on the page, with the same answers', async () => {
  const { root, w } = await workspaceWithRecords(2);
  const page = await fetchPage(w.server.fetch, root.token, 0, 1000);
  const ctx = { ...root.engine.me, directory: await root.replica.directory(), trusted: root.identity.trusted,
    kept: [], quarantine: [] };
  const pool = new CryptoPool({ size: 2, make: () => { throw new Error('no workers here'); } });
  const a = await verifyPage(page, ctx, 1);
  const b = await verifyPage(page, { ...ctx, open: (items, c) => pool.open(items, c) }, 1);
  assert.deepEqual(b.changes, a.changes);
  assert.ok(pool.opened.page > 0);
  assert.equal(pool.opened.worker, 0);
});

// A catch-up in small pages (the first of 2 records, then 4), each stored and its records opened
// in the workers as it lands (`absorb` options: `absorbing`); resolves once every page is opened.
async function catchUpInPages(w, phone, absorbing = {}) {
  const { make } = fakeWorkers();
  const pool = new CryptoPool({ size: 2, make });
  const pages = [];
  let opened = Promise.resolve();
  const ctx = { replica: phone.replica, fetch: w.server.fetch, token: phone.token, me: phone.engine.me, limit: 4,
    first: 2, directory: await phone.replica.directory(), trusted: phone.identity.trusted, kept: [],
    open: (items, c) => pool.open(items, c),
    onPage: (p) => {
      pages.push(p);
      opened = opened.then(() => phone.records.absorb(p, { pool, ...absorbing }));
    } };
  const pulled = newResult();
  await pullAll(ctx, pulled);
  await opened;
  return { pool, pulled, pages };
}

test('records opened in the workers page by page equal those the page opens at the end', async () => {
  const { w, coordinators: [direct, paged] } = await workspaceWithRecords(9, 2);
  const result = await direct.sync();
  await direct.records.reload({ changed: [...result.changed], keys: result.keys });

  // The count of stored records follows the pages (each says how many it added), never by
  // counting the store, which reads every record.
  paged.records.stored = (await paged.store.recordIds()).length;
  let counted = 0;
  const count = paged.store.recordCount.bind(paged.store);
  paged.store.recordCount = () => { counted += 1; return count(); };
  // The catch-up: small pages, each stored and its records opened in the workers as it lands.
  const { pool, pulled, pages } = await catchUpInPages(w, paged);
  const seen = pages.map((p) => p.received);
  assert.equal(counted, 0);
  assert.equal(paged.records.stored, (await paged.store.recordIds()).length);
  assert.ok(paged.records.stored >= 9);
  assert.ok(seen.length > 3, 'several pages');
  assert.deepEqual(seen, [...seen].sort((a, b) => a - b), 'the count only grows');
  assert.equal(seen.at(-1), pulled.changed.size);
  assert.ok(pool.opened.worker > 0 && pool.opened.page === 0);
  const byId = (list) => [...list].sort((a, b) => (a.id < b.id ? -1 : 1));
  assert.equal(direct.records.list().length, 9); // the stranger's record is held back
  assert.equal(paged.records.list().length, 9);
  assert.deepEqual(byId(paged.records.list()), byId(direct.records.list()));
  // The cache entries made in the workers open on the page after a lock: the same list again.
  const { Records } = await import('../../pwa/static/js/records.js');
  const reopened = new Records(paged.store, paged.identity);
  await reopened.load();
  assert.deepEqual(byId(reopened.list()), byId(direct.records.list()));
  for (const s of direct.records.list()) {
    assert.deepEqual(await reopened.read(s.id), await direct.records.read(s.id));
  }
  pool.close();
});

test('a pulled page of many records is sealed as one pack: none of its own entries, and a lock reopens it from the pack', async () => {
  const { w, coordinators: [direct, paged] } = await workspaceWithRecords(9, 2);
  const result = await direct.sync();
  await direct.records.reload({ changed: [...result.changed], keys: result.keys });
  const { pool, pages: all } = await catchUpInPages(w, paged, { packAt: 1 });
  pool.close();
  const pages = all.filter((p) => p.changed.length).length;
  const byId = (list) => [...list].sort((a, b) => (a.id < b.id ? -1 : 1));
  assert.deepEqual(byId(paged.records.list()), byId(direct.records.list()));
  assert.deepEqual(await paged.store.allCache(), [], 'no entry of its own: each is in its page\'s pack');
  const packs = await paged.store.allPacks();
  assert.ok(packs.length > 2 && packs.length <= pages, `${packs.length} packs of ${pages} pages`);
  assert.ok(packs.every(([key]) => String(key).startsWith('page/')));
  assert.equal(paged.records.loose.size, 0);

  // Locked and opened again: every record from the packs (none loose), as it was.
  const { Records } = await import('../../pwa/static/js/records.js');
  const reopened = new Records(paged.store, paged.identity);
  await reopened.load();
  assert.deepEqual(byId(reopened.list()), byId(direct.records.list()));
  assert.equal(reopened.loose.size, 0);
  for (const s of direct.records.list()) {
    assert.deepEqual(await reopened.read(s.id), await direct.records.read(s.id));
  }
  // Pages' packs piling up are sealed again as the few the entries need.
  assert.equal(await reopened.repack(), true);
  assert.deepEqual((await paged.store.allPacks()).map(([key]) => key), [0]);

  // A pack moved under another key does not open (its label is its key): its records come from
  // their states, listed as they are.
  const [[, box]] = await paged.store.allPacks();
  await paged.store.putPacks([]);
  await paged.store.addPack('page/elsewhere', box);
  const moved = new Records(paged.store, paged.identity);
  await moved.load();
  assert.deepEqual(byId(moved.list()), byId(direct.records.list()));
  assert.equal(moved.loose.size, 9);
});

test('locking stops a catch-up between pages: the workers are let go, nothing waits for ever, the next run resumes', async () => {
  const { w, coordinators: [phone] } = await workspaceWithRecords(8, 1);
  // A worker that never answers: closing the pool must not leave its batch waiting.
  const silent = new CryptoPool({ size: 1, make: () => ({ addEventListener() {}, postMessage() {}, terminate() {} }) });
  const waiting = silent.open([{ kind: 'change', item: {} }], { directory: new Map(), trusted: {} });
  silent.close();
  await assert.rejects(waiting, PoolClosed);
  await assert.rejects(silent.open([{ kind: 'change', item: {} }], {}), PoolClosed);

  const { make } = fakeWorkers();
  const pool = new CryptoPool({ size: 2, make });
  const engine = phone.engine;
  engine.open = (items, c) => pool.open(items, c);
  engine.limit = 4;
  let pages = 0;
  engine.onPage = () => {
    pages += 1;
    if (pages === 2) { engine.stop(); pool.close(); } // the lock, in the middle of the catch-up
  };
  const statusBefore = await phone.replica.status();
  const stopped = await engine.sync();
  assert.equal(stopped.stopped, true);
  assert.equal(stopped.ok, false);
  assert.deepEqual(stopped.errors, []);
  assert.equal(pages, 2);
  assert.deepEqual(await phone.replica.status(), statusBefore, 'a stopped run writes no status');
  const cursor = await phone.replica.cursor();
  assert.ok(cursor > 0);
  const partly = (await phone.store.recordIds()).length;
  assert.ok(partly < 8);

  // Unlocked again: a new engine run goes on from the stored cursor and ends with every record.
  engine.halted = false;
  engine.onPage = () => {};
  engine.open = null;
  const urls = [];
  engine.fetch = (url, init) => { urls.push(url); return w.server.fetch(url, init); };
  const done = await engine.sync();
  assert.equal(done.ok, true);
  const pulls = urls.filter((u) => u.startsWith('/api/sync/pull'));
  assert.ok(pulls[0].includes(`cursor=${cursor}&`), pulls[0]);
  await phone.records.reload({ changed: await phone.store.recordIds(), keys: done.keys });
  assert.equal(phone.records.list().length, 8);
});

test('the status line says how many records a pull has received, as a count in the person\'s style', async () => {
  const { readFileSync } = await import('node:fs');
  const { translator } = await import('../../pwa/static/js/i18n.js');
  const { initialStatus, pullProgress, statusLine } = await import('../../pwa/static/js/sync/status.js');
  const file = (code) => new URL(`../../pwa/static/i18n/${code}.json`, import.meta.url);
  const lang = (code) => translator(code, JSON.parse(readFileSync(file(code), 'utf8')));
  const en = lang('en');
  const s = { ...initialStatus(), syncing: true, pulling: { received: 1200, more: true } };
  assert.equal(statusLine(en, 'en', s).text, 'Syncing… · records received: 1,200 · not synced yet');
  assert.equal(statusLine(en, 'en', { ...s, pulling: null }).text, 'Syncing… · not synced yet');
  assert.equal(pullProgress(en, 'en', { ...s, syncing: false }), '', 'no count once the run is over');
  const big = { ...s, pulling: { received: 12000, more: true } };
  assert.match(pullProgress(lang('pl'), 'pl', big), /^odebrane rekordy: 12\s000$/u);
  for (const code of ['be', 'ru', 'uk', 'lt']) assert.match(pullProgress(lang(code), code, big), /12\s000/u, code);
});

test('a catch-up cut off after a page that changed the directory: the next run judges by the stored directory', async () => {
  const { w, coordinators: [direct, phone] } = await workspaceWithRecords(8, 2);
  await direct.sync(); // uncut, for comparison
  const engine = phone.engine;
  engine.limit = 4;
  let pulls = 0;
  // The connection drops at the third page: the first ones (the volunteer's entry among them) are stored.
  engine.fetch = (url, init) => {
    if (url.startsWith('/api/sync/pull') && ++pulls === 3) return Promise.reject(new TypeError('offline'));
    return w.server.fetch(url, init);
  };
  const cut = await engine.sync();
  assert.equal(cut.ok, false);
  assert.equal(cut.errors[0].code, 'network');
  assert.ok((await phone.replica.cursor()) > 0);
  engine.fetch = w.server.fetch;
  const done = await engine.sync();
  assert.equal(done.ok, true);
  // Held back: only what an uncut catch-up holds back too (the stranger's record).
  // (each device has its own wrap of it, so the kinds and records are compared).
  const held = async (p) => (await p.replica.quarantined()).map((q) => `${q.kind}:${q.item.record}`).sort();
  assert.deepEqual(await held(phone), await held(direct));
  await phone.records.reload({ changed: await phone.store.recordIds(), keys: done.keys });
  assert.equal(phone.records.list().length, 8);
});
