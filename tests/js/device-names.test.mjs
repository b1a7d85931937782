// Device names (pwa/static/js/device-names.js, held-names.js) and safety numbers compared by QR
// code (pwa/static/js/safety.js): the pure rules, and reading an unverified device's name from
// what it sent that is held back, with the real crypto.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { b64encode } from '../../pwa/static/js/core/b64.js';
import { makeBinding, safetyNumber } from '../../pwa/static/js/core/binding.js';
import { exportPublic, generateDeviceKeys } from '../../pwa/static/js/core/keys.js';
import { importLocalKey, newLocalKey } from '../../pwa/static/js/crypto/local-box.js';
import {
  NAME_KIND, cleanName, composeName, deviceLabel, latestNames, ownName, shareProgress, suggestPhone, withoutNames,
} from '../../pwa/static/js/device-names.js';
import { heldNames, saveName } from '../../pwa/static/js/held-names.js';
import { REGISTRY } from '../../pwa/static/js/kinds.js';
import { figures } from '../../pwa/static/js/overview.js';
import { blankFilters, query, waitingByDevice } from '../../pwa/static/js/query.js';
import { columns, exportFields } from '../../pwa/static/js/export.js';
import { Records } from '../../pwa/static/js/records.js';
import { compareSafety, readSafetyCode, safetyCode, safetyGroups } from '../../pwa/static/js/safety.js';
import { LocalStore } from '../../pwa/static/js/store/local.js';
import { memoryAdapter } from '../../pwa/static/js/store/memory-adapter.js';
import { summarize } from '../../pwa/static/js/summary.js';

const WORKSPACE = '4f6c1a8e-2b7d-4c1e-9a3f-0d5e6b7c8a9b';
const A = 'AAAAAAAAAAAAAAAAAAAAAA';
const B = 'BBBBBBBBBBBBBBBBBBBBBB';
const t = (key, params = {}) => `${key}${Object.keys(params).length ? JSON.stringify(params) : ''}`;

test('the registry has one kind that names its author device, kept out of the lists', () => {
  assert.equal(NAME_KIND, 'profile');
  const spec = REGISTRY.kinds[NAME_KIND];
  assert.equal(spec.listed, false);
  assert.equal(spec.nav, null);
  assert.deepEqual(spec.fields.map((f) => f.name), [spec.names_device]);
});

test('a name is one line without hidden marks, and the alias and phone join with a middle dot', () => {
  assert.equal(cleanName('  Ales \n  Pixel\t'), 'Ales Pixel');
  // Bidirectional overrides and zero-width characters could make one name pass for another.
  assert.equal(cleanName('Ales\u202e lexiP\u200b'), 'Ales lexiP');
  assert.equal(cleanName('x'.repeat(100)).length, 60);
  assert.equal(cleanName(null), '');
  assert.equal(composeName('Ales', 'Pixel 7'), 'Ales · Pixel 7');
  assert.equal(composeName(' Ales ', ''), 'Ales');
  assert.equal(composeName('', 'Pixel'), 'Pixel');
});

test('the phone is suggested from the model the browser tells, else from the user agent', () => {
  assert.equal(suggestPhone('', { model: 'Pixel 7', platform: 'Android', mobile: true }), 'Pixel 7');
  // A reduced user agent says "K" for every Android phone: not a model.
  const reduced = 'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) '
    + 'Chrome/120.0 Mobile Safari/537.36';
  assert.equal(suggestPhone(reduced, { model: '', platform: 'Android', mobile: true }), 'Android phone');
  assert.equal(suggestPhone('Mozilla/5.0 (Linux; Android 9; SM-A105F Build/PPR1) AppleWebKit Mobile'), 'SM-A105F');
  assert.equal(suggestPhone('Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)'), 'iPhone');
  assert.equal(suggestPhone('Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7)'), 'Mac');
  assert.equal(suggestPhone('Mozilla/5.0 (X11; Linux x86_64)', { platform: 'Linux' }), 'Linux');
  assert.equal(suggestPhone('', {}), '');
});

const named = (id, author, name, t, extra = {}) =>
  summarize(id, { kind: NAME_KIND, name, ...extra }, { t, author, created: t });

