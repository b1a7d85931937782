"""The coordinator's workspace (issue 12), a volunteer and a coordinator in separate contexts: the
volunteer's records wait until its device is verified, and the list says so with the action at
hand; on a wide screen the list and the open record sit side by side; the status changes in one
tap and the volunteer sees it after a sync; the filters, orders and search narrow the list; the
overview counts what the list holds; the export leaves contact out unless chosen.
"""

import json
import re

import pytest
from playwright.sync_api import expect

from drive import (
    check_screen,
    create_invite,
    join_invite,
    new_need,
    open_settings_item,
    open_tab,
    safety_number,
    setup_root,
    sync_now,
    sync_runs,
    wait_all_sent,
    wait_sync_run,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CANARY_NEED = "Canary-Coord-Need-Hrodna-5120"
CANARY_URGENT = "Canary-Coord-Urgent-Brest-7781"
CANARY_CONTACT = "@canary_coord_4410"
NOTE_VOLUNTEER = "Canary-Note-Volunteer-3391: called back, no answer"
NOTE_COORDINATOR = "Canary-Note-Coordinator-8812: lawyer found"
WIDE = {"width": 1280, "height": 800}




def read_text(path, encoding="utf-8"):
    with open(path, encoding=encoding) as f:
        return f.read()




def test_a_coordinator_verifies_the_waiting_device_triages_and_filters(make_context, server):
    problems = {}
    coord_ctx, coord = setup_root(make_context, server, viewport=WIDE)
    invite = create_invite(coord, "Volunteer")
    vol_ctx, vol = join_invite(make_context, invite)

    # The volunteer records two needs and sends them before anyone verified its device.
    new_need(vol, CANARY_NEED, urgency="Normal", contact=CANARY_CONTACT)
    new_need(vol, CANARY_URGENT, category="medical", urgency="Critical", contact="")
    wait_all_sent(vol)

    # The coordinator's list says what waits, from which device, with the way to verify it.
    sync_now(coord)
    coord.get_by_role("button", name="Records", exact=True).click()
    number = safety_number(vol)
    waiting = coord.locator(".waiting-devices .waiting")
    expect(waiting).to_have_count(1)
    expect(waiting).to_contain_text(
        re.compile(r"^2 records from Volunteer · \S{8} are waiting: verify the device"))
    expect(coord.locator(".record-item")).to_have_count(0)
    check_screen(coord, problems, "list with a waiting device (1280 px)")
    waiting.get_by_role("button", name="Verify the device").click()
    coord.get_by_role("heading", name="Devices", exact=True).wait_for()
    card = coord.locator(".device").filter(has_text="Volunteer")
    card.get_by_text(number, exact=True).wait_for()
    card.get_by_role("button", name="Certify").click()
    runs = sync_runs(coord)
    # The sync that follows the certificate is held up (its pulls wait), as a long one would be.
    held = []
    coord_ctx.route("**/api/sync/pull*", lambda route: held.append(route), times=1)
    card.get_by_role("button", name="They match: certify").click()
    for _ in range(300):
        if held:
            break
        coord.wait_for_timeout(100)
    assert held, "no pull followed the certificate"

    # The coordinator goes on to the records meanwhile; when the sync ends, the screen stays where
    # the person went. Released, the records show.
    coord.get_by_role("button", name="Records", exact=True).click()
    coord.get_by_role("heading", name="Records", exact=True).wait_for()
    coord_ctx.route("**/api/sync/pull*", lambda route: route.continue_())
    for route in held:
        route.continue_()
    wait_sync_run(coord, runs)
    expect(coord.locator(".record-item")).to_have_count(2, timeout=60000)
    # (Before the fix, the Devices screen came back as soon as the run had ended.)
    coord.wait_for_timeout(1000)
    expect(coord.get_by_role("heading", name="Records", exact=True)).to_be_visible()
    expect(coord.get_by_role("heading", name="Devices", exact=True)).to_have_count(0)
    open_settings_item(coord, "Devices")
    volunteer = coord.locator(".device").filter(has_text="Volunteer")
    expect(volunteer.get_by_text("Verified", exact=True)).to_be_visible()
    coord.get_by_role("button", name="Records", exact=True).click()
    expect(coord.locator(".waiting-devices .waiting")).to_have_count(0)
    # Needs list the most urgent first; the panel says how many filters are set.
    items = coord.locator(".record-item")
    expect(items.first).to_contain_text("Medical")

    # Wide: the list and the open record side by side; opening another keeps the list.
    items.filter(has_text="Accommodation").click()
    detail = coord.locator(".split-pane .detail-screen")
    expect(detail.get_by_text(CANARY_NEED)).to_be_visible()
    expect(coord.locator(".split .list-screen")).to_be_visible()
    check_screen(coord, problems, "list beside a record (1280 px)")

    # One tap: triaged. The list beside it follows.
    status = detail.get_by_role("group", name="Status")
    status.get_by_role("button", name="Triaged").click()
    expect(coord.locator(".split-pane .detail-screen").get_by_role("group", name="Status")
           .get_by_role("button", name="Triaged")).to_have_attribute("aria-pressed", "true")
    expect(coord.locator(".split-pane .row").filter(has_text="Status")).to_contain_text("Triaged")
    expect(items.filter(has_text="Accommodation")).to_contain_text("Triaged")
    # Assigned to the volunteer's device, beside the status.
    assignee = coord.locator(".split-pane .status-set").get_by_label("Assigned to")
    assignee.select_option(assignee.locator("option", has_text="Volunteer").get_attribute("value"))
    expect(coord.locator(".split-pane .row").filter(has_text="Assigned to")).to_contain_text("Volunteer · ")
    wait_all_sent(coord)

    # Case notes: the volunteer (offline) and the coordinator each add one to the same need; both
    # survive, in order of writing, each with its device and time, and the need has no conflict.
    vol_ctx.set_offline(True)
    vol.get_by_role("button", name="Records", exact=True).click()
    vol.locator(".record-item").filter(has_text="Accommodation").click()
    vol.get_by_label("New note").fill(NOTE_VOLUNTEER)
    vol.get_by_role("button", name="Add the note").click()
    expect(vol.locator(".note")).to_have_count(1)
    expect(vol.locator(".note")).to_contain_text(NOTE_VOLUNTEER)
    detail = coord.locator(".split-pane .detail-screen")
    detail.get_by_label("New note").fill(NOTE_COORDINATOR)
    detail.get_by_role("button", name="Add the note").click()
    expect(coord.locator(".split-pane .note")).to_have_count(1)
    expect(coord.locator(".split-pane .note .meta")).to_contain_text(
        re.compile(r"^Written on Coordinator · \S{8}, "))
    check_screen(coord, problems, "a record with its notes (1280 px)")
    wait_all_sent(coord)
    vol_ctx.set_offline(False)
    wait_all_sent(vol)
    sync_now(coord)
    coord.get_by_role("button", name="Records", exact=True).click()
    items.filter(has_text="Accommodation").click()
    notes = coord.locator(".split-pane .note")
    expect(notes).to_have_count(2)
    expect(notes.nth(0)).to_contain_text(NOTE_VOLUNTEER)
    expect(notes.nth(0).locator(".meta")).to_contain_text("Volunteer · ")
    expect(notes.nth(1)).to_contain_text(NOTE_COORDINATOR)
    expect(coord.locator(".split-pane .conflicts")).to_have_count(0)

    # Filters: by status, by author device, conflicts only, and search over decrypted text.
    filters = coord.locator(".list-screen .filters")
    coord.locator(".more-filters > summary").click()
    filters.get_by_label("Status", exact=True).select_option(label="Triaged")
    expect(items).to_have_count(1)
    expect(coord.locator(".more-filters > summary")).to_have_text("More filters (1 set)")
    filters.get_by_label("Status", exact=True).select_option(label="Met")
    expect(coord.get_by_text("Nothing matches the search or filters.")).to_be_visible()
    filters.get_by_role("button", name="Clear filters").click()
    expect(items).to_have_count(2)
    by_assignee = filters.get_by_label("Assigned to")
    by_assignee.select_option(by_assignee.locator("option", has_text="Volunteer").get_attribute("value"))
    expect(items).to_have_count(1)
    expect(items.first).to_contain_text("Accommodation")
    filters.get_by_role("button", name="Clear filters").click()
    expect(items).to_have_count(2)
    author = filters.get_by_label("Written on device")
    author.select_option(author.locator("option", has_text="Volunteer").get_attribute("value"))
    expect(items).to_have_count(2)
    filters.get_by_label("Only records with a conflict").check()
    expect(items).to_have_count(0)
    filters.get_by_label("Only records with a conflict").uncheck()
    coord.get_by_label("Search").fill("brest")
    expect(items).to_have_count(1)
    expect(items.first).to_contain_text("Medical")
    coord.get_by_label("Search").fill("")
    filters.get_by_label("Order").select_option(label="Oldest first")
    expect(items.first).to_contain_text("Accommodation")
    check_screen(coord, problems, "filters open (1280 px)")

    # The overview counts what the list holds; its figures come with their tables.
    coord.locator("nav.tabs .tab[data-view='overview']").click()
    coord.get_by_role("heading", name="Overview", exact=True).wait_for()
    tiles = coord.get_by_role("list", name="At a glance")

    def tile(name):
        what = coord.locator(".what").get_by_text(name, exact=True)
        return tiles.locator(".tile").filter(has=what).locator(".n")

    expect(tile("Records")).to_have_text("2")
    expect(tile("Open needs")).to_have_text("2")
    by_status = coord.locator(".chart").filter(has=coord.get_by_role("heading", name="Needs by status"))
    expect(by_status.locator("tbody tr")).to_have_count(2)
    expect(by_status.locator("tbody tr").filter(has_text="Triaged").locator("td")).to_have_text("1")
    expect(by_status.locator("tbody tr").filter(has_text="New").locator("td")).to_have_text("1")
    urgency_heading = coord.get_by_role("heading", name="Open needs by urgency")
    by_urgency = coord.locator(".chart").filter(has=urgency_heading)
    expect(by_urgency.locator("tbody tr").filter(has_text="Critical").locator("td")).to_have_text("1")
    expect(coord.locator(".chart svg.bars")).not_to_have_count(0)
    check_screen(coord, problems, "overview (1280 px)")
    # A date range before any record: nothing counted.
    coord.get_by_label("To", exact=True).fill("2020-01-31")
    expect(tile("Records")).to_have_text("0")
    coord.get_by_role("button", name="All time").click()
    expect(tile("Records")).to_have_text("2")
    # The printed report holds counts only: neither the needs' text nor their contact.
    coord.emulate_media(media="print")
    printed = coord.locator("body").inner_text()
    coord.emulate_media(media="screen")
    assert CANARY_NEED not in printed and CANARY_CONTACT not in printed and "Print the report" not in printed

    # The export: a plain warning; contact and free text out by default, in when chosen.
    coord.get_by_role("button", name="Export records").click()
    coord.get_by_role("heading", name="Export records").wait_for()
    expect(coord.get_by_role("note")).to_contain_text("plain text")
    check_screen(coord, problems, "export (1280 px)")
    coord.get_by_label("All records (2)").check()
    with coord.expect_download() as made:
        coord.get_by_role("button", name="Make the file").click()
    plain = read_text(made.value.path(), "utf-8-sig")
    assert made.value.suggested_filename.endswith(".csv")
    assert plain.startswith("id,kind,category,") and len(plain.strip().splitlines()) == 3
    assert CANARY_CONTACT not in plain and CANARY_NEED not in plain and "triaged" in plain
    coord.get_by_label("Contact (optional) / Contact").check()
    coord.get_by_label("JSON (for programs)").check()
    with coord.expect_download() as made:
        coord.get_by_role("button", name="Make the file").click()
    rows = json.loads(read_text(made.value.path()))
    assert sorted(r.get("contact") or "" for r in rows) == ["", CANARY_CONTACT]
    assert all("description" not in r for r in rows)
    coord.get_by_role("button", name="Back").click()
    coord.get_by_role("heading", name="Overview", exact=True).wait_for()

    # At 360 px the same screens stack, and nothing is wider than the screen.
    coord.set_viewport_size({"width": 360, "height": 740})
    check_screen(coord, problems, "overview (360 px)")
    open_tab(coord, "list")
    check_screen(coord, problems, "list with filters (360 px)")
    items.filter(has_text="Medical").click()
    coord.get_by_role("group", name="Status").get_by_role("button", name="In progress").click()
    expect(coord.get_by_role("group", name="Status").get_by_role("button", name="In progress")) \
        .to_have_attribute("aria-pressed", "true")
    # Who wrote what, and when: the status by this coordinator's device, the description by the volunteer's.
    coord.locator(".history > summary").click()
    history = coord.locator(".history tbody tr")
    expect(history.filter(has_text="Status")).to_contain_text(
        re.compile(r"In progress\s*Coordinator · \S{8}"))
    expect(history.filter(has_text="Details of the need")).to_contain_text(
        re.compile(CANARY_URGENT + r"\s*Volunteer · "))
    check_screen(coord, problems, "record with its status and history (360 px)")
    wait_all_sent(coord)

    # The volunteer sees the new statuses after a sync.
    sync_now(vol)
    vol.get_by_role("button", name="Records", exact=True).click()
    expect(vol.locator(".record-item").filter(has_text="Accommodation")).to_contain_text("Triaged")
    expect(vol.locator(".record-item").filter(has_text="Medical")).to_contain_text("In progress")

    # Purge: the deleted record is erased everywhere, after a confirmation that names it.
    open_tab(coord, "list")
    coord.locator(".record-item").filter(has_text="Medical").click()
    coord.get_by_role("button", name="Delete").click()
    coord.get_by_role("button", name="Yes, delete").click()
    coord.get_by_label("Show deleted records").check()
    coord.locator(".record-item").filter(has_text="Medical").click()
    coord.get_by_role("button", name="Erase everywhere").click()
    expect(coord.get_by_text(re.compile(r"^Erase “Medical"))).to_be_visible()
    check_screen(coord, problems, "purge confirmation (360 px)")
    coord.get_by_role("button", name="Erase it everywhere").click()
    coord.get_by_role("heading", name="Records", exact=True).wait_for()
    expect(coord.locator(".record-item").filter(has_text="Medical")).to_have_count(0, timeout=30000)
    sync_now(vol)
    vol.get_by_role("button", name="Records", exact=True).click()
    expect(vol.locator(".record-item")).to_have_count(1)
    expect(vol.locator(".record-item").filter(has_text="Medical")).to_have_count(0)
    assert problems == {}
