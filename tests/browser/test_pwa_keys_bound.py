"""The PWA against a hostile server that swaps its keys (the alarm), and a late coordinator
getting every key from a PWA coordinator, batch by batch, with progress on the sync screen."""

import re

from playwright.sync_api import expect

from client import Client
from drive import (
    PASSPHRASE,
    SEED,
    check_screen,
    count,
    create_invite,
    db_rows,
    enroll_volunteer,
    join,
    leftovers,
    new_need,
    open_settings_item,
    read_store,
    setup_link,
    sync_now,
    wait_all_sent,
)
from sync import keys

ALARM = "The server shows this device with keys or a role that are not its own."


def serve_again(server, device, **columns):
    """Change a device row as a hostile server would, with a new seq so pulls deliver it."""
    from server import create_app
    from server.extensions import db
    from server.models import Device
    from server.store import Sequencer

    app = create_app({"SQLALCHEMY_DATABASE_URI": server.db_url, "TESTING": True})
    with app.app_context():
        row = db.session.get(Device, device)
        seq = Sequencer(row.workspace_id)
        for k, v in columns.items():
            setattr(row, k, v)
        row.seq = seq.next()
        seq.finish()
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


def test_a_server_that_swaps_the_devices_ecdh_key_raises_the_alarm_and_gets_no_key(make_context,
                                                                                   coordinator, server):
    ctx, page, device, _ = enroll_volunteer(make_context, coordinator, server)
    sync_now(page)
    expect(page.get_by_text(ALARM)).to_have_count(0)
    serve_again(server, device, ecdh_key=keys.public_b64(keys.generate_key()))
    page.locator(".sync-open").click()
    page.get_by_role("button", name="Sync now").click()
    expect(page.get_by_role("alert").filter(has_text=ALARM).first).to_be_visible()
    expect(page.get_by_role("heading", name="Warning: the server shows this device wrongly")).to_be_visible()
    problems = {}
    check_screen(page, problems, "sync screen with the alarm")
    # A record saved now is sent, but its key goes to nobody but this device.
    new_need(page, "after the swap")
    page.locator(".sync-open").click()
    page.get_by_role("button", name="Sync now").click()
    for _ in range(100):
        if not read_store(page, "outbox"):
            break
        page.wait_for_timeout(100)
    assert read_store(page, "outbox") == []
    [newest] = [r["id"] for r in read_store(page, "records")]
    recipients = {r for (r,) in db_rows(server.db_url,
                                        "SELECT recipient FROM wraps WHERE record_id = :r", r=newest)}
    assert recipients == {device}
    # The coordinator sees the device's own statement no longer match: it is trusted no more.
    coordinator.pull()
    assert device not in coordinator.replica.trusted
    page.get_by_role("button", name="Settings", exact=True).click()
    expect(page.locator(".settings-screen").get_by_role("alert")).to_contain_text(ALARM)
    check_screen(page, problems, "settings with the alarm")
    assert problems == {}, problems


def test_a_coordinator_certified_late_gets_every_key_from_the_pwa_with_progress(make_context, server):
    ctx = make_context()
    page = ctx.new_page()
    join(page, setup_link(server)[0])
    link = create_invite(page, "Coordinator")
    assert link.endswith("&r=coordinator")
    page.get_by_role("button", name="Lock").click()
    page.evaluate(SEED, [250, PASSPHRASE])   # 250 records made before the new coordinator exists
    page.reload()
    page.get_by_label("Passphrase", exact=True).fill(PASSPHRASE)
    page.get_by_role("button", name="Unlock").click()
    page.get_by_role("heading", name="Records").wait_for()
    wait_all_sent(page, timeout=60000)
    late = Client.enroll_link(link)
    # A device whose own statement is missing (or does not match) cannot be certified here.
    import requests

    from client import new_replica
    code = create_invite(page, "Volunteer").split("#c=")[1].split("&")[0]
    silent = new_replica(late.replica.workspace, "volunteer", late.replica.fingerprint)
    assert requests.post(server.url + "/api/enroll",
                         json={"invite": code, "device": silent.public_entry()}).ok
    open_settings_item(page, "Devices")
    unbound = page.locator(".device").filter(has_text=silent.device[:8])
    expect(unbound).to_contain_text("This device has not confirmed its own keys")
    expect(unbound.get_by_role("button", name="Certify")).to_have_count(0)
    card = page.locator(".device").filter(has_text=late.replica.device[:8])
    card.get_by_text(late.safety_number(), exact=True).wait_for()
    card.get_by_role("button", name="Certify").click()
    card.get_by_role("button", name="They match: certify").click()
    late_card = page.locator(".device").filter(has_text=late.replica.device[:8])
    expect(late_card.get_by_text("Verified", exact=True)).to_be_visible()
    problems = {}
    check_screen(page, problems, "devices with safety numbers")
    # The re-wrap goes in batches of 200, one per run; the sync screen counts them.
    page.locator(".sync-open").click()
    expect(page.get_by_text(re.compile(r"^(200|250) of 250 records shared$"))).to_be_visible(timeout=60000)
    check_screen(page, problems, "sync screen with the re-wrap")
    assert problems == {}, problems
    for _ in range(300):
        if count(server, "SELECT count(*) FROM wraps WHERE recipient = :d", d=late.replica.device) == 250:
            break
        page.wait_for_timeout(200)
    late.pull()
    assert len(late.replica.readable()) == 250
    assert len(late.export()) == 250


