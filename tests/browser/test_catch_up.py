"""A coordinator's new phone catching up, in Chromium against gunicorn (docs/pwa.md, "Catching
up"): the catch-up cut off by going offline, and by closing the app, resumes from the page it had
stored and ends with every record exactly once; the records the pull worker stored and opened
(sync/pull-thread.js) are those the page opens itself; and the sync line says how far it has
come, as counts.

Pages are made small here (the pull's `limit` is rewritten on its way out), so a few dozen records
take many pages; a page is held back at the server's door to cut the catch-up at a known place.
"""

import re
import urllib.parse

import pytest
from playwright.sync_api import expect

from drive import PASSPHRASE, join, read_store, sync_now, unlock

pytestmark = [pytest.mark.browser, pytest.mark.slow]

RECORDS = 40
GROWN = ("() => Number((document.querySelector('.list-screen .count')?.textContent ?? '')"
         ".replace(/[^0-9]/g, '')) > 0")
PAGE = 6  # items a page: three records (a change and a wrap each)

# Count the pull workers the app starts (sync/pull-thread.js), the runs it sends them and the pulled
# pages they send back, stored and opened (the app knows nothing of this).
COUNT_WORKERS = """(() => {
  const Base = window.Worker;
  window.__pull = { workers: 0, runs: 0, pages: 0 };
  window.Worker = class extends Base {
    constructor(url, options) {
      super(url, options);
      if (options?.name !== 'zapis-pull') return;
      window.__pull.workers += 1;
      this.addEventListener('message', (e) => { if (e.data?.type === 'page') window.__pull.pages += 1; });
    }
    postMessage(message, ...rest) {
      if (message?.type === 'pull') window.__pull.runs += 1;
      return super.postMessage(message, ...rest);
    }
  };
})()"""


# This device's store opened and unlocked by a session of its own, beside the app's.
OPEN_APART = """
  const { Session } = await import('/static/js/session.js');
  const { LocalStore } = await import('/static/js/store/local.js');
  const { openStorage } = await import('/static/js/store/buckets.js');
  const store = new LocalStore(openStorage());
  const session = new Session(store, { wipe: async () => {} });
  await session.init();
  if ((await session.unlock(passphrase)).status !== 'open') throw new Error('could not unlock');
"""


def unlocked_apart(body):
    """A page script: OPEN_APART (`store`, `session`), then `body`, which sets `out`; the session is
    locked again and `out` returned."""
    return "async ([passphrase]) => {%s%s  await session.lock();\n  return out;\n}" % (
        OPEN_APART, body.lstrip("\n"))


# The list as this device's store opens it: through the cache entries the workers sealed (load),
# and again on the page alone from the records themselves (reload without a pool).
BOTH_PATHS = unlocked_apart("""
  const { Records } = await import('/static/js/records.js');
  const cached = session.records.list();
  const fresh = new Records(store, session.identity);
  await fresh.reload({ changed: await store.recordIds() });
  const byId = (list) => JSON.stringify([...list].sort((a, b) => (a.id < b.id ? -1 : 1)));
  const cache = await store.allCache();
  const out = { cached: byId(cached), fresh: byId(fresh.list()), count: cached.length, cache: cache.length };
""")


# What the next unlock finds: how many entries it had to open one by one, not from the packs.
NEXT_UNLOCK = unlocked_apart("""
  const out = { listed: session.records.list().length, loose: session.records.loose.size };
""")


class Door:
    """The pull requests of one browser context: small pages; after `serve` of them, held back."""

    def __init__(self, ctx, serve=None):
        self.serve = serve
        self.served = 0
        self.held = []
        self.cursors = []
        ctx.route("**/api/sync/pull?*", self.handle)

    def handle(self, route):
        url = urllib.parse.urlsplit(route.request.url)
        query = dict(urllib.parse.parse_qsl(url.query))
        self.cursors.append(int(query["cursor"]))
        query["limit"] = str(PAGE)
        if self.serve is not None and self.served >= self.serve:
            self.held.append(route)
            return
        self.served += 1
        route.continue_(url=urllib.parse.urlunsplit(url._replace(query=urllib.parse.urlencode(query))))

    def open(self):
        """Serve every page from now on (those held back were aborted by the test)."""
        self.serve = None

    def wait_held(self, page):
        for _ in range(600):
            if self.held:
                return
            page.wait_for_timeout(100)
        raise AssertionError("no pull request was held back")

    def drop_held(self):
        for route in self.held:
            route.abort("internetdisconnected")
        self.held = []


