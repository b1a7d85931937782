"""Sync in Chromium against gunicorn: two browsers (a volunteer and a coordinator) recording
offline, syncing by themselves, merging and resolving a conflict; a connection dropped mid-push;
what a hostile database slips in; Background Sync from the service worker; revocation; travel
mode; and the bytes a push and a pull of 1,000 records cost.

Canaries typed into the browsers must never reach the server's database or logs (the last test).
"""

import base64
import glob
import json
import os
import re

import pytest
from playwright.sync_api import expect

from drive import (
    SEED,
    background_sync,
    certify,
    check_screen,
    count,
    create_invite,
    db_rows,
    enroll_volunteer,
    join,
    join_invite,
    new_incident,
    new_need,
    open_record,
    open_settings_item,
    read_store,
    safety_number,
    setup_root,
    storage_dump,
    sync_now,
    sync_runs,
    unlock,
    wait_all_sent,
    wait_offline_ready,
    wait_sync_run,
)
from sync.field_ids import FIRST_CHANGE_WRITES

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CANARY_INCIDENT = "Canary-Sync-Incident-Ŭzda-5521"
CANARY_NEED = "Canary-Sync-Need-Mazyr-8830"
CANARY_CITY = "Canary-City-Lida-3310"
CANARY_FORGED = "Canary-Forged-Hrodna-6604"
CANARY_ROGUE = "Canary-Rogue-Pinsk-7712"
CANARY_INFLATED = "Canary-Inflated-Baranavichy-4409"
CANARIES = [CANARY_INCIDENT, CANARY_NEED, CANARY_CITY, CANARY_FORGED, CANARY_ROGUE, CANARY_INFLATED]








def edit_need(page, text, fields, choose=()):
    """Open the need that shows `text`, change fields by their labels and tick options, save."""
    open_record(page, text)
    page.get_by_role("button", name="Edit").click()
    for option in choose:
        page.locator(".option").get_by_text(option, exact=True).click()
    for label, value in fields.items():
        control = page.get_by_label(label, exact=True)
        if control.evaluate("e => e.tagName") == "SELECT":
            control.select_option(label=value)
        else:
            control.fill(value)
    page.get_by_role("button", name="Save").click()
    page.get_by_role("button", name="Edit").wait_for()




