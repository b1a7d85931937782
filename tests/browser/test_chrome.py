"""The chrome (the bar on top, the navigation at the bottom) fits every language at 320 px, at
normal and at 200% text (Android's large text): nothing wider than the screen, no word broken
inside, the Exit control one tap and readable, the Lock control reachable. And the long forms'
error summary.
"""

import json

import pytest

from drive import CHROME_PROBLEMS, LANGUAGES, join, messages, open_tab, settle

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# The Exit control: on the screen, on top, its word whole on one line and big enough to hit.
PANIC = """() => {
  const b = document.querySelector('header.bar .panic');
  const r = b.getBoundingClientRect();
  const top = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
  const range = document.createRange();
  range.selectNodeContents(b);
  return {visible: b.checkVisibility(), text: b.textContent, lines: range.getClientRects().length,
          inside: r.left >= 0 && r.right <= document.documentElement.clientWidth && r.top >= 0,
          onTop: b.contains(top), width: r.width, height: r.height};
}"""

LAYOUT = ("() => [document.querySelector('header.bar').dataset.fit, "
          "document.querySelector('nav.tabs').dataset.fit]")


def check_chrome(page, lang, where):
    m = messages(lang)
    problems = page.evaluate(CHROME_PROBLEMS)
    panic = page.evaluate(PANIC)
    assert panic["visible"] and panic["inside"] and panic["onTop"], (where, panic)
    assert panic["text"] == m["panic.button"] and panic["lines"] == 1, (where, panic)
    assert panic["height"] >= 44 and panic["width"] >= 44, (where, panic)
    lock = page.get_by_role("button", name=m["lock.button"], exact=True).first
    assert lock.is_visible(), where
    box = lock.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= page.viewport_size["width"], (where, box)
    return problems


@pytest.mark.parametrize("text_size", ["100%", "200%"])
def test_the_chrome_fits_320px_in_every_language(make_context, coordinator, server, text_size):
    ctx = make_context(viewport={"width": 320, "height": 640})
    page = ctx.new_page()
    join(page, coordinator.create_invite("volunteer", base_url=server.url))
    page.evaluate(f"document.documentElement.style.fontSize = {text_size!r}")
    settle(page)
    problems, layouts = {}, {}
    for lang in LANGUAGES:
        open_tab(page, "settings")
        page.locator(".language select").select_option(lang)
        page.locator(f'html[lang="{lang}"]').wait_for()
        settings_tab = page.locator("nav.tabs .tab").last.filter(has_text=messages(lang)["nav.settings"])
        settings_tab.wait_for(state="attached")
        settle(page)
        found = check_chrome(page, lang, f"{lang} settings")
        layouts[lang] = page.evaluate(LAYOUT)
        if layouts[lang][1] == "menu":
            # The folded navigation opens as a list whose words are whole too.
            page.locator("nav.tabs .menu-toggle").click()
            settle(page)
            found += check_chrome(page, lang, f"{lang} menu")
            assert page.locator("nav.tabs .menu-toggle").get_attribute("aria-expanded") == "true"
            page.keyboard.press("Escape")
            assert page.locator("nav.tabs .menu-toggle").get_attribute("aria-expanded") == "false"
        open_tab(page, "list")
        page.locator("nav.tabs .tab[data-view='list'][aria-current='page']").wait_for(state="attached")
        settle(page)
        found += check_chrome(page, lang, f"{lang} list")
        if found:
            problems[lang] = found
    print("layouts (bar level, navigation) at", text_size, layouts)
    assert problems == {}, json.dumps(problems, ensure_ascii=False, indent=1)
    # At 200%, the bar gave something up in every language, but never the word on Exit.
    if text_size == "200%":
        assert all(bar != "0" for bar, _nav in layouts.values()), layouts
    # The Lock control, however folded, still locks.
    page.get_by_role("button", name=messages("lt")["lock.button"], exact=True).click()
    page.locator("input[type=password]").wait_for()
    # Locked, the bar holds the network badge and Exit: they fit too.
    settle(page)
    assert page.evaluate(CHROME_PROBLEMS) == []
    panic = page.evaluate(PANIC)
    assert panic["visible"] and panic["inside"] and panic["onTop"] and panic["lines"] == 1, panic


def test_a_failed_save_shows_an_error_summary_that_leads_to_each_field(make_context, coordinator, server):
    ctx = make_context(viewport={"width": 320, "height": 640})
    page = ctx.new_page()
    join(page, coordinator.create_invite("volunteer", base_url=server.url))
    page.get_by_role("button", name="+ Incident").click()
    page.get_by_label("What happened *").fill("Somebody knocked")
    page.get_by_role("button", name="Save").click()
    summary = page.locator(".error-summary")
    summary.wait_for()
    # It takes the focus, so a screen reader reads it first, and it is named by its heading.
    assert page.evaluate("document.activeElement.classList.contains('error-summary')")
    assert page.get_by_role("heading", name="Check these answers before saving").is_visible()
    links = summary.get_by_role("link")
    texts = links.all_inner_texts()
    assert "What kind of incident: Please fill this in." in texts
    assert "Country: Please fill this in." in texts
    assert not any(t.startswith("What happened") for t in texts)
    # Following an entry puts the focus in its field, and the address stays '/'.
    summary.get_by_role("link", name="Country: Please fill this in.").click()
    assert page.evaluate("document.activeElement") == page.get_by_label("Country *").evaluate("(el) => el")
    assert page.url.endswith("/") and "#" not in page.url
    # The summary follows the fixes, and goes once nothing is left.
    page.get_by_label("Country *").select_option("PL")
    assert "Country: Please fill this in." not in links.all_inner_texts()
    page.get_by_label("What kind of incident *").select_option("bank")
    for link in links.all():
        text = link.inner_text()
        assert not text.startswith(("Country", "What kind")), text
    if links.count() == 0:
        assert not summary.is_visible()
