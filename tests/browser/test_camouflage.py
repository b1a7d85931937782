"""Camouflage: the app looks like a calculator (title, icon, installed name), the calculator is the
door (a code and "=" open the lock screen), and Exit keeps a half-typed form as a sealed draft or
throws it away, as the person chose.
"""

import re

import pytest
from playwright.sync_api import expect

from drive import join, storage_dump, unlock

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CODE = "2468"
CANARY_KEPT = "Canary-Kept-Hrodna-5151"
CANARY_DROPPED = "Canary-Dropped-Pinsk-6262"

LOOK = """async () => {
  const link = (rel) => document.querySelector(`link[rel="${rel}"]`).getAttribute('href');
  const manifest = await (await fetch(link('manifest'))).json();
  return {title: document.title, icon: link('icon'), touch: link('apple-touch-icon'), manifest,
          header: document.querySelector('header.bar').innerText};
}"""


def press(page, keys):
    for key in keys:
        page.locator(f'.keys button[data-key="{key}"]').click()


def test_camouflage_looks_like_a_calculator_whose_code_opens_the_app(make_context, coordinator, server):
    ctx = make_context()
    page = ctx.new_page()
    join(page, coordinator.create_invite("volunteer", base_url=server.url))
    assert page.evaluate(LOOK)["manifest"]["name"] == "Zapis"

    page.get_by_role("button", name="Settings").click()
    page.get_by_label("Your code (4 to 12 digits)").fill("12")
    page.get_by_role("button", name="Look like a calculator").click()
    expect(page.get_by_text("The code must be 4 to 12 digits.")).to_be_visible()
    page.get_by_label("Your code (4 to 12 digits)").fill(CODE)
    page.get_by_role("button", name="Look like a calculator").click()
    expect(page.get_by_text("The app looks like a calculator.", exact=False)).to_be_visible()

    # Title, icons and the manifest (the installed name and icon) are the calculator's, and the
    # app names itself nowhere on the screen; after a reload too, before anything is unlocked.
    for moment in ("now", "after reload"):
        look = page.evaluate(LOOK)
        assert look["title"] == "Calculator", moment
        assert look["icon"].endswith("/calc.svg") and look["touch"].endswith("/calc-192.png"), moment
        assert look["manifest"]["name"] == look["manifest"]["short_name"] == "Calculator", moment
        assert look["manifest"]["start_url"] == "/calc", moment
        assert all("calc" in i["src"] for i in look["manifest"]["icons"]), moment
        assert "Zapis" not in look["header"], moment
        if moment == "now":
            page.reload()
            page.get_by_role("heading", name="Locked").wait_for()
    # The code is not kept as typed.
    assert CODE not in page.evaluate("JSON.stringify({...localStorage})")
    unlock(page)

    # Exit in the middle of a form (the default: keep it as a sealed draft), at once after typing.
    page.get_by_role("button", name="+ Incident").click()
    page.get_by_label("What happened *").fill(CANARY_KEPT)
    page.get_by_role("button", name="Exit").click()
    page.wait_for_url(server.url + "/calc")
    assert page.title() == "Calculator"
    # The calculator computes, and a wrong code is only a number.
    press(page, ["7", "*", "6", "="])
    expect(page.locator("#display")).to_have_text("42")
    press(page, ["C", "1", "3", "5", "7", "="])
    expect(page.locator("#display")).to_have_text("1357")
    page.wait_for_timeout(300)
    assert page.url == server.url + "/calc"
    # The code opens the lock screen; the draft was sealed, never stored as text.
    press(page, ["C", *CODE, "="])
    page.get_by_role("heading", name="Locked").wait_for()
    assert page.title() == "Calculator"
    assert CANARY_KEPT not in storage_dump(page)
    unlock(page)
    page.get_by_role("button", name="+ Incident").click()
    expect(page.get_by_label("What happened *")).to_have_value(CANARY_KEPT)
    expect(page.get_by_text("Your unsaved draft was restored.")).to_be_visible()

    # Chosen otherwise, Exit throws away what was being typed.
    page.get_by_role("button", name="Cancel").click()
    page.get_by_role("button", name="Settings").click()
    page.get_by_label("If you press Exit while typing a record").select_option("discard")
    page.get_by_role("button", name="+ Need").click()
    page.get_by_label("Details of the need *").fill(CANARY_DROPPED)
    page.wait_for_timeout(1500)  # long enough for the autosaved draft to be stored as well
    page.get_by_role("button", name="Exit").click()
    page.wait_for_url(server.url + "/calc")
    press(page, list(CODE) + ["="])
    page.get_by_role("heading", name="Locked").wait_for()
    unlock(page)
    page.get_by_role("button", name="+ Need").click()
    expect(page.get_by_label("Details of the need *")).to_have_value("")
    expect(page.get_by_text("Your unsaved draft was restored.")).to_have_count(0)

    # Off again: the app's own name, and the calculator is only a calculator.
    page.get_by_role("button", name="Cancel").click()
    page.get_by_role("button", name="Settings").click()
    page.get_by_role("button", name="Stop looking like a calculator").click()
    page.get_by_label("Your code (4 to 12 digits)").wait_for()
    look = page.evaluate(LOOK)
    assert look["title"] == "Zapis" and look["manifest"]["name"] == "Zapis"
    assert look["icon"].endswith("/icon.svg")
    page.goto(server.url + "/calc")
    press(page, list(CODE) + ["="])
    expect(page.locator("#display")).to_have_text(CODE)
    page.wait_for_timeout(300)
    assert re.search(r"/calc$", page.url)