def test_two_browsers_sync_offline_records_merge_edits_and_resolve_a_conflict_everywhere(make_context,
                                                                                        server):
    problems = {}
    # The coordinator sets the workspace up in a browser (dark theme: axe checks both) and invites
    # the volunteer from there.
    coord_ctx, coord = setup_root(make_context, server, color_scheme="dark",
                                  permissions=["clipboard-read", "clipboard-write"])
    invite = create_invite(coord, "Volunteer")
    check_screen(coord, problems, "invites")
    coord.get_by_role("button", name="Copy the link").click()
    expect(coord.get_by_text("Copied.", exact=True)).to_be_visible()
    assert coord.evaluate("navigator.clipboard.readText()") == invite
    vol_ctx, vol = join_invite(make_context, invite)

    # The invite is spent; another one, made by mistake, is withdrawn.
    create_invite(coord, "Reporting for myself")
    invites = coord.locator(".invite")
    expect(invites.filter(has_text="Volunteer")).to_contain_text("Used up")
    expect(invites.filter(has_text="Reporting for myself")).to_contain_text("Open")
    invites.filter(has_text="Reporting for myself").get_by_role("button", name="Withdraw").click()
    expect(invites.filter(has_text="Reporting for myself")).to_contain_text("Withdrawn")

    # Out of band, the coordinator compares the volunteer's safety number, then certifies it.
    number = safety_number(vol)
    assert len(number.split()) == 6
    open_settings_item(coord, "Devices")
    card = coord.locator(".device").filter(has_text="Volunteer")
    card.get_by_text(number, exact=True).wait_for()
    expect(card.get_by_text("Not verified", exact=True)).to_be_visible()
    check_screen(coord, problems, "devices")
    card.get_by_role("button", name="Certify").click()
    card.get_by_role("button", name="They match: certify").click()
    volunteer_card = coord.locator(".device").filter(has_text="Volunteer")
    expect(volunteer_card.get_by_text("Verified", exact=True)).to_be_visible()

    # The volunteer records an incident and a need with no network at all.
    vol_ctx.set_offline(True)
    new_incident(vol, CANARY_INCIDENT)
    new_need(vol, CANARY_NEED, city="Vilnius")
    expect(vol.locator(".sync-line")).to_contain_text("2 records waiting to be sent")
    expect(vol.locator(".sync-line")).to_contain_text("sent once online")
    # Per record: its change, its key for itself and the coordinator.
    assert len(read_store(vol, "outbox")) == 6

    # Back online, it syncs by itself; the coordinator sees both, decrypted.
    vol_ctx.set_offline(False)
    wait_all_sent(vol)
    assert read_store(vol, "outbox") == []
    sync_now(coord)
    check_screen(coord, problems, "sync")
    coord.get_by_role("button", name="Records", exact=True).click()
    expect(coord.locator(".record-item")).to_have_count(2)
    open_record(coord, "Accommodation")
    expect(coord.get_by_text(CANARY_NEED)).to_be_visible()
    open_record(coord, "Bank or payment refused")
    expect(coord.get_by_text(CANARY_INCIDENT)).to_be_visible()
    # A coordinator may share a record with a verified device (here its author already holds it).
    share = coord.get_by_label("Device", exact=True)
    share.select_option(value=share.locator("option").nth(1).get_attribute("value"))
    coord.get_by_role("button", name="Share", exact=True).click()
    expect(coord.get_by_text("Shared. The device receives it at its next sync.")).to_be_visible()
    check_screen(coord, problems, "detail with sharing")

    # Both edit the need while offline: a field each, and the status on both.
    vol_ctx.set_offline(True)
    coord_ctx.set_offline(True)
    edit_need(vol, "Accommodation", {"City or town": CANARY_CITY, "Status *": "In progress"})
    edit_need(coord, "Accommodation", {"Status *": "Triaged"}, choose=["High"])

    vol_ctx.set_offline(False)
    wait_all_sent(vol)
    coord_ctx.set_offline(False)
    wait_all_sent(coord)
    sync_now(vol)

    for page in (vol, coord):
        page.get_by_role("button", name="Records", exact=True).click()
        item = page.locator(".record-item").filter(has_text="Accommodation")
        expect(item.get_by_text("Conflict", exact=True)).to_be_visible()  # marked in the list
        item.click()
        expect(page.get_by_text(CANARY_CITY, exact=True)).to_be_visible()  # merged: the volunteer's field
        expect(page.locator(".row").filter(has_text="Urgency")).to_contain_text("High")  # the coordinator's
        status = page.locator(".row.conflict").filter(has_text="Status")
        expect(status).to_contain_text("conflict")
        expect(page.get_by_text("Some fields were changed on two devices at once.")).to_be_visible()

    # Each shows every value with its author and time; the volunteer only looks.
    vol.get_by_role("button", name="Resolve conflicts").click()
    vol.get_by_role("heading", name="Resolve the conflict").wait_for()
    texts = vol.locator(".sibling").all_inner_texts()
    assert any("In progress" in t and "This device" in t for t in texts), texts
    assert any("Triaged" in t and "Coordinator" in t and "Verified" in t for t in texts), texts
    check_screen(vol, problems, "conflict (light)")
    check_screen(vol, problems, "sync line with a conflict")

    # The coordinator opens the conflict and keeps one value.
    coord.get_by_role("button", name="Resolve conflicts").click()
    coord.get_by_role("heading", name="Resolve the conflict").wait_for()
    siblings = coord.locator(".sibling")
    expect(siblings).to_have_count(2)
    texts = siblings.all_inner_texts()
    assert any("In progress" in t and "Volunteer" in t and "Verified" in t for t in texts), texts
    assert any("Triaged" in t and "This device" in t for t in texts), texts
    check_screen(coord, problems, "conflict (dark)")
    keep = next(i for i, t in enumerate(texts) if "Triaged" in t)
    siblings.nth(keep).get_by_role("button").click()
    coord.get_by_role("button", name="Edit").wait_for()
    expect(coord.locator(".row.conflict")).to_have_count(0)
    before = sync_runs(coord)
    wait_sync_run(coord, before)  # the save is sent by itself, shortly after
    wait_all_sent(coord)
    sync_now(vol)
    for page in (vol, coord):
        open_record(page, "Accommodation")
        expect(page.locator(".row.conflict")).to_have_count(0)
        expect(page.locator(".row").filter(has_text="Status")).to_contain_text("Triaged")
        page.get_by_role("button", name="Records", exact=True).click()
        expect(page.locator(".record-item").get_by_text("Conflict", exact=True)).to_have_count(0)
    assert problems == {}, json.dumps(problems, indent=1)