def new_phone(make_context, coordinator, server):
    """A coordinator's new phone in the browser, certified; locked while the records are made."""
    ctx = make_context(viewport={"width": 1280, "height": 800})
    ctx.add_init_script(COUNT_WORKERS)
    page = ctx.new_page()
    join(page, coordinator.create_invite("coordinator", base_url=server.url))
    device = read_store(page, "meta", "device")["device"]
    coordinator.certify(device)
    coordinator.pull()
    # The phone's own syncs since joining end here, before the lock: else a run cut by the lock
    # (slower on a busy machine) leaves the cursor short, the held-back pages below then carry
    # older items, and which records have come when the catch-up is cut depends on the load.
    sync_now(page)
    page.get_by_role("button", name="Records", exact=True).click()
    page.get_by_role("button", name="Lock").click()
    page.get_by_role("heading", name="Locked").wait_for()
    for i in range(RECORDS):
        coordinator.save({"kind": "need", "category": "legal", "urgency": "normal", "status": "new",
                          "country": "LT", "description": "Catch-up record %02d" % i})
    # One record a push, as phones send them: its wraps and its change side by side on the server.
    assert coordinator.push(batch=3)["refused"] == 0
    coordinator.pull()
    return ctx, page


def listed(page):
    text = page.locator(".list-screen .count").inner_text()
    return int(re.sub(r"[^0-9]", "", text) or 0)


def stored(page):
    return len(read_store(page, "records"))


def every_record_once(page):
    expect(page.locator(".list-screen .count")).to_have_text("%d records" % RECORDS, timeout=60000)
    ids = [r["id"] for r in read_store(page, "records")]
    assert len(ids) == len(set(ids)) == RECORDS
    cache = [c["id"] for c in read_store(page, "cache")]
    assert sorted(cache) == sorted(ids)
    assert read_store(page, "problems") == [] and read_store(page, "quarantine") == []


def test_a_catch_up_cut_by_going_offline_resumes_where_it_stopped(make_context, coordinator, server):
    ctx, page = new_phone(make_context, coordinator, server)
    door = Door(ctx, serve=4)
    unlock(page)
    door.wait_held(page)
    # Part of it is in: the list has grown, and the sync line says how many have come, as a count.
    expect(page.locator(".sync-line")).to_contain_text(re.compile(r"Syncing… · records received: \d+"))
    page.wait_for_function(GROWN)
    # Search works on what has arrived (the first page's records; a word only one record holds:
    # "record 0" also finds "record 10", which may have come too and is listed first).
    page.get_by_label("Search").fill("Catch-up record 01")
    expect(page.locator(".record-item")).to_have_count(1)
    expect(page.locator(".record-item").first).to_contain_text("Catch-up record 01")
    page.get_by_label("Search").fill("")

    ctx.set_offline(True)
    door.drop_held()
    expect(page.locator(".sync-line")).not_to_contain_text("Syncing…")
    cursor = read_store(page, "meta", "cursor")
    assert cursor > 0
    assert 0 < stored(page) < RECORDS

    asked = len(door.cursors)
    # The list's own check after unlock (app.js VERIFY_AFTER_MS, 1.5 s), which packs what it finds
    # loose, has come and gone: what arrives from now on is packed by the run, or by no one.
    page.wait_for_timeout(2500)
    door.open()
    ctx.set_offline(False)  # the app syncs again by itself
    every_record_once(page)
    # It went on from the page it had stored, not from the start.
    assert door.cursors[asked] == cursor
    assert 0 not in door.cursors[asked:]
    # The pages were pulled, stored and opened in the pull worker, off the page's thread.
    counts = page.evaluate("window.__pull")
    assert counts["workers"] >= 1 and counts["runs"] >= 2 and counts["pages"] >= RECORDS // 3, counts

    # The runs that brought them sealed their entries into packs: the next unlock opens the packs,
    # not each entry on its own (it opened all 40 so until an unlock packed them). Fewer than
    # LOOSE_MAX (records.js: 32) that came after the last packing may still be loose.
    for _ in range(100):
        if read_store(page, "packs"):
            break
        page.wait_for_timeout(100)
    page.get_by_role("button", name="Lock").click()
    page.get_by_role("heading", name="Locked").wait_for()
    after = page.evaluate(NEXT_UNLOCK, [PASSPHRASE])
    assert after["listed"] == RECORDS and after["loose"] < 32, after


