"""A bad value costs only itself and a wrong key never locks anyone out, in Chromium against
gunicorn: a correctly signed value of random bytes, and a validly signed wrap of a wrong key,
from the coordinator (the reference client). The PWA keeps reading, syncing and unlocking, and
the record's screen says which device sent what it cannot read."""

import os

import pytest
from playwright.sync_api import expect

from drive import (
    AXE,
    axe,
    enroll_volunteer,
    horizontal_overflow,
    new_need,
    open_record,
    read_store,
    sync_now,
    unlock,
    wait_all_sent,
)
from sync.b64 import b64encode
from sync.envelopes import key_commitment, new_record_key, sign_change, wrap_key
from sync.merge import next_write

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def show_list(page):
    page.get_by_role("button", name="Records", exact=True).click()
    page.get_by_role("heading", name="Records").wait_for()


def test_a_poisoned_value_and_a_wrong_key_cost_only_themselves_in_the_pwa(make_context, coordinator, server):
    ctx, page, device, _ = enroll_volunteer(make_context, coordinator, server)
    new_need(page, "Poisoned record, details intact", city="Lida")
    new_need(page, "Untouched record", city="Brest")
    wait_all_sent(page)
    coordinator.pull()
    [poisoned] = [r for r in coordinator.replica.readable()
                  if coordinator.read(r)["description"]["value"].startswith("Poisoned")]

    # The coordinator (it has the key) sends a correctly signed value of random bytes.
    state = coordinator.replica.records[poisoned]
    city = coordinator.replica.field_of(poisoned, "city")
    dot, ctx_ = next_write(state["fields"][city], coordinator.replica.device)
    change = sign_change(coordinator.replica.sign_key, {
        "workspace": coordinator.replica.workspace, "record": poisoned, "device": coordinator.replica.device,
        "kc": key_commitment(state["key"]),
        "writes": [{"field": city, "dot": dot, "ctx": ctx_, "nonce": b64encode(os.urandom(12)),
                    "ct": b64encode(os.urandom(96))}]})
    coordinator.replica.outbox.append({"change": change})
    assert coordinator.push()["accepted"] == 1

    # And a record shared with the volunteer by a wrap of a wrong key only.
    shared = coordinator.save({"kind": "need", "category": "legal", "country": "LT",
                               "description": "Shared later with the right key"})
    coordinator.push()
    coordinator.pull()
    junk = wrap_key(new_record_key(), coordinator.replica.workspace, shared, coordinator.replica.device,
                    coordinator.replica.sign_key, device, coordinator.replica.directory[device]["ecdh_key"])
    coordinator.replica.outbox.append({"wrap": junk})
    assert coordinator.push()["accepted"] == 1

    sync_now(page)
    # Both of the volunteer's records are listed; the shared one is not (no right key yet).
    show_list(page)
    expect(page.locator(".record-item")).to_have_count(2)
    open_record(page, "Poisoned record")
    expect(page.get_by_text("Poisoned record, details intact")).to_be_visible()
    notice = page.locator(".notice-inline.problems")
    expect(notice).to_contain_text("Some of this record cannot be read.")
    expect(notice).to_contain_text("City or town: an unreadable value from Coordinator · %s"
                                   % coordinator.replica.device[:8])
    assert "Lida" not in page.locator(".fields").inner_text()  # the poisoned value covered it
    assert horizontal_overflow(page) <= 0
    assert axe(page, AXE) == []
    open_record(page, "Untouched record")
    expect(page.get_by_text("Brest", exact=True)).to_be_visible()

    # Locking and unlocking never hangs on either of them.
    page.get_by_role("button", name="Lock").click()
    page.get_by_role("heading", name="Locked").wait_for()
    unlock(page)
    expect(page.locator(".record-item")).to_have_count(2)

    # Sync goes on: an edit is sent; the right wrap, sent later, opens the shared record.
    open_record(page, "Untouched record")
    page.get_by_role("button", name="Edit").click()
    page.get_by_label("City or town", exact=True).fill("Hrodna")
    page.get_by_role("button", name="Save").click()
    page.get_by_role("button", name="Edit").wait_for()
    wait_all_sent(page)
    coordinator.grant(shared, device)
    coordinator.push()
    sync_now(page)
    show_list(page)
    expect(page.locator(".record-item")).to_have_count(3)
    open_record(page, "Shared later")
    expect(page.locator(".notice-inline.problems")).to_contain_text(
        "A key sent by Coordinator · %s does not open this record; it was refused."
        % coordinator.replica.device[:8])
    coordinator.pull()
    edited = [r for r in coordinator.replica.readable()
              if (coordinator.read(r).get("city") or {}).get("value") == "Hrodna"]
    assert len(edited) == 1
    assert read_store(page, "outbox") == []