def test_a_connection_dropped_mid_push_duplicates_nothing_and_loses_nothing(make_context,
                                                                            coordinator, server):
    ctx, page, device, _ = enroll_volunteer(make_context, coordinator, server)
    pushes = []

    def drop_the_first_answer(route):
        pushes.append(route.request)
        if len(pushes) == 1:
            route.fetch()  # the server receives the push and stores it...
            route.abort("connectionreset")  # ...and its answer is lost on the way back
        else:
            route.continue_()

    ctx.route("**/api/sync/push", drop_the_first_answer)
    ctx.set_offline(True)
    new_need(page, CANARY_NEED, city="Brest")
    [record] = [r["id"] for r in read_store(page, "records")]
    sent = read_store(page, "outbox")
    ctx.set_offline(False)
    wait_all_sent(page)  # the retry, a few seconds later, by itself
    # The items whose answer was lost stayed in the outbox and went again, as they were.
    assert len(pushes) == 2
    bodies = [json.loads(p.post_data) for p in pushes]
    assert bodies[0] == bodies[1] == {"wraps": [i["wrap"] for i in sent if "wrap" in i],
                                      "changes": [i["change"] for i in sent if "change" in i]}
    assert read_store(page, "outbox") == []
    fields = len(read_store(page, "records")[0]["fields"])
    from server.store import logical_writes

    [(writes,)] = db_rows(server.db_url, "SELECT writes FROM changes WHERE record_id = :r", r=record)
    assert sum("ct" in w for w in logical_writes(writes, device)) == fields
    assert count(server, "SELECT count(*) FROM changes WHERE record_id = :r", r=record) == 1
    assert count(server, "SELECT count(*) FROM wraps WHERE record_id = :r", r=record) == 2
    coordinator.pull()
    view = coordinator.read(record)
    assert view["description"]["value"] == CANARY_NEED and view["city"]["value"] == "Brest"
    # Every field of the first change arrived; the padding fields are not shown (protocol 3).
    assert fields == FIRST_CHANGE_WRITES == len(coordinator.replica.records[record]["fields"])
    assert {"kind", "_deleted"} <= set(view) and not any(f.startswith("_pad_") for f in view)


def test_one_tab_leads_sync_and_a_save_in_another_tab_reaches_the_server_and_the_first_tab(
        make_context, coordinator, server):
    ctx, first, device, _ = enroll_volunteer(make_context, coordinator, server)
    second = ctx.new_page()
    second.goto(server.url + "/")
    unlock(second)
    locks = first.evaluate("navigator.locks.query()")
    assert [lock["name"] for lock in locks["held"]].count("zapis-sync-leader") == 1
    assert [lock["name"] for lock in locks["pending"]].count("zapis-sync-leader") == 1
    new_need(second, CANARY_NEED)
    [record] = [r["id"] for r in read_store(second, "records")]
    expect(first.locator(".record-item")).to_have_count(1)  # the first tab's list learnt of it
    for _ in range(300):
        if count(server, "SELECT count(*) FROM changes WHERE record_id = :r", r=record):
            break
        first.wait_for_timeout(100)
    wait_all_sent(first)
    # The leader locks: the other tab leads now.
    first.get_by_role("button", name="Lock").click()
    first.get_by_role("heading", name="Locked").wait_for()
    second.wait_for_function("""async () => {
      const locks = await navigator.locks.query();
      return locks.held.some((l) => l.name === 'zapis-sync-leader') && !locks.pending.length;
    }""")
    before = sync_runs(second)
    second.evaluate("window.dispatchEvent(new Event('online'))")
    wait_sync_run(second, before)


def insert_straight_into_the_database(server, workspace, makers):
    """Add rows to the server's database as someone with access to it would, numbered in order:
    each maker takes the workspace's sequencer and returns the rows it adds."""
    from server import create_app
    from server.extensions import db
    from server.store import Sequencer

    app = create_app({"SQLALCHEMY_DATABASE_URI": server.db_url, "TESTING": True})
    with app.app_context():
        seq = Sequencer(workspace)
        for make in makers:
            db.session.add_all(make(seq))
        seq.finish()
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


