"""Devices people can recognise (issue 12), in Chromium against gunicorn: a volunteer joins and
names its device; the coordinator sees the records waiting on it named by that (unverified) name,
compares the safety number by scanning a picture of the QR code the volunteer's phone shows (a
wrong code is refused plainly), and certifies it; a second coordinator device joins, is
certified, the first shares every record key with it with a progress bar that counts, and the
second reads every record and the volunteer's name. The name never reaches the server in
plaintext.
"""

import base64
import glob
import re

import pytest
from playwright.sync_api import expect

from drive import (
    AXE,
    PASSPHRASE,
    QR_PNG,
    axe,
    create_invite,
    horizontal_overflow,
    open_settings_item,
    setup_link,
    sync_now,
    wait_all_sent,
    wait_offline_ready,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ALIAS = "Ales-Canary-4471"
PHONE = "Pixel-Canary-9"
SECOND = "Hanna-Canary-2290"
NEEDS = ["Canary-Names-Need-Lida-1", "Canary-Names-Need-Pinsk-2", "Canary-Names-Need-Mir-3"]
WIDE = {"width": 1280, "height": 800}
MATCH = "The safety numbers match. You can certify this device."

def check_screen(page, problems, name):
    overflow = horizontal_overflow(page)
    violations = axe(page, AXE)
    if overflow > 0 or violations:
        problems[name] = {"overflow": overflow, "violations": violations}


def join_named(page, link, alias="", phone=None, before=None):
    """Open an invite (or setup) link, name the device, choose the passphrase; wait for the list.
    `before(page)` looks at the join screen first."""
    page.goto(link)
    if before:
        before(page)
    alias_field = page.get_by_label("Your name or nickname (optional)")
    alias_field.fill(alias)
    if phone is not None:
        page.get_by_label("This phone", exact=True).fill(phone)
    page.get_by_role("button", name="Type my own passphrase").click()
    page.get_by_label("Passphrase", exact=True).fill(PASSPHRASE)
    page.get_by_label("Passphrase again").fill(PASSPHRASE)
    page.get_by_role("button", name=re.compile("^(Join|Set up)$")).click()
    page.get_by_role("heading", name="Records").wait_for(timeout=90000)


def this_device(page):
    """Settings, then this device's page (its name, safety number and QR code)."""
    page.get_by_role("button", name="Settings", exact=True).click()
    page.get_by_role("button", name="This device: name and safety number").click()
    page.get_by_role("heading", name="This device", exact=True).wait_for()


def new_need(page, description):
    page.get_by_role("button", name="+ Need").click()
    page.get_by_label("What is needed *").select_option("legal")
    page.get_by_label("Country *").select_option("LT")
    page.get_by_label("Details of the need *").fill(description)
    page.get_by_role("button", name="Save").click()
    page.get_by_role("button", name="Edit").wait_for()


def server_bytes(server):
    """Every byte of the server's SQLite files (the database and its write-ahead log)."""
    path = server.db_url.split("sqlite:///", 1)[1]
    out = b""
    for name in glob.glob(path + "*"):
        with open(name, "rb") as f:
            out += f.read()
    return out


def test_named_devices_compared_by_qr_and_a_second_coordinator_reads_everything(make_context, server):
    problems = {}
    coord_ctx = make_context(viewport=WIDE)
    coord = coord_ctx.new_page()
    join_named(coord, setup_link(server)[0], "Coordinator-Canary", "Laptop")
    invite = create_invite(coord, "Volunteer")

    # The volunteer names its device as it joins: the phone is suggested, and editable.
    vol_ctx = make_context()
    vol = vol_ctx.new_page()

    def suggested(page):
        expect(page.get_by_label("This phone", exact=True)).not_to_have_value("")
        check_screen(page, problems, "join with the device's name (360 px)")

    join_named(vol, invite, ALIAS, PHONE, before=suggested)
    wait_offline_ready(vol)
    for text in NEEDS:
        new_need(vol, text)
    wait_all_sent(vol)

    # Its own page: the name, the safety number in groups and as a QR code.
    this_device(vol)
    expect(vol.get_by_label("Device name")).to_have_value(f"{ALIAS} · {PHONE}")
    groups = vol.locator(".this-device-screen .safety-big .group")
    expect(groups).to_have_count(6)
    number = " ".join(groups.all_inner_texts())
    assert re.fullmatch(r"(\d{5} ){5}\d{5}", number)
    qr = vol.get_by_role("img", name="QR code of this device's safety number")
    expect(qr).to_be_visible()
    check_screen(vol, problems, "this device (360 px)")
    picture = qr.screenshot()

    # The coordinator: three records wait on a device named by its unverified name (the name
    # record itself is not counted), with the way to verify it.
    sync_now(coord)
    coord.get_by_role("button", name="Records", exact=True).click()
    waiting = coord.locator(".waiting-devices .waiting")
    expect(waiting).to_contain_text(re.compile(
        r"^3 records from " + re.escape(f"{ALIAS} · {PHONE}")
        + r" \(unverified name\) · Volunteer · \S{8} are waiting"))
    expect(coord.locator(".record-item")).to_have_count(0)
    waiting.get_by_role("button", name="Verify the device").click()
    coord.get_by_role("heading", name="Devices", exact=True).wait_for()
    card = coord.locator(".device").filter(has_text=f"{ALIAS} · {PHONE}")
    expect(card.get_by_text("Unverified name", exact=True)).to_be_visible()
    expect(card.get_by_text("Volunteer", exact=False)).to_be_visible()
    card.get_by_text(number, exact=True).wait_for()
    # "Verify the device" put the focus on that device's Certify button; it opens the comparison.
    certify = card.get_by_role("button", name="Certify", exact=True)
    expect(certify).to_be_focused()
    certify.click()
    panel = card.locator(".verify-panel")
    expect(panel.get_by_role("heading", name="Compare the safety numbers")).to_be_visible()
    check_screen(coord, problems, "devices with the comparison open (1280 px)")

    # A code that is not this phone's number is refused plainly, and the certificate with it.
    device_id = coord.evaluate("(el) => el.dataset.device", card.element_handle())
    digits = number.replace(" ", "")
    wrong = ("1" if digits[0] != "1" else "2") + digits[1:]
    fake = base64.b64decode(coord.evaluate(QR_PNG, f"zapis-safety/1 {device_id} {wrong}"))
    panel.get_by_label("Choose a picture of its QR code").set_input_files(
        files=[{"name": "code.png", "mimeType": "image/png", "buffer": fake}])
    expect(panel.locator(".compare-result")).to_have_text(re.compile("^The safety numbers do NOT match"))
    expect(panel.get_by_role("button", name="They match: certify")).to_have_count(0)

    # The picture of the volunteer's own QR code: the numbers match; then certify.
    panel.get_by_label("Choose a picture of its QR code").set_input_files(
        files=[{"name": "safety.png", "mimeType": "image/png", "buffer": picture}])
    expect(panel.locator(".compare-result")).to_have_text(MATCH)
    panel.get_by_role("button", name="They match: certify").click()
    card = coord.locator(".device").filter(has_text=f"{ALIAS} · {PHONE}")
    expect(card.get_by_text("Verified", exact=True)).to_be_visible(timeout=60000)
    expect(card.get_by_text("Unverified name", exact=True)).to_have_count(0)
    coord.get_by_role("button", name="Records", exact=True).click()
    expect(coord.locator(".record-item")).to_have_count(3, timeout=60000)
    expect(coord.locator(".waiting-devices .waiting")).to_have_count(0)

    # A second coordinator device, added from the app: invited, named, compared, certified.
    invite2 = create_invite(coord, "Coordinator")
    second_ctx = make_context()
    second = second_ctx.new_page()
    join_named(second, invite2, SECOND, "Phone")
    wait_all_sent(second)
    this_device(second)
    second_number = " ".join(second.locator(".this-device-screen .safety-big .group").all_inner_texts())
    open_settings_item(coord, "Devices")
    card2 = coord.locator(".device").filter(has_text=f"{SECOND} · Phone")
    card2.get_by_text(second_number, exact=True).wait_for(timeout=60000)
    expect(card2.get_by_text("Unverified name", exact=True)).to_be_visible()
    card2.get_by_role("button", name="Certify").click()
    card2.get_by_role("button", name="They match: certify").click()  # compared by eye, digit for digit
    card2 = coord.locator(".device").filter(has_text=f"{SECOND} · Phone")
    expect(card2.get_by_text("Verified", exact=True)).to_be_visible(timeout=60000)

    # The record keys go to it batch by batch with the syncs: a bar with counts, to the end.
    share = card2.locator(".share-progress")
    expect(share).to_contain_text(re.compile(r"Record keys shared with this coordinator: \d+ of \d+"),
                                  timeout=60000)
    expect(share).to_contain_text(re.compile(r": (\d+) of \1$"), timeout=60000)
    bar = share.locator("progress")
    assert bar.get_attribute("value") == bar.get_attribute("max")
    total = int(bar.get_attribute("max"))
    assert total >= 6  # three needs and the name records of the three devices
    check_screen(coord, problems, "devices with keys shared (1280 px)")
    wait_all_sent(coord)

    # The second coordinator reads every record, and knows the volunteer by its name.
    for _ in range(5):
        sync_now(second)
        second.get_by_role("button", name="Records", exact=True).click()
        if second.locator(".record-item").count() == 3:
            break
    expect(second.locator(".record-item")).to_have_count(3, timeout=60000)
    for text in NEEDS:
        second.locator(".record-item").filter(has_text=text).click()
        second.get_by_role("button", name="Edit").wait_for()
        expect(second.get_by_text(text)).to_be_visible()
        second.get_by_role("button", name="Records", exact=True).click()
    open_settings_item(second, "Devices")
    named = second.locator(".device").filter(has_text=f"{ALIAS} · {PHONE}")
    expect(named.get_by_text("Verified", exact=True)).to_be_visible()
    expect(named.get_by_text("Unverified name", exact=True)).to_have_count(0)
    check_screen(second, problems, "devices on the second coordinator (360 px)")

    # Nothing of the names reached the server's files in plaintext.
    stored = server_bytes(server)
    for canary in (ALIAS, PHONE, SECOND, *NEEDS):
        assert canary.encode() not in stored, canary
    assert problems == {}, problems


def test_a_name_from_the_reference_client_waits_unverified_and_wrong_codes_are_said_plainly(
        make_context, server):
    """Dark theme, 360 px: a device enrolled by the reference client names itself with a `profile`
    record (the protocol, not the PWA's code); the coordinator's browser reads that name from the
    held-back items, and says plainly which code it was shown."""
    from client import Client

    problems = {}
    ctx = make_context(color_scheme="dark")
    page = ctx.new_page()
    join_named(page, setup_link(server)[0], "Coordinator-Dark", "Tablet")
    other = Client.enroll_link(create_invite(page, "Volunteer"))
    other.save({"kind": "profile", "name": "Mikola · Nokia"})
    other.save({"kind": "incident", "category": "bank", "date": "2026-12-01", "country": "PL",
                "description": "Canary-Names-Client-Incident", "consent": ["store"]})
    other.sync()
    sync_now(page)
    page.get_by_role("button", name="Records", exact=True).click()
    expect(page.locator(".waiting-devices .waiting")).to_contain_text(
        re.compile(r"^1 record from Mikola · Nokia \(unverified name\) · Volunteer · \S{8} is waiting"))
    check_screen(page, problems, "list with a named waiting device (dark, 360 px)")

    invite = create_invite(page, "Reporting for myself")
    open_settings_item(page, "Devices")
    me, mine = own_code(page)
    assert me != other.replica.device
    card = page.locator(".device").filter(has_text="Mikola · Nokia")
    card.get_by_text(other.safety_number(), exact=True).wait_for()
    card.get_by_role("button", name="Certify", exact=True).click()
    panel = card.locator(".verify-panel")
    picture = panel.get_by_label("Choose a picture of its QR code")
    result = panel.locator(".compare-result")
    # The invite's QR code is no safety number; this coordinator's own number is another device's.
    for text, said in ((invite, "This QR code is not a safety number"),
                       (mine, "This is the code of another device")):
        png = base64.b64decode(page.evaluate(QR_PNG, text))
        picture.set_input_files(files=[{"name": "code.png", "mimeType": "image/png", "buffer": png}])
        expect(result).to_contain_text(said)
        expect(panel.get_by_role("button", name="They match: certify")).to_be_visible()
    check_screen(page, problems, "devices with a wrong code (dark, 360 px)")
    png = base64.b64decode(page.evaluate(QR_PNG, "zapis-safety/1 %s %s" % (
        other.replica.device, other.safety_number().replace(" ", ""))))
    picture.set_input_files(files=[{"name": "code.png", "mimeType": "image/png", "buffer": png}])
    expect(result).to_have_text(MATCH)
    expect(panel.get_by_role("button", name="They match: certify")).to_be_focused()
    panel.get_by_role("button", name="They match: certify").click()
    card = page.locator(".device").filter(has_text="Mikola · Nokia")
    expect(card.get_by_text("Verified", exact=True)).to_be_visible(timeout=60000)

    # This device's own page in the dark theme; the name is edited there.
    this_device(page)
    check_screen(page, problems, "this device (dark, 360 px)")
    page.get_by_label("Device name").fill("Coordinator-Dark · Desk")
    page.get_by_role("button", name="Save the name").click()
    expect(page.get_by_role("status").filter(has_text="Saved")).to_be_visible()
    wait_all_sent(page)
    page.get_by_role("button", name="Settings", exact=True).click()
    row = page.locator(".row").filter(has=page.get_by_text("Device name", exact=True))
    expect(row).to_contain_text("Coordinator-Dark · Desk")
    assert problems == {}, problems



def own_code(page):
    """The QR text of this coordinator's own safety number, read from its Devices screen."""
    card = page.locator(".device").filter(has_text="this device")
    number = " ".join(card.locator("code.safety .group").all_inner_texts())
    return card.get_attribute("data-device"), "zapis-safety/1 %s %s" % (card.get_attribute("data-device"),
                                                                        number.replace(" ", ""))
