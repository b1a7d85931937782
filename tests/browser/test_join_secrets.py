"""Joining without leaving a usable secret behind, with a passphrase that holds (issue 17).

- A generated six-word passphrase is offered by default; joining with it, locking and unlocking
  with it works, and the vault on disk is v2.
- An invite's QR code is read inside the app from a picture (headless Chromium has no camera:
  the picture goes through the same decoder as camera frames).
- An invite link opened the old way is used at once: a second browser opening the same link is
  refused before the first has even chosen a passphrase.
- A join by pasting the link leaves no trace of the invite code in the profile's files (History
  included), in a persistent profile on disk; the scan is shown able to find what History holds.
"""

import base64
import os
import re

import pytest

from conftest import ARGS, CHROMIUM
from drive import AXE, PASSPHRASE, QR_PNG, axe, join, read_store, wait_opened


def generated_words(page):
    words = page.locator(".generated-words .word")
    words.first.wait_for()
    return [w.strip() for w in words.all_inner_texts()]


def join_with_generated(page):
    """Take the generated passphrase, type it back as if from paper, join; returns it."""
    words = generated_words(page)
    assert len(words) == 6
    phrase = " ".join(words)
    page.get_by_label("Type the six words again, from your paper").fill("  " + phrase.upper() + " ")
    page.get_by_role("button", name=re.compile("^(Join|Set up)$")).click()
    wait_opened(page)
    return phrase


def test_a_generated_passphrase_is_offered_and_opens_the_device(make_context, coordinator, server):
    ctx = make_context()
    page = ctx.new_page()
    page.goto(server.url + "/")
    page.get_by_label("Invite link").fill(coordinator.create_invite("volunteer", base_url=server.url))
    page.get_by_role("button", name="Open the link").click()
    page.get_by_role("heading", name="Join the workspace").wait_for()
    first = generated_words(page)
    assert all(re.fullmatch(r"[a-z-]+", w) for w in first)  # the English list for an English interface
    page.get_by_role("button", name="Another one").click()
    page.wait_for_function("(w) => [...document.querySelectorAll('.generated-words .word')]"
                           ".map((e) => e.textContent).join(' ') !== w", arg=" ".join(first))
    # A wrong word is caught before anything is sealed.
    page.get_by_label("Type the six words again, from your paper").fill("not the words at all")
    page.get_by_role("button", name="Join").click()
    page.get_by_text("These are not the six words shown above.").wait_for()
    phrase = join_with_generated(page)
    vaults = read_store(page, "vault")
    assert [v["v"] for v in vaults] == [2]
    assert vaults[0]["iterations"] >= 1200000
    page.get_by_role("button", name="Lock").click()
    page.get_by_label("Passphrase").fill(phrase)
    page.get_by_role("button", name="Unlock").click()
    page.get_by_role("heading", name="Records").wait_for()


def test_a_weak_passphrase_of_ones_own_is_refused(make_context, coordinator, server):
    ctx = make_context()
    page = ctx.new_page()
    page.goto(coordinator.create_invite("volunteer", base_url=server.url))
    page.get_by_role("button", name="Type my own passphrase").click()
    for weak in ["Summer2024", "Lukashenko", "Natasha1985", "dog cat sun"]:
        page.get_by_label("Passphrase", exact=True).fill(weak)
        page.get_by_label("Passphrase again").fill(weak)
        page.get_by_role("button", name="Join").click()
        page.get_by_text("This passphrase is too easy to guess.").wait_for()
        assert page.get_by_role("heading", name="Join the workspace").is_visible()


def test_a_word_list_that_loads_late_keeps_the_passphrase_typed_meanwhile(make_context, coordinator, server):
    """On a slow phone the generated words may come after the person chose their own passphrase and
    typed it twice: the words must not wipe the confirmation (it did: "The two passphrases differ")."""
    ctx = make_context()
    page = ctx.new_page()
    held, holding = [], [True]
    page.route("**/vendor/wordlists/*.txt",
               lambda route: held.append(route) if holding else route.continue_())
    page.goto(coordinator.create_invite("volunteer", base_url=server.url))
    page.get_by_role("button", name="Type my own passphrase").click()
    page.get_by_label("Passphrase", exact=True).fill(PASSPHRASE)
    page.get_by_label("Passphrase again").fill(PASSPHRASE)
    for _ in range(100):
        if held:
            break
        page.wait_for_timeout(100)
    assert held, "the word list was never asked for"
    holding.clear()
    for route in held:
        route.continue_()
    page.locator(".generated-words .word").first.wait_for(state="attached")  # the words came
    assert page.get_by_label("Passphrase again").input_value() == PASSPHRASE
    page.get_by_role("button", name="Join").click()
    wait_opened(page)


def test_the_invite_qr_code_is_read_from_a_picture_inside_the_app(make_context, coordinator, server):
    ctx = make_context()
    page = ctx.new_page()
    page.goto(server.url + "/")
    page.get_by_role("heading", name="Welcome").wait_for()
    link = coordinator.create_invite("volunteer", base_url=server.url)
    png = base64.b64decode(page.evaluate(QR_PNG, link))
    # The fallback decoder (jsQR) reads it, whatever this Chromium offers natively.
    decoded = page.evaluate("""async (b64) => {
      const { qrDecoder } = await import('/static/js/ui/scan.js');
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const bitmap = await createImageBitmap(new Blob([bytes], { type: 'image/png' }));
      const decoder = await qrDecoder({ native: false });
      return [decoder.kind, await decoder.decode(bitmap)];
    }""", base64.b64encode(png).decode())
    assert decoded == ["jsqr", link]
    # A person chooses the picture: the join screen opens, and the address bar never held the secret.
    page.get_by_label("Choose a picture of the QR code").set_input_files(
        files=[{"name": "invite.png", "mimeType": "image/png", "buffer": png}])
    page.get_by_role("heading", name="Join the workspace").wait_for()
    assert page.url == server.url + "/"
    code = link.split("#c=")[1].split("&")[0]
    assert code not in page.evaluate("JSON.stringify(history.state)")
    join_with_generated(page)