def test_a_forged_write_and_a_coordinator_that_does_not_chain_to_the_fingerprint_are_refused(
        make_context, coordinator, server):
    from server.auth import secret_hash
    from server.models import Change, Device
    from server.store import write_text
    from sync import keys
    from sync.canonical import canonical_json
    from sync.envelopes import encrypt_value, make_certificate, sign_change

    ctx, page, device, _ = enroll_volunteer(make_context, coordinator, server)
    ws = coordinator.replica.workspace
    new_need(page, CANARY_NEED, city=CANARY_CITY)
    wait_all_sent(page)
    [record] = [r["id"] for r in read_store(page, "records")]
    coordinator.pull()
    key = coordinator.replica.records[record]["key"]  # the test plays an attacker who has it

    # A coordinator the server slips in: its certificate claims the root as issuer, signed by itself.
    rogue_sign, rogue_ecdh = keys.generate_key(), keys.generate_key()
    rogue = {"id": "RogueCoordinatorAAAAAA", "sign_key": keys.public_b64(rogue_sign),
             "ecdh_key": keys.public_b64(rogue_ecdh)}
    cert = make_certificate(rogue_sign, ws, rogue["id"], "coordinator", rogue["sign_key"], rogue["ecdh_key"],
                            coordinator.replica.device)

    def write(name, dot, ctx_, value):
        field = coordinator.replica.field_of(record, name)
        nonce, ct = encrypt_value(key, ws, record, field, name, dot, value, 0)
        return {"field": field, "dot": dot, "ctx": ctx_, "nonce": nonce, "ct": ct}

    fields = coordinator.replica.records[record]["fields"]
    city_n = max(w["dot"][1] for w in fields[coordinator.replica.field_of(record, "city")])
    forged = write("city", [device, city_n + 1], {device: city_n}, CANARY_FORGED)
    # Signed by a key not the volunteer's.
    forged_change = sign_change(keys.generate_key(), {"workspace": ws, "record": record, "device": device,
                                                      "writes": [forged]})
    seen = {w["dot"][0]: w["dot"][1] for w in fields[coordinator.replica.field_of(record, "description")]}
    by_rogue = sign_change(rogue_sign, {"workspace": ws, "record": record, "device": rogue["id"],
                                        "writes": [write("description", [rogue["id"], 1], seen,
                                                         CANARY_ROGUE)]})

    def change_rows(change):
        def add(seq):
            return [Change(workspace_id=ws, id=seq.next(), record_id=record, device_id=change["device"],
                           sig=change["sig"],
                           writes=",".join(write_text(w["field"], w["dot"], w["ctx"], w["nonce"],
                                                                         w["ct"]) for w in change["writes"]))]
        return add

    rows = [lambda seq: [Device(id=rogue["id"], workspace_id=ws, role="coordinator",
                                sign_key=rogue["sign_key"],
                                ecdh_key=rogue["ecdh_key"], cert=canonical_json(cert),
                                token_hash=secret_hash("r"),
                                revoked=False, seq=seq.next())],
            change_rows(forged_change), change_rows(by_rogue)]
    insert_straight_into_the_database(server, ws, rows)

    sync_now(page)
    # Neither value is shown; the forged write is reported, the rogue's write is held back.
    expect(page.locator(".sync-line")).to_contain_text("needs attention: 1")
    expect(page.get_by_text("Its signature does not match: it may have been forged or altered.")
           ).to_be_visible()
    expect(page.get_by_text(re.compile(r"^Held back: 1\."))).to_be_visible()
    open_record(page, "Accommodation")
    expect(page.get_by_text(CANARY_CITY, exact=True)).to_be_visible()
    assert CANARY_FORGED not in page.content() and CANARY_ROGUE not in page.content()
    assert CANARY_FORGED not in storage_dump(page) and CANARY_ROGUE not in storage_dump(page)

    # A new record's key goes to the root coordinator, never to the rogue.
    new_need(page, "after the rogue arrived")
    sync_now(page)  # the line said "All sent" before this save too: wait for a run after it
    newest = [r["id"] for r in read_store(page, "records") if r["id"] != record][0]
    recipients = {r for (r,) in db_rows(server.db_url,
                                        "SELECT recipient FROM wraps WHERE record_id = :r", r=newest)}
    assert recipients == {device, coordinator.replica.device}
    page.get_by_role("button", name="Settings", exact=True).click()
    expect(page.get_by_text("This device and 1 verified coordinator.")).to_be_visible()