def test_a_catch_up_cut_by_closing_the_app_resumes_and_the_workers_open_what_the_page_opens(
        make_context, coordinator, server):
    ctx, page = new_phone(make_context, coordinator, server)
    door = Door(ctx, serve=3)
    unlock(page)
    door.wait_held(page)
    page.wait_for_function(GROWN)
    # Lock answers at once in the middle of it (the request in flight is let go), and unlocking
    # goes on from where it was.
    page.get_by_role("button", name="Lock").click()
    page.get_by_role("heading", name="Locked").wait_for(timeout=5000)
    cursor = read_store(page, "meta", "cursor")
    assert 0 < stored(page) < RECORDS
    door.held = []
    asked = len(door.cursors)
    unlock(page)
    door.wait_held(page)
    assert door.cursors[asked] == cursor
    page.wait_for_timeout(500)  # nothing more is served: the store stays where it was
    assert read_store(page, "meta", "cursor") == cursor
    page.close()  # the app closed in the middle of the catch-up
    door.held = []

    page = ctx.new_page()
    asked = len(door.cursors)
    door.open()
    page.goto(server.url + "/")
    unlock(page)
    every_record_once(page)
    assert door.cursors[asked] == cursor > 0
    assert 0 not in door.cursors[asked:]
    assert page.evaluate("window.__pull")["pages"] > 0

    # The list the workers made (their sealed cache entries) is the list the page makes itself.
    page.get_by_role("button", name="Lock").click()
    page.get_by_role("heading", name="Locked").wait_for()
    both = page.evaluate(BOTH_PATHS, [PASSPHRASE])
    assert both["count"] == both["cache"] == RECORDS
    assert both["cached"] == both["fresh"]
    assert "Catch-up record 07" in both["cached"]


# Every pull worker the app makes, by number: made, ended (terminate) and pages sent. Its crypto
# workers are its own (nested): the page cannot see them, and they end with it.
TRACK_WORKERS = """(() => {
  const Base = window.Worker;
  const t = window.__workers = { made: [], ended: [], answered: [] };
  window.Worker = class extends Base {
    constructor(url, options) {
      super(url, options);
      if (options?.name !== 'zapis-pull') return;
      this.n = t.made.length;
      t.made.push(this.n);
      this.addEventListener('message', (e) => {
        if (e.data?.type === 'page' && !t.answered.includes(this.n)) t.answered.push(this.n);
      });
    }
    terminate() {
      if (this.n !== undefined) t.ended.push(this.n);
      return super.terminate();
    }
  };
})()"""


def test_the_pull_worker_starts_on_the_lock_screen_and_never_outlives_a_session(
        make_context, coordinator, server):
    ctx = make_context()
    ctx.add_init_script(TRACK_WORKERS)
    page = ctx.new_page()
    join(page, coordinator.create_invite("coordinator", base_url=server.url))
    coordinator.certify(read_store(page, "meta", "device")["device"])
    size = 1  # one pull worker a session
    workers = lambda: page.evaluate("window.__workers")  # noqa: E731
    assert len(workers()["made"]) == size  # the joined session's own

    # Locking ends the workers the session used (they held its keys) and starts fresh ones, which
    # load and warm up while the lock screen waits for the passphrase.
    page.get_by_role("button", name="Lock").click()
    page.get_by_role("heading", name="Locked").wait_for()
    w = workers()
    assert sorted(w["ended"]) == list(range(size))
    assert w["made"] == list(range(2 * size))

    # The next session uses those: no worker is made at unlock, and they open what it pulls.
    coordinator.pull()
    coordinator.save({"kind": "need", "category": "legal", "urgency": "normal", "status": "new",
                      "country": "LT", "description": "Opened by a warm worker"})
    assert coordinator.push()["refused"] == 0
    unlock(page)
    expect(page.locator(".list-screen .count")).to_have_text("1 record", timeout=30000)
    w = workers()
    assert w["made"] == list(range(2 * size)) and sorted(w["ended"]) == list(range(size))
    assert set(w["answered"]) & set(range(size, 2 * size))

    # An app that starts locked starts its workers on the lock screen, before any unlock.
    page.reload()
    page.get_by_role("heading", name="Locked").wait_for()
    page.wait_for_function("(n) => window.__workers.made.length === n", arg=size)
