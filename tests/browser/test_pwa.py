"""The PWA in Chromium against gunicorn: joining, offline use, the encrypted store, lock, panic.

Every test runs in fresh browser contexts at 360 px wide; the `make_context` fixture fails the
test if any request left the app's origin.
"""

import json
import os
import re

import pytest
from playwright.sync_api import expect

from drive import (
    AXE,
    PASSPHRASE,
    axe,
    horizontal_overflow,
    join,
    leftovers,
    new_incident as saved_incident,
    new_need,
    new_workspace,
    read_store,
    storage_dump,
    unlock,
    wait_all_sent,
    wait_offline_ready,
    write_store,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CANARY_INCIDENT = "Canary-Incident-Ясь-7731"
CANARY_NEED = "Canary-Need-Kupała-4410"
CANARY_DRAFT = "Canary-Draft-Vilnia-9902"


def new_incident(page, description):
    """This module's incidents: in Białystok, tagged (the search below finds them by either)."""
    saved_incident(page, description, city="Białystok", tags="bank, account")






def test_a_volunteer_joins_works_offline_and_finds_the_records_again(make_context, coordinator, server):
    """Join with an invite, go offline, reload from the service worker, record, reload, find."""
    ctx = make_context()
    page = ctx.new_page()
    link = coordinator.create_invite("volunteer", base_url=server.url)
    join(page, link)
    # The invite's secret left the address bar as soon as the app read it, and is not kept in
    # the session history either.
    code = link.split("#c=")[1].split("&")[0]
    assert "#" not in page.url and "c=" not in page.url
    assert code not in page.evaluate("JSON.stringify(history.state)")
    wait_offline_ready(page)

    ctx.set_offline(True)
    page.reload()
    page.get_by_role("heading", name="Locked").wait_for()
    expect(page.get_by_text("Offline", exact=True)).to_be_visible()
    unlock(page)

    new_incident(page, CANARY_INCIDENT)
    page.get_by_role("button", name="Records", exact=True).click()
    new_need(page, CANARY_NEED, urgency="Critical")

    page.reload()
    unlock(page)
    items = page.locator(".record-item")
    expect(items).to_have_count(2)
    expect(items.filter(has_text="Accommodation")).to_have_count(1)
    page.get_by_label("Search").fill("ясь-7731")
    expect(items).to_have_count(1)
    items.first.click()
    page.get_by_role("heading", name=re.compile("Bank or payment refused")).wait_for()
    expect(page.get_by_text(CANARY_INCIDENT)).to_be_visible()

    # Edit one field: one more signed change, only that field written.
    page.get_by_role("button", name="Edit").click()
    page.get_by_label("City or town").fill("Grodno? no: Suwałki")
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Grodno? no: Suwałki", exact=True).wait_for()
    outbox = [[w["field"] for w in i["change"]["writes"]] if "change" in i
              else "wrap:" + i["wrap"]["recipient"] for i in read_store(page, "outbox")]
    # New records: a wrap for this device and for the root coordinator, then one change each.
    [city] = outbox[-1]
    assert len(city) == 22 and city != "city"  # an opaque field id (protocol 3), not the name
    assert sum(1 for i in outbox if isinstance(i, str)) == 4
    assert all(("wrap:" + coordinator.replica.device) in outbox[k:k + 2] for k in (0, 3))

    # Soft delete: the record leaves the list, and comes back under "show deleted".
    page.get_by_role("button", name="Delete").click()
    page.get_by_role("button", name="Yes, delete").click()
    page.get_by_role("heading", name="Records").wait_for()
    page.get_by_label("Search").fill("")
    expect(items).to_have_count(1)
    page.get_by_label("Show deleted records").check()
    expect(items).to_have_count(1)
    expect(items.first).to_contain_text("Deleted")

    # The coordinator's key wraps are real: the reference client opens the record once it has
    # the wrap and the change (as the sync engine will push them).
    ctx.set_offline(False)


def test_nothing_readable_is_stored_and_lock_drops_the_plaintext(make_context, coordinator, server):
    """Records and drafts sit in IndexedDB as ciphertext; locking empties the screen."""
    ctx = make_context()
    page = ctx.new_page()
    join(page, coordinator.create_invite("volunteer", base_url=server.url))
    new_incident(page, CANARY_INCIDENT)
    page.get_by_role("button", name="+ Need").click()
    page.get_by_label("Details of the need *").fill(CANARY_DRAFT)
    page.wait_for_timeout(900)  # the draft is written 400 ms after the last keystroke

    raw = storage_dump(page)
    assert "zapis" in raw and "records" in raw and "vault" in raw
    for canary in (CANARY_INCIDENT, CANARY_DRAFT, "Białystok", PASSPHRASE):
        assert canary not in raw
    assert re.search(r'"token"|"pkcs8"|"BEGIN', raw) is None

    page.get_by_role("button", name="Lock").click()
    page.get_by_role("heading", name="Locked").wait_for()
    assert CANARY_INCIDENT not in page.content()
    assert CANARY_DRAFT not in page.content()
    # A wrong passphrase is refused; the right one opens, and the draft is still there.
    page.get_by_label("Passphrase").fill("not my passphrase at all")
    page.get_by_role("button", name="Unlock").click()
    page.get_by_text("Wrong passphrase.").wait_for()
    unlock(page)
    page.get_by_role("button", name="+ Need").click()
    expect(page.get_by_label("Details of the need *")).to_have_value(CANARY_DRAFT)
    expect(page.get_by_text("Your unsaved draft was restored.")).to_be_visible()


def test_panic_leaves_at_once_and_can_wipe_everything(make_context, coordinator, server):
    """The Exit control leaves for a harmless page; with wiping on, nothing of the app is left."""
    ctx = make_context()
    page = ctx.new_page()
    join(page, coordinator.create_invite("volunteer", base_url=server.url))
    wait_offline_ready(page)
    new_incident(page, CANARY_INCIDENT)

    page.get_by_role("button", name="Exit").click()
    page.wait_for_url(server.url + "/calc")
    assert page.title() == "Calculator"
    assert "Zapis" not in page.content()
    page.go_back()
    page.get_by_role("heading", name="Locked").wait_for()  # back never shows the records again
    unlock(page)

    page.get_by_role("button", name="Settings").click()
    page.get_by_label("The Exit button also erases this device").check()
    page.get_by_role("button", name="Exit").click()
    page.wait_for_url(server.url + "/calc")
    assert leftovers(page) == {"databases": [], "buckets": [], "caches": [], "workers": 0, "local": 0,
                               "session": 0}
    page.goto(server.url + "/")
    page.get_by_role("heading", name="Welcome").wait_for()


def test_the_duress_passphrase_leaves_an_app_that_never_joined(make_context, coordinator, server):
    ctx = make_context()
    page = ctx.new_page()
    join(page, coordinator.create_invite("volunteer", base_url=server.url))
    new_incident(page, CANARY_INCIDENT)
    vault_before = read_store(page, "vault", "keys")
    device = read_store(page, "meta", "device")
    page.get_by_role("button", name="Settings").click()
    page.get_by_label("Duress passphrase").fill("lemon harbour quietly nine")
    page.get_by_role("button", name="Set duress passphrase").click()
    page.get_by_text("The duress passphrase is set.").wait_for()
    page.get_by_role("button", name="Lock").first.click()

    wait_offline_ready(page)
    ctx.set_offline(True)  # duress works offline: the page starts again from the service worker
    page.get_by_label("Passphrase").fill("lemon harbour quietly nine")
    page.get_by_role("button", name="Unlock").click()
    # The welcome screen of an install that never joined, with no word of an erasure.
    page.get_by_role("heading", name="Welcome").wait_for()
    # (Live regions stand empty, ready to announce; none says anything.)
    expect(page.locator(".error:not(:empty), [role=alert]:not(:empty)")).to_have_count(0)
    left = leftovers(page)
    assert left["databases"] == [] and left["buckets"] in ([], ["zapis-data"])  # no vault bucket
    raw = storage_dump(page)
    for trace in (vault_before["ct"], vault_before["salt"], device["workspace"], device["device"],
                  device["fingerprint"], device["sign_key"]):
        assert trace not in raw
    stored = {(db, store): rows for db, stores in json.loads(raw)["databases"].items()
              for store, rows in stores.items() if rows}
    assert list(stored) in ([], [("zapis-data/zapis", "meta")])
    assert [key for key, _value in stored.get(("zapis-data/zapis", "meta"), [])] in ([], ["settings"])
    # The real passphrase has nothing left to open: there is no lock screen to type it into.
    ctx.set_offline(False)
    page.reload()
    page.get_by_role("heading", name="Welcome").wait_for()


# Hides Storage Buckets from the page while the cookie is set, as Firefox and Safari lack them.
NO_BUCKETS = """try {
  if (document.cookie.includes('nobuckets=1')) delete Navigator.prototype.storageBuckets;
} catch (e) { /* a document without cookies (about:blank) */ }"""


def test_without_buckets_settings_says_so_and_an_older_install_moves_into_buckets_once(make_context,
                                                                                       coordinator,
                                                                                       server):
    ctx = make_context()
    ctx.add_cookies([{"name": "nobuckets", "value": "1", "url": server.url}])
    ctx.add_init_script(NO_BUCKETS)
    page = ctx.new_page()
    join(page, coordinator.create_invite("volunteer", base_url=server.url))
    new_incident(page, CANARY_INCIDENT)
    assert leftovers(page)["databases"] == ["zapis"] and leftovers(page)["buckets"] == []
    page.get_by_role("button", name="Settings").click()
    expect(page.get_by_text("This browser cannot delete the app’s storage files.",
                            exact=False)).to_be_visible()
    expect(page.get_by_text("use the app in Chrome, Edge, Samsung Internet", exact=False)).to_be_visible()
    page.get_by_role("button", name="Lock").first.click()
    vault = read_store(page, "vault", "keys")

    # The same install in a browser with buckets: its data moves in at the next start, once.
    ctx.clear_cookies()
    page.reload()
    unlock(page)
    expect(page.locator(".record-item")).to_have_count(1)
    left = leftovers(page)
    assert left["databases"] == [] and sorted(left["buckets"]) == ["zapis-data", "zapis-vault"]
    assert read_store(page, "vault", "keys") == vault
    page.get_by_role("button", name="Settings").click()
    expect(page.get_by_text("deletes the app’s storage on this browser, files and all",
                            exact=False)).to_be_visible()
    expect(page.get_by_text("Copies from before the move may stay", exact=False)).to_be_visible()
    page.reload()
    unlock(page)
    expect(page.locator(".record-item")).to_have_count(1)
    assert leftovers(page)["databases"] == []


def test_wrong_passphrases_slow_down_and_the_failure_limit_wipes(make_context, coordinator, server):
    ctx = make_context()
    page = ctx.new_page()
    join(page, coordinator.create_invite("volunteer", base_url=server.url))
    page.get_by_role("button", name="Settings").click()
    page.get_by_label("Erase this device after wrong passphrases").select_option("5")
    page.get_by_role("button", name="Lock").first.click()
    for attempt in range(1, 4):
        page.get_by_label("Passphrase").fill("wrong guess number %d" % attempt)
        page.get_by_role("button", name="Unlock").click()
        expect(page.get_by_label("Passphrase")).to_have_value("")  # the attempt is over
        page.get_by_text("Wrong passphrase.").wait_for()
    # After the third failure the next attempt has to wait.
    expect(page.get_by_text(re.compile(r"Try again in \d+ seconds?"))).to_be_visible()
    assert page.get_by_role("button", name="Unlock").is_disabled()
    write_store(page, "meta", {"failures": 4, "retryAt": 0}, "guard")
    page.reload()
    page.get_by_label("Passphrase").fill("fifth wrong guess here")
    page.get_by_role("button", name="Unlock").click()
    page.get_by_role("heading", name="Welcome").wait_for()
    expect(page.get_by_text("this device was erased")).to_be_visible()
    assert leftovers(page)["databases"] == []
    assert leftovers(page)["buckets"] in ([], ["zapis-data"])  # the vault's is gone


def test_the_setup_link_makes_the_browser_the_first_coordinator(make_context, server):
    workspace, token = new_workspace(server.db_url)
    ctx = make_context()
    page = ctx.new_page()
    join(page, "%s/setup#t=%s&w=%s" % (server.url, token, workspace))
    page.get_by_role("button", name="Settings").click()
    expect(page.get_by_text("Coordinator", exact=True)).to_be_visible()
    # Its own certificate is the root: the directory verifies against its fingerprint.
    expect(page.get_by_text("Only this device: no verified coordinator yet.")).to_be_visible()


def test_an_invalid_invite_says_what_to_do_next(make_context, coordinator, server):
    ctx = make_context()
    page = ctx.new_page()
    link = coordinator.create_invite("volunteer", base_url=server.url).replace("#c=", "#c=x")
    page.goto(link)
    # A link opened as a link is used at once, so what is wrong with it is said at once.
    page.get_by_text("This invite link is not valid.", exact=False).wait_for()
    expect(page.get_by_text("This invite link has just been used")).to_have_count(0)
    expect(page.get_by_role("button", name="Join")).to_be_disabled()
    assert leftovers(page)["databases"] in ([], ["zapis"])


def test_a_weak_passphrase_is_refused_with_a_strength_meter(make_context, coordinator, server):
    ctx = make_context()
    page = ctx.new_page()
    page.goto(coordinator.create_invite("volunteer", base_url=server.url))
    page.get_by_role("button", name="Type my own passphrase").click()
    page.get_by_label("Passphrase", exact=True).fill("password1")
    expect(page.get_by_text(re.compile(r"^(Very weak|Weak)$"))).to_be_visible()
    page.get_by_label("Passphrase again").fill("password1")
    page.get_by_role("button", name="Join").click()
    page.get_by_text("This passphrase is too easy to guess.", exact=False).wait_for()
    expect(page.get_by_text("Nobody can recover this passphrase", exact=False)).to_be_visible()


def test_the_browser_language_chooses_the_default_and_the_switcher_changes_it(make_context, server):
    ctx = make_context(locale="be-BY")
    page = ctx.new_page()
    page.goto(server.url + "/")
    page.get_by_role("heading", name="Вітаем").wait_for()
    assert page.evaluate("document.documentElement.lang") == "be"
    page.get_by_label("Мова").select_option("lt")
    page.get_by_role("heading", name="Sveiki").wait_for()
    page.reload()
    page.get_by_role("heading", name="Sveiki").wait_for()


SCREENS = ["welcome", "join", "list", "new-incident", "new-need", "detail", "settings", "lock"]


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_every_screen_fits_360px_and_has_no_serious_accessibility_violation(make_context, coordinator, server,
                                                                           theme):
    ctx = make_context(color_scheme=theme)
    page = ctx.new_page()
    problems = {}

    def check(name):
        overflow = horizontal_overflow(page)
        violations = axe(page, AXE)
        if overflow > 0 or violations:
            problems[name] = {"overflow": overflow, "violations": violations}

    page.goto(server.url + "/")
    page.get_by_role("heading", name="Welcome").wait_for()
    check("welcome")
    page.goto(coordinator.create_invite("volunteer", base_url=server.url))
    page.locator(".generated-words .word").first.wait_for()
    check("join (generated passphrase)")
    page.get_by_role("button", name="Type my own passphrase").click()
    page.get_by_label("Passphrase", exact=True).fill("weak")
    check("join")
    page.get_by_label("Passphrase", exact=True).fill(PASSPHRASE)
    page.get_by_label("Passphrase again").fill(PASSPHRASE)
    page.get_by_role("button", name="Join").click()
    page.get_by_role("heading", name="Records").wait_for()
    check("list (empty)")
    page.get_by_role("button", name="+ Incident").click()
    page.get_by_role("button", name="Save").click()  # shows every validation message
    page.get_by_text("Please fill this in.").first.wait_for()
    check("new incident with errors")
    page.get_by_role("button", name="Cancel").click()
    new_need(page, "A room for a mother and two children", urgency="Critical")
    check("detail")
    page.get_by_role("button", name="Records", exact=True).click()
    check("list")
    page.get_by_role("button", name="+ Need").click()
    check("new need")
    page.get_by_role("button", name="Settings").click()
    check("settings")
    page.get_by_role("button", name="Lock").first.click()
    page.get_by_role("heading", name="Locked").wait_for()
    check("lock")
    page.get_by_role("button", name="What this phone keeps").click()
    page.get_by_role("heading", name="What this phone keeps").wait_for()
    check("what this phone keeps")
    assert problems == {}, json.dumps(problems, indent=1)


def test_what_the_browser_saves_reaches_a_coordinator_who_verifies_and_reads_it(make_context,
                                                                                coordinator, server):
    """The browser syncs by itself after a save: the Python core verifies the change's signature
    against the directory, unwraps its key and decrypts the values the browser saved."""
    ctx = make_context()
    page = ctx.new_page()
    join(page, coordinator.create_invite("volunteer", base_url=server.url))
    new_need(page, CANARY_NEED, urgency="Critical")
    wait_all_sent(page)
    assert read_store(page, "outbox") == []
    [record] = read_store(page, "records")
    device = read_store(page, "meta", "device")["device"]
    coordinator.certify(device)  # the browser's keys, as the directory shows them
    coordinator.pull()
    assert coordinator.replica.problems == [] and coordinator.replica.quarantine == []
    view = coordinator.read(record["id"])
    assert view["description"]["value"] == CANARY_NEED
    assert view["urgency"]["value"] == "critical"
    assert view["kind"]["value"] == "need"
    # The browser's live sets are exactly what the server now holds.
    held = coordinator.replica.records[record["id"]]["fields"]
    assert {f: [w["dot"] for w in live] for f, live in record["fields"].items()} == \
        {f: [w["dot"] for w in live] for f, live in held.items()}


def test_a_new_version_is_offered_and_never_forced(make_context, server, tmp_path, monkeypatch):
    """Deploy changed files on the same address: the app offers a reload and never forces one."""
    import shutil

    import servers
    from client import Client, HTTPTransport
    from servers import GunicornServer

    # A copy of the app to deploy twice, on one port, so the service worker sees one origin.
    root = tmp_path / "deploy"
    for name in ("server", "sync", "pwa"):
        shutil.copytree(os.path.join(servers.ROOT, name), root / name,
                        ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("wsgi.py", "gunicorn.conf.py"):
        shutil.copy(os.path.join(servers.ROOT, name), root / name)
    monkeypatch.setattr(servers, "ROOT", str(root))
    db_url = "sqlite:///" + str(tmp_path / "deploy.sqlite3")
    shutil.copy(server.db_url[len("sqlite:///"):], db_url[len("sqlite:///"):])
    first = GunicornServer(db_url, tmp_path).start()
    try:
        workspace, token = new_workspace(db_url)
        coordinator = Client.bootstrap(HTTPTransport(first.url), token, workspace)
        ctx = make_context()
        ctx.requests.origin = first.url
        page = ctx.new_page()
        join(page, coordinator.create_invite("volunteer", base_url=first.url))
        wait_offline_ready(page)
        page.reload()
        unlock(page)
        page.get_by_role("button", name="+ Incident").click()
        page.get_by_label("What happened *").fill("typing while an update arrives")
    finally:
        first.stop()

    with open(root / "pwa" / "static" / "css" / "app.css", "a", encoding="utf-8") as f:
        f.write("\n/* the next release */\n")
    second = GunicornServer(db_url, tmp_path, port=first.port).start()
    try:
        page.evaluate("navigator.serviceWorker.getRegistration().then((r) => r.update())")
        page.get_by_text("A new version of the app is ready.").wait_for()
        page.wait_for_timeout(500)
        # Nothing was reloaded under the person's fingers.
        expect(page.get_by_label("What happened *")).to_have_value("typing while an update arrives")
        with page.expect_navigation():
            page.get_by_role("button", name="Reload now").click()
        page.get_by_role("heading", name="Locked").wait_for()
        unlock(page)
        page.get_by_role("button", name="+ Incident").click()
        # The draft survived the reload, and the new version is the one running.
        expect(page.get_by_label("What happened *")).to_have_value("typing while an update arrives")
        css = page.evaluate("fetch('/static/css/app.css').then((r) => r.text())")
        assert "the next release" in css
    finally:
        second.stop()


def test_the_app_locks_itself_after_the_idle_time(make_context, coordinator, server):
    ctx = make_context()
    page = ctx.new_page()
    page.clock.install()
    join(page, coordinator.create_invite("volunteer", base_url=server.url))
    page.get_by_role("button", name="Settings").click()
    page.get_by_label("Lock after being idle for").select_option("1")
    page.get_by_role("button", name="Records", exact=True).click()
    page.clock.fast_forward("00:50")
    expect(page.get_by_role("heading", name="Records")).to_be_visible()
    page.clock.fast_forward("00:30")
    page.get_by_role("heading", name="Locked").wait_for()


def test_an_invite_link_pasted_on_the_welcome_screen_opens_the_join_screen(make_context, coordinator, server):
    ctx = make_context()
    page = ctx.new_page()
    page.goto(server.url + "/")
    page.get_by_label("Invite link").fill("https://elsewhere.example/join#c=x&w=y&f=z")
    page.get_by_role("button", name="Open the link").click()
    page.get_by_text("This link belongs to another server address.", exact=False).wait_for()
    page.get_by_label("Invite link").fill(coordinator.create_invite("volunteer", base_url=server.url))
    page.get_by_role("button", name="Open the link").click()
    page.get_by_role("heading", name="Join the workspace").wait_for()
    assert "#" not in page.url


def test_the_install_prompt_waits_for_the_first_saved_record(make_context, coordinator, server):
    """The browser's install event is kept, not shown at once; offered after a record is saved."""
    ctx = make_context()
    page = ctx.new_page()
    join(page, coordinator.create_invite("volunteer", base_url=server.url))
    # Headless Chromium never fires beforeinstallprompt: the test fires one, as the browser would.
    page.evaluate("""() => {
      window.__prompted = 0;
      const e = new Event('beforeinstallprompt', { cancelable: true });
      e.prompt = () => { window.__prompted += 1; };
      e.userChoice = Promise.resolve({ outcome: 'accepted', platform: 'web' });
      window.dispatchEvent(e);
      window.__defaultPrevented = e.defaultPrevented;
    }""")
    assert page.evaluate("window.__defaultPrevented")  # the browser's own banner is held back
    offer = page.get_by_text("Add Zapis to your home screen", exact=False)
    expect(offer).to_have_count(0)
    new_incident(page, "install prompt test")
    expect(offer).to_be_visible()
    page.get_by_role("button", name="Install", exact=True).click()
    page.wait_for_function("window.__prompted === 1")
    new_incident(page, "a second record")  # offered once, not after every save
    expect(offer).to_have_count(0)


def test_no_canary_reached_the_server_database_or_logs(server):
    """Runs last: what the tests above typed (and synced) reached the server as ciphertext only."""
    import glob

    folder = os.path.dirname(server.db_url[len("sqlite:///"):])
    found = {}
    for path in glob.glob(os.path.join(folder, "*")):
        with open(path, "rb") as f:
            data = f.read()
        for canary in (CANARY_INCIDENT, CANARY_NEED, CANARY_DRAFT, "Białystok"):
            if canary.encode("utf-8") in data:
                found.setdefault(canary, []).append(os.path.basename(path))
    assert any(name.endswith(".sqlite3") for name in os.listdir(folder))
    assert os.path.getsize(server.access_log)
    assert found == {}