def test_a_write_claiming_versions_this_browser_never_made_is_held_back(make_context, coordinator, server):
    """Bounded contexts on the PWA (issue 10): a hostile server passes on a correctly signed write,
    by a trusted coordinator, whose context names this browser's counter far above anything it
    wrote. Merged, it would silently cover the browser's edits; it is held back as a problem."""
    from server.models import Change
    from server.store import write_text
    from sync.envelopes import encrypt_value, key_commitment, sign_change

    ctx, page, device, _ = enroll_volunteer(make_context, coordinator, server)
    ws = coordinator.replica.workspace
    new_need(page, CANARY_NEED + " inflated", city="Hrodna")
    wait_all_sent(page)
    record = [r["id"] for r in read_store(page, "records")][-1]
    coordinator.pull()
    key = coordinator.replica.records[record]["key"]
    me = coordinator.replica.device
    city = coordinator.replica.field_of(record, "city")
    city_n = max(w["dot"][1] for w in coordinator.replica.records[record]["fields"][city]
                 if w["dot"][0] == device)
    nonce, ct = encrypt_value(key, ws, record, city, "city", [me, 1], CANARY_INFLATED, 0)
    kc = key_commitment(key)
    change = sign_change(coordinator.replica.sign_key,
                         {"workspace": ws, "record": record, "device": me, "kc": kc,
                                                        "writes": [{"field": city, "dot": [me, 1],
                                                                    "ctx": {device: city_n + 1000},
                                                                    "nonce": nonce,
                                                                    "ct": ct}]})
    # The server refuses it when pushed...
    result = coordinator._call("POST", "/api/sync/push", {"wraps": [], "changes": [change]})
    assert result["changes"][0]["writes"][0]["code"] == "unseen_context"
    # ...so the test plays a hostile server that stores it anyway.
    insert_straight_into_the_database(server, ws, [lambda seq: [Change(
        workspace_id=ws, id=seq.next(), record_id=record, device_id=me, sig=change["sig"], kc=kc,
        writes=write_text(city, [me, 1], {device: city_n + 1000}, nonce, ct))]])

    sync_now(page)
    expect(page.locator(".sync-line")).to_contain_text("needs attention: 1")
    expect(page.get_by_text("A change claims to have seen versions of this device's edits "
                            "that it never made.")).to_be_visible()
    open_record(page, "Accommodation")
    expect(page.get_by_text("Hrodna", exact=True)).to_be_visible()
    assert CANARY_INFLATED not in page.content() and CANARY_INFLATED not in storage_dump(page)
    [state] = [r for r in read_store(page, "records") if r["id"] == record]
    assert [w["dot"] for w in state["fields"][city]] == [[device, city_n]]


def test_the_service_worker_sends_a_record_saved_just_before_the_tab_closed(make_context,
                                                                            coordinator, server):
    ctx, page, device, answer = enroll_volunteer(make_context, coordinator, server)
    wait_offline_ready(page)
    push_token = answer["push_token"]
    raw = storage_dump(page)
    assert push_token not in raw and answer["token"] not in raw  # both sealed at rest
    worker = read_store(page, "worker", "push")
    assert set(worker) == {"key", "nonce", "ct"}
    assert page.evaluate("""async () => {
      const factory = navigator.storageBuckets
        ? (await navigator.storageBuckets.open('zapis-data')).indexedDB : indexedDB;
      const box = await new Promise((ok) => { const r = factory.open('zapis'); r.onsuccess = () => {
        const g = r.result.transaction('worker').objectStore('worker').get('push');
        g.onsuccess = () => ok(g.result); }; });
      return [box.key.extractable, box.key.algorithm.name];
    }""") == [False, "AES-GCM"]

    ctx.set_offline(True)
    new_need(page, CANARY_NEED + "-closed")
    [record] = [r["id"] for r in read_store(page, "records")]
    page.close()  # the tab closes with the record still in the outbox
    ctx.set_offline(False)

    sent = []
    ctx.on("request", lambda r: sent.append(r.headers.get("authorization"))
           if r.url.endswith("/api/sync/push") else None)
    calc = background_sync(ctx, server)
    for _ in range(300):
        if count(server, "SELECT count(*) FROM changes WHERE record_id = :r", r=record):
            break
        calc.wait_for_timeout(100)
    assert sent and set(sent) == {"Bearer " + push_token}  # the worker used the push-only token
    calc.wait_for_function("""async () => {
      const factory = navigator.storageBuckets
        ? (await navigator.storageBuckets.open('zapis-data')).indexedDB : indexedDB;
      const db = await new Promise((ok) => {
        const r = factory.open('zapis'); r.onsuccess = () => ok(r.result);
      });
      const n = await new Promise((ok) => { const c = db.transaction('outbox').objectStore('outbox').count();
        c.onsuccess = () => ok(c.result); });
      db.close();
      return n === 0;
    }""")
    coordinator.pull()
    assert coordinator.read(record)["description"]["value"] == CANARY_NEED + "-closed"