def test_a_removed_device_keeps_its_unsent_changes_sealed_until_the_person_erases_them(
        make_context, coordinator, server):
    ctx, page, device, _ = enroll_volunteer(make_context, coordinator, server)
    sync_now(page)
    new_need(page, "sent before removal")
    wait_all_sent(page)
    ctx.set_offline(True)
    new_need(page, "written offline, never sent")
    assert read_store(page, "outbox")
    coordinator.revoke(device)
    ctx.set_offline(False)
    page.get_by_role("heading", name="This device was removed").wait_for(timeout=30000)
    expect(page.get_by_text(re.compile(r"^Changes not sent yet, kept on this device: [1-9]"))).to_be_visible()
    # Sealed, not erased: the outbox, the vault and only the record it touches are left.
    outbox = read_store(page, "outbox")
    assert outbox and {i["record"] for i in outbox} == {r["id"] for r in read_store(page, "records")}
    assert read_store(page, "vault")
    assert read_store(page, "directory") == [] and read_store(page, "cache") == []
    problems = {}
    check_screen(page, problems, "removed")
    assert problems == {}, problems
    # The same after a reload.
    page.reload()
    page.get_by_role("heading", name="This device was removed").wait_for()
    page.get_by_role("button", name="Erase this device").click()
    page.get_by_role("button", name="Yes, erase everything").click()
    page.get_by_role("heading", name="Welcome").wait_for()
    # Erased with its storage buckets: no database, no vault bucket is left.
    left = leftovers(page)
    assert left["databases"] == [] and "zapis-vault" not in left["buckets"]


def test_a_revocation_the_server_flips_back_still_keeps_every_key_from_the_revoked_coordinator(
        make_context, coordinator, server):
    ctx, page, device, _ = enroll_volunteer(make_context, coordinator, server)
    second = Client.enroll_link(coordinator.create_invite("coordinator", base_url=server.url))
    coordinator.certify(second.replica.device)
    sync_now(page)
    new_need(page, "before the removal")
    sync_now(page)
    first = [r["id"] for r in read_store(page, "records")]
    recipients = {r for (r,) in db_rows(server.db_url, "SELECT recipient FROM wraps WHERE record_id = :r",
                                        r=first[0])}
    assert second.replica.device in recipients
    coordinator.revoke(second.replica.device)
    sync_now(page)
    assert [o["device"] for o in read_store(page, "meta", "revocations")] == [second.replica.device]
    # The server flips the flag back and drops the order.
    serve_again(server, second.replica.device, revoked=False, revocations=None)
    sync_now(page)
    new_need(page, "after the server undid the removal")
    sync_now(page)
    [newest] = [r["id"] for r in read_store(page, "records") if r["id"] not in first]
    recipients = {r for (r,) in db_rows(server.db_url,
                                        "SELECT recipient FROM wraps WHERE record_id = :r", r=newest)}
    assert recipients == {device, coordinator.replica.device}
    # After a reload and unlock too: the kept order comes from the store.
    page.get_by_role("button", name="Records", exact=True).click()
    page.reload()
    page.get_by_label("Passphrase", exact=True).fill(PASSPHRASE)
    page.get_by_role("button", name="Unlock").click()
    page.get_by_role("heading", name="Records").wait_for()
    sync_now(page)
    new_need(page, "after a restart")
    sync_now(page)
    latest = [r["id"] for r in read_store(page, "records") if r["id"] not in first + [newest]]
    recipients = {r for (r,) in db_rows(server.db_url, "SELECT recipient FROM wraps WHERE record_id = :r",
                                        r=latest[0])}
    assert second.replica.device not in recipients