def test_a_picture_without_a_code_and_a_refused_camera_are_explained(make_context, server):
    ctx = make_context()
    page = ctx.new_page()
    page.goto(server.url + "/")
    blank = base64.b64decode(page.evaluate("""async () => {
      const c = document.createElement('canvas'); c.width = c.height = 64;
      const ctx = c.getContext('2d'); ctx.fillStyle = '#fff'; ctx.fillRect(0, 0, 64, 64);
      const b = new Uint8Array(await (await new Promise((ok) => c.toBlob(ok, 'image/png'))).arrayBuffer());
      let s = ''; for (const x of b) s += String.fromCharCode(x); return btoa(s);
    }"""))
    page.get_by_label("Choose a picture of the QR code").set_input_files(
        files=[{"name": "blank.png", "mimeType": "image/png", "buffer": blank}])
    page.get_by_role("alert").filter(has_text="No QR code was found in this picture.").wait_for()
    # Headless Chromium has no camera: the app says what to do instead, in an alert, and keeps focus.
    page.get_by_role("button", name="Scan the invite QR code").click()
    alert = page.get_by_role("alert").filter(has_text=re.compile("camera", re.I))
    alert.wait_for()
    assert "paste the link" in alert.inner_text() or "Allow it" in alert.inner_text()
    assert page.evaluate("document.activeElement.textContent") == "Scan the invite QR code"


def test_an_invite_link_opened_as_a_link_is_used_at_once(make_context, coordinator, server):
    link = coordinator.create_invite("volunteer", base_url=server.url)
    first = make_context().new_page()
    with first.expect_response(lambda r: r.url.endswith("/api/enroll")) as enrolled:
        first.goto(link)
    assert enrolled.value.status == 201
    assert first.url == server.url + "/"
    first.get_by_text("This invite link has just been used to join on this phone: "
                      "it no longer works").wait_for()
    # What History keeps is useless: another browser opening the same link cannot join.
    second = make_context().new_page()
    second.goto(link)
    second.get_by_text("This invite has already been used.").wait_for()
    # The first finishes with the keys it enrolled at once.
    join_with_generated(first)


def profile_hits(profile, needles):
    """Every file of a browser profile that holds one of `needles` (bytes)."""
    hits = []
    for root, _dirs, files in os.walk(profile):
        for name in files:
            path = os.path.join(root, name)
            try:
                with open(path, "rb") as f:
                    data = f.read()
            except OSError:
                continue
            hits += [os.path.relpath(path, profile) for n in needles if n in data]
    return hits


@pytest.mark.parametrize("how", ["paste", "navigate"])
def test_joining_by_paste_leaves_no_invite_code_in_the_profile(browser, coordinator, server, tmp_path, how):
    """Pasted: no byte of the code anywhere in the profile. Opened as a link (the control, which
    shows the scan finds the code where it is): History holds it, which is why that invite is
    used at once."""
    profile = tmp_path / "profile"
    link = coordinator.create_invite("volunteer", base_url=server.url)
    code = link.split("#c=")[1].split("&")[0]
    ctx = browser.browser_type.launch_persistent_context(str(profile), executable_path=CHROMIUM, args=ARGS,
                                                         headless=True, locale="en-GB")
    try:
        page = ctx.new_page()
        if how == "paste":
            page.goto(server.url + "/")
            page.get_by_label("Invite link").fill(link)
            page.get_by_role("button", name="Open the link").click()
        else:
            page.goto(link)
        page.get_by_role("heading", name="Join the workspace").wait_for()
        join_with_generated(page)
        page.wait_for_timeout(500)
    finally:
        ctx.close()  # History and the session files are written out on close
    host = server.url.split("//")[1].encode()
    assert host in (profile / "Default" / "History").read_bytes()  # the scan reads what History holds
    hits = profile_hits(profile, [code.encode(), code.encode("utf-16-le")])
    if how == "paste":
        assert hits == [], "the invite code is on disk in %s" % hits
    else:
        assert "Default/History" in hits, hits


def test_the_passphrase_can_be_changed_to_a_generated_one(make_context, coordinator, server):
    ctx = make_context()
    page = ctx.new_page()
    join(page, coordinator.create_invite("volunteer", base_url=server.url))
    page.get_by_role("button", name="Settings").click()
    page.get_by_role("button", name="Change the passphrase").click()
    page.get_by_role("heading", name="Change the passphrase").wait_for()
    assert axe(page, AXE) == []
    words = generated_words(page)
    page.get_by_label("Current passphrase").fill("not the passphrase")
    page.get_by_label("Type the six words again, from your paper").fill(" ".join(words))
    page.get_by_role("button", name="Change the passphrase").click()
    page.get_by_text("The current passphrase is not right.").wait_for()
    page.get_by_label("Current passphrase").fill(PASSPHRASE)
    page.get_by_label("Type the six words again, from your paper").fill(" ".join(words))
    page.get_by_role("button", name="Change the passphrase").click()
    page.get_by_text("The passphrase is changed.").wait_for()
    page.get_by_role("button", name="Lock").first.click()
    page.get_by_label("Passphrase").fill(PASSPHRASE)
    page.get_by_role("button", name="Unlock").click()
    page.get_by_text("Wrong passphrase.").wait_for()
    page.get_by_label("Passphrase").fill(" ".join(words))
    page.get_by_role("button", name="Unlock").click()
    page.get_by_role("heading", name="Records").wait_for()