def test_without_background_sync_the_locked_app_sends_with_the_push_only_token(make_context,
                                                                               coordinator, server):
    ctx, page, device, answer = enroll_volunteer(make_context, coordinator, server)
    # A browser without Background Sync (Firefox, Safari): the page itself is the fallback.
    ctx.add_init_script("Object.defineProperty(ServiceWorkerRegistration.prototype, 'sync', "
                        "{get: () => undefined})")
    page.reload()
    unlock(page)
    wait_all_sent(page)  # the run at unlock has ended: "all sent" below is the locked push's
    ctx.set_offline(True)
    new_need(page, CANARY_NEED + "-locked")
    [record] = [r["id"] for r in read_store(page, "records")]
    page.get_by_role("button", name="Lock").click()
    page.get_by_role("heading", name="Locked").wait_for()
    expect(page.locator(".sync-line")).to_contain_text("1 record waiting to be sent")
    sent = []
    page.on("request",
            lambda r: sent.append(r.headers.get("authorization")) if r.url.endswith("/api/sync/push")
            else None)
    ctx.set_offline(False)
    expect(page.locator(".sync-line")).to_contain_text("All sent")  # still locked: nothing was pulled
    assert sent == ["Bearer " + answer["push_token"]]
    assert read_store(page, "outbox") == []
    coordinator.pull()
    assert coordinator.read(record)["description"]["value"] == CANARY_NEED + "-locked"


def test_a_run_that_fails_after_its_sync_does_not_leave_the_line_saying_syncing(make_context, coordinator,
                                                                                server):
    """The work after a sync (the list reloaded, re-wraps, rotations) may fail; the run then ends
    all the same, and the sync line says so (it kept "Syncing…" until the next run)."""
    ctx, page, device, _ = enroll_volunteer(make_context, coordinator, server)
    wait_all_sent(page)
    page.evaluate("""async () => {
      const { Records } = await import('/static/js/records.js');  // the app's own module instance
      Records.prototype.reload = async () => { throw new Error('a failure after the sync'); };
    }""")
    held, holding = [], [True]
    page.route("**/api/sync/pull*", lambda route: held.append(route) if holding else route.continue_())
    ctx.set_offline(True)
    ctx.set_offline(False)  # back online: the scheduler runs at once (and catches what the run throws)
    expect(page.locator(".sync-line")).to_contain_text("Syncing…")  # this run, held at its pull
    holding.clear()
    for route in held:
        route.continue_()
    expect(page.locator(".sync-line")).not_to_contain_text("Syncing…")


def test_sync_now_after_a_run_that_failed_says_so_and_can_be_pressed_again(make_context, coordinator,
                                                                          server):
    """A run started by "Sync now" whose work after the sync fails: the screen says it did not
    work and its button answers again (the failure went unhandled, into the page's errors, and
    nothing said so)."""
    ctx, page, device, _ = enroll_volunteer(make_context, coordinator, server)
    wait_all_sent(page)
    page.locator(".sync-open").click()
    page.get_by_role("heading", name="Sync", exact=True).wait_for()
    button = page.get_by_role("button", name="Sync now")
    expect(button).to_be_enabled()
    page.evaluate("""async () => {
      const { Records } = await import('/static/js/records.js');  // the app's own module instance
      Records.prototype.reload = async () => { throw new Error('a failure after the sync'); };
    }""")
    button.click()
    expect(page.get_by_role("alert")).to_contain_text("That did not work.")
    expect(page.get_by_role("button", name="Sync now")).to_be_enabled()
    expect(page.locator(".sync-screen p.status")).to_have_text("")