test('each device goes by the name of its newest name record', () => {
  const summaries = [
    named('r1', A, 'Ales · Pixel', 100),
    named('r2', A, 'Ales · Nokia', 300),
    named('r3', A, 'Old', 200),
    named('r4', B, 'Hanna', 50),
    named('r5', B, 'Deleted name', 500, { _deleted: true }),
    named('r6', B, '   ', 600),
    summarize('i1', { kind: 'incident', description: 'x' }, { t: 900, author: B }),
  ];
  const names = latestNames(summaries);
  assert.deepEqual(names.get(A), { name: 'Ales · Nokia', t: 300, record: 'r2' });
  assert.deepEqual(names.get(B), { name: 'Hanna', t: 50, record: 'r4' });
  assert.equal(names.size, 2);
  assert.equal(ownName(summaries, A).name, 'Ales · Nokia');
  assert.equal(ownName(summaries, 'C'.repeat(22)), null);
  // The same time: the larger record id, so every device picks the same one.
  assert.equal(latestNames([named('x1', A, 'One', 5), named('x2', A, 'Two', 5)]).get(A).name, 'Two');
});

test('a device is named by its name, an unverified name said so, else its role and short id', () => {
  assert.equal(deviceLabel(t, A, { role: 'volunteer', name: { name: 'Ales · Pixel' } }), 'Ales · Pixel');
  assert.equal(deviceLabel(t, A, { role: 'volunteer' }), 'role.volunteer · AAAAAAAA');
  assert.equal(deviceLabel(t, A, {}), 'detail.device · AAAAAAAA');
  assert.equal(deviceLabel(t, A, { role: 'volunteer', unverified: { name: 'Ales' } }),
    'devices.name_unverified{"name":"Ales","device":"role.volunteer · AAAAAAAA"}');
});

test('name records are in no list, count, filter or export', () => {
  const need = summarize('n1', { kind: 'need', category: 'legal', urgency: 'normal', status: 'new', country: 'PL',
    description: 'x' }, { t: 10, author: A, created: 10 });
  const all = [need, named('p1', A, 'Ales', 20)];
  assert.deepEqual(query(all, blankFilters(), { today: '2026-12-03', offset: 0 }).map((s) => s.id), ['n1']);
  assert.equal(figures(all, { today: '2026-12-03', offset: 0 }).total, 1);
  assert.equal(exportFields().some((f) => f.kinds.includes(NAME_KIND)), false);
  assert.deepEqual(columns(['name', 'category']), ['id', 'kind', 'category']);
});

test("what waits on a device leaves out the record that only names it", () => {
  const held = [
    { kind: 'wrap', item: { record: 'p', sender: A } }, { kind: 'change', item: { record: 'p', device: A } },
    { kind: 'change', item: { record: 'r1', device: A } }, { kind: 'change', item: { record: 'r2', device: A } },
  ];
  assert.deepEqual(waitingByDevice(withoutNames(held, new Set(['p']))), [[A, 2]]);
  assert.deepEqual(waitingByDevice(withoutNames(held, null)), [[A, 3]]);
});

test('what has been shared with each new coordinator is counted from the stored progress', () => {
  const readable = ['r1', 'r2', 'r3', 'r3'];
  const recipients = [{ id: A }, { id: B }, { id: 'me' }];
  assert.deepEqual(shareProgress(readable, recipients, { [A]: ['r1', 'r3', 'gone'] }, 'me'),
    [{ id: A, done: 2, total: 3 }, { id: B, done: 0, total: 3 }]);
  assert.deepEqual(shareProgress([], [], {}), []);
});

test('a safety number is shown in six groups and carried by a QR code with its device', async () => {
  const number = await safetyNumber(WORKSPACE, A, 'BCD', 'EFG');
  assert.deepEqual(safetyGroups(number), number.split(' '));
  assert.deepEqual(safetyGroups('123'), []);
  const text = safetyCode(A, number);
  assert.equal(text, `zapis-safety/1 ${A} ${number.replaceAll(' ', '')}`);
  assert.deepEqual(readSafetyCode(text), { device: A, digits: number.replaceAll(' ', '') });
  assert.equal(compareSafety(text, A, number), 'match');
  const other = number.replace(/^\d/, (d) => String((Number(d) + 1) % 10));
  assert.equal(compareSafety(text, A, other), 'mismatch');
  assert.equal(compareSafety(safetyCode(B, number), A, number), 'other_device');
  assert.equal(compareSafety('https://example.org/join#c=x', A, number), 'not_safety');
  assert.equal(compareSafety(`${text} `, A, number), 'match');
  assert.equal(compareSafety(`${text}0`, A, number), 'not_safety');
  assert.throws(() => safetyCode('short', number));
});

