"""Key epochs in Chromium: a coordinator's browser removes a volunteer from the Devices screen; the
records the volunteer could read get a new key (progress on the Devices and sync screens); an
edit made afterwards opens with none of the keys the removed device held."""

import re

import pytest
from playwright.sync_api import expect

from client import Client
from drive import (
    create_invite,
    db_rows,
    join,
    open_settings_item,
    read_store,
    setup_link,
    sync_now,
    wait_all_sent,
)
from server.store import logical_writes
from sync.envelopes import ProtocolError, open_value, unwrap_keys
from test_sync import check_screen, count, edit_need

pytestmark = [pytest.mark.browser, pytest.mark.slow]

BEFORE = "Canary-Epoch-Before-Orsha-2207"
AFTER = "Canary-Epoch-After-Polatsk-9130"


def every_key_of(device, server):
    """Every key the removed device holds, and every key any stored wrap addressed to it opens."""
    found = set()
    for state in device.replica.records.values():
        found.update(state.get("keys", {}).values())
        found.update(state.get("chain") or [])
    rows = db_rows(server.db_url,
                   "SELECT record_id, recipient, sender, epoch, epk, nonce, ct, sig FROM wraps "
                                  "WHERE recipient = :d", d=device.replica.device)
    for record, recipient, sender, epoch, epk, nonce, ct, sig in rows:
        wrap = {"type": "zapis/wrap/1" if epoch is None else "zapis/wrap/2",
                "workspace": device.replica.workspace,
                "record": record, "recipient": recipient, "sender": sender, "epk": epk,
                "nonce": nonce, "ct": ct,
                "sig": sig, **({"epoch": epoch} if epoch is not None else {})}
        found.update(unwrap_keys(wrap, device.replica.ecdh_key))
    return found


def test_removing_a_volunteer_on_the_devices_screen_closes_later_edits_to_its_keys(make_context, server):
    ctx = make_context()
    page = ctx.new_page()
    join(page, setup_link(server)[0])
    leaving = Client.enroll_link(create_invite(page, "Volunteer"))
    open_settings_item(page, "Devices")
    card = page.locator(".device").filter(has_text=leaving.replica.device[:8])
    card.get_by_text(leaving.safety_number(), exact=True).wait_for()
    card.get_by_role("button", name="Certify").click()
    card.get_by_role("button", name="They match: certify").click()
    leaving_card = page.locator(".device").filter(has_text=leaving.replica.device[:8])
    expect(leaving_card.get_by_text("Verified", exact=True)).to_be_visible()
    leaving.pull()
    record = leaving.save({"kind": "need", "category": "legal", "urgency": "normal", "country": "LT",
                           "adults": 1,
                           "description": BEFORE, "status": "new"})
    leaving.push()
    sync_now(page)
    held = every_key_of(leaving, server)
    assert held

    open_settings_item(page, "Devices")
    card = page.locator(".device").filter(has_text=leaving.replica.device[:8])
    card.get_by_role("button", name="Remove").click()
    card.get_by_role("button", name="Yes, remove it").click()
    expect(leaving_card.get_by_text("Removed", exact=True)).to_be_visible()
    problems = {}
    check_screen(page, problems, "devices after a removal")
    # The rotation goes with the next runs; the sync screen counts it.
    for _ in range(300):
        if count(server, "SELECT count(*) FROM wraps WHERE record_id = :r AND epoch = 1", r=record):
            break
        page.wait_for_timeout(200)
    sync_now(page)
    expect(page.get_by_text(re.compile(r"^1 of 1 records have a new key$"))).to_be_visible()
    check_screen(page, problems, "sync screen with the rotation")
    holders = db_rows(server.db_url,
                      "SELECT recipient FROM wraps WHERE record_id = :r AND epoch = 1", r=record)
    # The only reader left is this browser: the removed device got nothing of the new epoch.
    assert [h for (h,) in holders] == [read_store(page, "meta", "device")["device"]]

    edit_need(page, BEFORE, {"Details of the need *": AFTER})
    wait_all_sent(page)
    [(e, device, writes)] = db_rows(server.db_url,
                                    "SELECT e, device_id, writes FROM changes WHERE record_id = :r "
                                                   "ORDER BY id DESC LIMIT 1", r=record)
    assert e == 1
    [write] = [w for w in logical_writes(writes, device) if "ct" in w]   # stored dense
    held |= every_key_of(leaving, server)
    # The edit is to `description`, by its field id (from k0, which the removed device holds) ...
    assert write["field"] == leaving.replica.field_of(record, "description")
    fid_key = leaving.replica.field_id_key(record)
    for key in held:  # ... and none of the removed device's keys opens it
        with pytest.raises(ProtocolError):
            open_value(key, fid_key, leaving.replica.workspace, record, write["field"], write["dot"],
                       write["nonce"], write["ct"], e)
    # The coordinator's browser reads its edit (the record list shows it).
    page.get_by_role("button", name="Records", exact=True).click()
    expect(page.locator(".record-item").filter(has_text=AFTER)).to_have_count(1)
    assert problems == {}, problems