def test_the_sync_screen_follows_a_run_it_did_not_start(make_context, coordinator, server):
    """Opened while the run at unlock is still going, the screen says so, and when the run ends
    its button and facts follow without a redraw (it stayed disabled before: a run that changed
    nothing redrew nothing)."""
    ctx, page, device, _ = enroll_volunteer(make_context, coordinator, server)
    wait_all_sent(page)
    held, holding = [], [True]
    page.route("**/api/sync/pull*", lambda route: held.append(route) if holding else route.continue_())
    page.reload()
    unlock(page)
    for _ in range(300):
        if held:
            break
        page.wait_for_timeout(100)
    assert held, "the run at unlock never pulled"
    before = sync_runs(page)
    page.locator(".sync-open").click()
    page.get_by_role("heading", name="Sync", exact=True).wait_for()
    button = page.get_by_role("button", name="Sync now")
    expect(button).to_be_disabled()
    busy = page.locator(".sync-screen p.status")
    expect(busy).to_have_text("Syncing…")
    holding.clear()
    for route in held:
        route.continue_()
    wait_sync_run(page, before)
    expect(button).to_be_enabled()
    expect(busy).to_have_text("")
    button.click()
    wait_sync_run(page, before + 1)
    expect(button).to_be_enabled()


def test_a_removed_device_says_so_plainly_and_erases_its_data(make_context, coordinator, server):
    ctx, page, device, _ = enroll_volunteer(make_context, coordinator, server)
    new_need(page, CANARY_NEED)
    wait_all_sent(page)
    coordinator.revoke(device)
    page.locator(".sync-open").click()
    page.get_by_role("button", name="Sync now").click()
    page.get_by_role("heading", name="Welcome").wait_for()
    expect(page.get_by_text("A coordinator removed this device from the workspace. "
                            "Everything it held has been erased.")).to_be_visible()
    assert page.evaluate("indexedDB.databases()") == []
    assert "zapis-vault" not in page.evaluate("navigator.storageBuckets.keys()")


def test_travel_mode_erases_what_the_server_holds_and_brings_it_back(make_context, coordinator, server):
    ctx, page, device, _ = enroll_volunteer(make_context, coordinator, server)
    new_incident(page, CANARY_INCIDENT)
    new_need(page, CANARY_NEED)
    wait_all_sent(page)
    page.get_by_role("button", name="Settings", exact=True).click()
    page.get_by_role("button", name="Sync and erase records from this device").click()
    expect(page.get_by_text("Records erased from this device: 2. The server keeps them.")).to_be_visible()
    assert read_store(page, "records") == [] and read_store(page, "cache") == []
    assert CANARY_INCIDENT not in storage_dump(page)
    page.get_by_role("button", name="Records", exact=True).click()
    expect(page.locator(".record-item")).to_have_count(0)

    # Offline, nothing is erased: the server cannot confirm it holds what is new.
    ctx.set_offline(True)
    new_need(page, "written at the border")
    page.get_by_role("button", name="Settings", exact=True).click()
    page.get_by_role("button", name="Sync and erase records from this device").click()
    expect(page.get_by_text("Nothing was erased: sync did not succeed.", exact=False)).to_be_visible()
    assert len(read_store(page, "records")) == 1
    ctx.set_offline(False)

    # Automatically: each record leaves once the server has it.
    page.get_by_label("Erase each record from this device once the server has it").check()
    wait_all_sent(page)
    sync_now(page)
    assert read_store(page, "records") == []
    page.get_by_role("button", name="Settings", exact=True).click()
    page.get_by_label("Erase each record from this device once the server has it").uncheck()
    page.get_by_role("button", name="Bring the records back (3)").click()
    expect(page.get_by_text("The records are back from the server.")).to_be_visible()
    page.get_by_role("button", name="Records", exact=True).click()
    expect(page.locator(".record-item")).to_have_count(3)