// A device that joined and named itself, and the coordinator its records are wrapped to.
async function joined(role = 'volunteer') {
  const keys = await generateDeviceKeys();
  const coordinator = await generateDeviceKeys();
  const coordinatorId = 'C'.repeat(22);
  const id = b64encode(crypto.getRandomValues(new Uint8Array(16)));
  const entry = { id, role, sign_key: await exportPublic(keys.sign.publicKey),
    ecdh_key: await exportPublic(keys.ecdh.publicKey) };
  entry.binding = await makeBinding(keys.sign.privateKey, { workspace: WORKSPACE, device: id, role,
    sign_key: entry.sign_key, ecdh_key: entry.ecdh_key });
  const store = new LocalStore(memoryAdapter());
  const records = new Records(store, { workspace: WORKSPACE, device: id, signKey: keys.sign.privateKey,
    ecdhKey: keys.ecdh.privateKey, localKey: await importLocalKey(newLocalKey()), ownEcdh: entry.ecdh_key,
    recipients: [{ id: coordinatorId, ecdh_key: await exportPublic(coordinator.ecdh.publicKey) }] });
  // What the coordinator holds back: everything this device sent (wraps to it, and changes).
  const held = async () => (await store.outbox()).flatMap((i) => (i.wrap ? (i.wrap.recipient === coordinatorId
    ? [{ kind: 'wrap', item: i.wrap }] : []) : [{ kind: 'change', item: i.change }]));
  const ctx = { workspace: WORKSPACE, device: coordinatorId, ecdhKey: coordinator.ecdh.privateKey, directory: [entry],
    trusted: { [coordinatorId]: 'coordinator' } };
  return { entry, records, held, ctx };
}

test("a coordinator reads a device's name from what it sent before it was verified, and nothing else", async () => {
  const { entry, records, held, ctx } = await joined();
  const profile = await saveName(records, entry.id, 'Ales · Pixel');
  const report = await records.save({ values: { kind: 'incident', category: 'bank', description: 'Secret text' } });
  const cache = new Map();
  const first = await heldNames(await held(), ctx, cache);
  assert.deepEqual(first.names.get(entry.id), { device: entry.id, name: 'Ales · Pixel', t: first.names.get(entry.id).t,
    record: profile });
  assert.deepEqual([...first.records], [profile]);
  assert.equal(first.records.has(report), false);

  // Renamed later (the same record): the newest name.
  assert.equal(await saveName(records, entry.id, 'Ales · Nokia'), profile);
  assert.equal(await saveName(records, entry.id, '   '), null);
  assert.equal((await heldNames(await held(), ctx, cache)).names.get(entry.id).name, 'Ales · Nokia');

  // Once the device is trusted its records are read the usual way, not from what is held back.
  const trusting = { ...ctx, trusted: { ...ctx.trusted, [entry.id]: 'volunteer' } };
  assert.equal((await heldNames(await held(), trusting)).names.size, 0);
});

test('a held-back name needs a matching key-binding statement and genuine signatures', async () => {
  const { entry, records, held, ctx } = await joined();
  await saveName(records, entry.id, 'Ales');
  const items = await held();
  // Keys the device did not bind together (a server that swapped them): no name.
  const swapped = { ...entry, ecdh_key: (await joined()).entry.ecdh_key };
  assert.equal((await heldNames(items, { ...ctx, directory: [swapped] })).names.size, 0);
  // A change altered on the way: its signature fails, so no name.
  const forged = items.map((q) => (q.kind === 'change'
    ? { ...q, item: { ...q.item, sig: q.item.sig.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')) } } : q));
  assert.equal((await heldNames(forged, ctx)).names.size, 0);
  // A removed device: no name.
  assert.equal((await heldNames(items, { ...ctx, directory: [{ ...entry, status: 'revoked' }] })).names.size, 0);
  // A wrap addressed to another device: nothing to open.
  assert.equal((await heldNames(items, { ...ctx, device: 'D'.repeat(22) })).names.size, 0);
});
