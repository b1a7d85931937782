"""Opening the list from sealed packs (issue 12) in Chromium's real IndexedDB: the records' version
tags come from the store's index, the packs are read while the passphrase is stretched, and a record
changed after its entry was packed is listed with what it holds now. A store made before version
tags gains the index on upgrade, and its records are tagged when checked.
"""

import pytest
from playwright.sync_api import expect

from drive import PASSPHRASE, read_store, setup_root, storage_dump, unlock

pytestmark = [pytest.mark.browser]

PACKED = "Canary-Packed-Minsk-4471"
CHANGED = "Canary-Changed-Hrodna-9023"

# In the page, beside the app: three needs saved, their entries packed, then one changed with its
# old cache entry put back (as if its new entry were lost), and locked.
PREPARE = """async ([passphrase, packed, changed]) => {
  const { Session } = await import('/static/js/session.js');
  const { LocalStore } = await import('/static/js/store/local.js');
  const { openStorage } = await import('/static/js/store/buckets.js');
  const { normalize, blank } = await import('/static/js/forms.js');
  const store = new LocalStore(openStorage());
  const session = new Session(store, { wipe: async () => {} });
  await session.init();
  if ((await session.unlock(passphrase)).status !== 'open') throw new Error('could not unlock');
  const values = (i, text) => normalize('need', { ...blank('need', '2026-12-03'), category: 'food',
    description: text + ' ' + i });
  const ids = [];
  for (let i = 0; i < 3; i++) ids.push(await session.records.save({ values: values(i, packed) }));
  if (!await session.records.pack()) throw new Error('not packed');
  const [old] = await store.getCaches([ids[1]]);
  await session.records.save({ id: ids[1], values: values(1, changed), before: values(1, packed) });
  await store.putCache(old);
  await session.lock();
  return ids;
}"""


def test_unlock_lists_what_a_record_holds_now_not_its_packed_entry(make_context, server):
    ctx, page = setup_root(make_context, server)
    page.evaluate("navigator.serviceWorker.ready")
    page.evaluate(PREPARE, [PASSPHRASE, PACKED, CHANGED])
    packs = read_store(page, "packs")
    assert len(packs) == 1
    records = read_store(page, "records")
    assert len(records) == 3 and all(r.get("v") for r in records)
    page.reload()
    unlock(page)
    items = page.locator(".record-item")
    expect(items).to_have_count(3)
    expect(items.filter(has_text=f"{CHANGED} 1")).to_have_count(1)
    expect(items.filter(has_text=f"{PACKED} 1")).to_have_count(0)
    expect(items.filter(has_text=f"{PACKED} 0")).to_have_count(1)
    expect(items.filter(has_text=f"{PACKED} 2")).to_have_count(1)
    # Packs and entries are sealed: no canary in anything stored.
    dump = storage_dump(page)
    assert PACKED not in dump and CHANGED not in dump
    ctx.close()


# A version 3 database (before version tags) in the data bucket, with one record; then the app's
# own store opens it at version 4.
UPGRADE = """async () => {
  const { STORES } = await import('/static/js/store/schema.js');
  const { idbAdapter } = await import('/static/js/store/idb-adapter.js');
  const { LocalStore } = await import('/static/js/store/local.js');
  const { versionOf } = await import('/static/js/core/version.js');
  const bucket = await navigator.storageBuckets.open('zapis-data');
  const state = { id: 'r1', wrap: null, fields: { f: [{ dot: ['d', 1], ctx: {} }] } };
  await new Promise((resolve, reject) => {
    const request = bucket.indexedDB.open('zapis', 3);
    request.onupgradeneeded = () => {
      for (const name of Object.keys(STORES).filter((s) => s !== 'packs')) {
        const { keyPath, autoIncrement } = STORES[name];
        request.result.createObjectStore(name, keyPath ? { keyPath, autoIncrement } : {});
      }
      request.transaction.objectStore('records').put(state);
    };
    request.onsuccess = () => { request.result.close(); resolve(); };
    request.onerror = () => reject(request.error);
  });
  const store = new LocalStore(idbAdapter('zapis', { factory: async () => bucket.indexedDB }));
  const before = await store.recordVersions();
  const stamped = await store.stampVersions(['r1']);
  const after = await store.recordVersions();
  const packs = await store.allPacks();
  // The outbox's index counts the records waiting to be sent: three items, two records.
  const { SyncStore } = await import('/static/js/store/sync-store.js');
  await store.adapter.transaction(['outbox'], 'readwrite', async (tx) => {
    for (const record of ['r1', 'r2', 'r1']) await tx.add('outbox', { record, change: { record } });
  });
  const waiting = (await new SyncStore(store.adapter).counts()).waiting;
  await store.close();
  return { ids: before.ids, tagsBefore: before.tags.size, tag: after.tags.get('r1'),
    stamped: stamped.get('r1'), expected: versionOf(state), packs: packs.length, waiting,
    oneRequest: typeof IDBIndex.prototype.getAllRecords === 'function' };
}"""


def test_a_store_from_before_version_tags_gains_the_index_and_tags_its_records(make_context, server):
    ctx = make_context()
    page = ctx.new_page()
    # The app's origin, without the app opening its store.
    page.goto(server.url + "/static/js/store/schema.js")
    out = page.evaluate(UPGRADE)
    assert out["ids"] == ["r1"]
    assert out["tagsBefore"] == 0  # stored before tags: not in the index
    assert out["tag"] == out["stamped"] == out["expected"]
    assert out["packs"] == 0
    assert out["waiting"] == 2
    assert out["oneRequest"]  # this Chromium counts them in one request (the cursor is the fallback)
    ctx.close()