def ciphertext_bytes(wraps, changes):
    """The encrypted bytes a push or pull carries: every value's nonce and ciphertext, every key
    wrap's ephemeral key, nonce and ciphertext (decoded from base64url)."""
    def raw(text):
        return len(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    total = sum(raw(w["epk"]) + raw(w["nonce"]) + raw(w["ct"]) for w in wraps)
    return total + sum(raw(w["nonce"]) + raw(w["ct"]) for c in changes for w in c["writes"] if "ct" in w)


def test_a_push_and_a_pull_of_1000_records_transfer_less_than_1_5_times_their_ciphertext(make_context,
                                                                                        server):
    from drive import PASSPHRASE

    coord_ctx, coord = setup_root(make_context, server)
    invite = create_invite(coord, "Volunteer")
    vol_ctx, vol = join_invite(make_context, invite, offline_ready=False)
    certify(coord, "Volunteer")

    vol_ctx.set_offline(True)
    vol.evaluate(SEED, [1000, PASSPHRASE])
    outbox = read_store(vol, "outbox")
    pushed_ct = ciphertext_bytes([i["wrap"] for i in outbox if "wrap" in i],
                                 [i["change"] for i in outbox if "change" in i])
    pushes = []
    vol.on("requestfinished",
           lambda r: pushes.append(r.sizes()) if r.url.endswith("/api/sync/push") else None)
    vol_ctx.set_offline(False)
    wait_all_sent(vol, timeout=120000)
    push_bytes = sum(s["requestBodySize"] + s["requestHeadersSize"] + s["responseBodySize"]
                     + s["responseHeadersSize"]
                     for s in pushes)

    from sync.dense import decode_page

    pulls = []

    def pulled(request):
        if "/api/sync/pull" in request.url:
            pulls.append((request.sizes(), decode_page(request.response().json())))

    coord.on("requestfinished", pulled)
    sync_now(coord, timeout=120000)
    pull_bytes = sum(s["requestHeadersSize"] + s["responseBodySize"] + s["responseHeadersSize"]
                     for s, _ in pulls)
    pulled_ct = ciphertext_bytes([w for _, p in pulls for w in p["wraps"]],
                                 [c for _, p in pulls for c in p["changes"]])
    coord.get_by_role("button", name="Records", exact=True).click()
    expect(coord.get_by_text("1000 records", exact=True)).to_be_visible(timeout=60000)
    print("\npush: %d requests, %d bytes for %d bytes of ciphertext: %.3f" % (
        len(pushes), push_bytes, pushed_ct, push_bytes / pushed_ct))
    print("pull: %d requests, %d bytes for %d bytes of ciphertext: %.3f" % (
        len(pulls), pull_bytes, pulled_ct, pull_bytes / pulled_ct))
    assert push_bytes < 1.5 * pushed_ct
    assert pull_bytes < 1.5 * pulled_ct


def test_no_canary_reached_the_server_database_or_logs(server):
    """Runs last: everything the tests above typed stayed ciphertext on its way through the server."""
    found = {}
    for path in glob.glob(os.path.join(os.path.dirname(server.db_url[len("sqlite:///"):]), "*")):
        with open(path, "rb") as f:
            data = f.read()
        for canary in CANARIES:
            if canary.encode("utf-8") in data:
                found.setdefault(canary, []).append(os.path.basename(path))
    assert os.path.exists(server.access_log) and os.path.getsize(server.access_log) > 0
    assert found == {}


def test_the_service_worker_is_served_import_free_with_the_shared_push_code(server, tmp_path):
    """The worker is one classic script: the push code the page uses is pasted in, exports removed."""
    import subprocess
    import urllib.request

    with urllib.request.urlopen(server.url + "/sw.js") as r:
        source = r.read().decode("utf-8")
    assert re.search(r"^\s*(import|export)\b", source, re.M) is None
    assert "function pushOutbox(" in source and "addEventListener('sync'" in source
    path = tmp_path / "sw.js"
    path.write_text(source, encoding="utf-8")
    subprocess.run(["node", "--check", str(path)], check=True)


def test_a_coordinator_joined_with_an_invite_but_not_certified_is_told_to_ask_for_verification(
        make_context, coordinator, server):
    """Authority follows certificates: the server refuses an uncertified coordinator's invites
    (not_certified), and the app says so in the person's words, not as a bare failure."""
    from sync.refusals import message

    coordinator.save({"status": "new"})
    coordinator.push()
    page = make_context().new_page()
    join(page, coordinator.create_invite("coordinator", base_url=server.url))
    open_settings_item(page, "Invites")
    expect(page.get_by_text(message("not_certified"), exact=True)).to_be_visible()
    # It sees no record of the workspace but its own until certified.
    sync_now(page)
    assert db_rows(server.db_url, "SELECT count(*) FROM records WHERE workspace_id = :ws",
                   ws=coordinator.replica.workspace)[0][0] == 1
    assert read_store(page, "records") == []
