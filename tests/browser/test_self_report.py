"""A person reporting for themselves: a reporter joins from a reporter invite, files a short
first-person report offline, syncs; a coordinator opens it, marks it received and changes the
need's status; the reporter sees "received" and the new status after a sync. The report's screen
fits 360 px at 200% text in all six languages, with an error summary that leads to each field.
"""

import json
import re

import pytest
from playwright.sync_api import expect

from drive import (
    CHROME_PROBLEMS,
    LANGUAGES,
    certify,
    check_screen,
    create_invite,
    horizontal_overflow,
    join,
    join_invite,
    messages,
    open_tab,
    read_store,
    safety_number,
    settle,
    setup_root,
    sync_now,
    wait_all_sent,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CANARY_REPORT = "Canary-Self-Report-Vitebsk-2207"
CANARY_NEED = "Canary-Self-Need-Polotsk-4418"
CANARY_CONTACT = "@canary_self_9931"
# The chrome's checks, over the screen too: nothing wider than it, no word broken inside.
SCREEN_PROBLEMS = CHROME_PROBLEMS.replace("'header.bar, nav.tabs, .sync-line'",
                                          "'header.bar, nav.tabs, .sync-line, main .report-screen'")




def test_a_reporter_reports_offline_and_sees_that_a_coordinator_received_it(make_context, server):
    problems = {}
    coord_ctx, coord = setup_root(make_context, server)
    invite = create_invite(coord, "Reporting for myself")
    rep_ctx, rep = join_invite(make_context, invite)

    # The coordinator compares the reporter's safety number out of band and certifies the device.
    certify(coord, "Reporting for myself", safety_number(rep))

    # The reporter's navigation offers one report, not the volunteer's two forms.
    expect(rep.locator("nav.tabs .tab")).to_have_count(3)
    expect(rep.locator("nav.tabs .tab[data-view='new-incident']")).to_have_count(0)

    rep_ctx.set_offline(True)
    rep.get_by_role("button", name="+ Report").click()
    rep.get_by_role("heading", name="Tell us what happened").wait_for()
    expect(rep.get_by_label("Who did it?")).to_be_hidden()  # folded away
    check_screen(rep, problems, "report form")

    # Sending it empty: the summary takes the focus, names each problem in the first person, and
    # each entry leads to its field.
    rep.get_by_role("button", name="Save and send").click()
    summary = rep.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("What happened to you?: Please fill this in.")
    expect(summary).to_contain_text("Do you need help now?: Please fill this in.")
    expect(summary).to_contain_text("We can keep your report only if you agree.")
    summary.get_by_role("link", name=re.compile("^What happened to you")).click()
    expect(rep.get_by_label("What happened to you? *")).to_be_focused()

    rep.get_by_label("What happened to you? *").fill(CANARY_REPORT)
    rep.get_by_label("What was it about? *").select_option("bank")
    rep.get_by_label("In which country? *").select_option("PL")
    rep.get_by_label("City or town").fill("Białystok")
    rep.get_by_label("Yes, I need help").check()
    rep.get_by_label("What kind of help? *").select_option("legal")
    rep.get_by_label("Tell us what you need *").fill(CANARY_NEED)
    rep.locator(".option").get_by_text("High", exact=True).click()
    rep.get_by_label("Yes", exact=True).check()
    rep.get_by_label("How should we contact you?").select_option("signal")
    rep.get_by_label("When is it safe?").fill("after 18:00")
    rep.get_by_role("button", name="Save and send").click()
    expect(summary).to_contain_text("Write how to reach you, or choose “No, do not contact me”.")
    rep.get_by_label("Your number, username or address *").fill(CANARY_CONTACT)
    rep.get_by_label("Keep my report so that coordinators can help *").check()
    expect(summary).to_be_hidden()
    rep.get_by_role("button", name="Save and send").click()

    # Its report: nobody has seen it yet; two records wait to be sent.
    expect(rep.get_by_text("No coordinator has marked it as received yet.")).to_be_visible()
    expect(rep.get_by_text(CANARY_REPORT)).to_be_visible()
    expect(rep.locator(".sync-line")).to_contain_text("2 records waiting to be sent")
    check_screen(rep, problems, "the reporter's own report")
    # Editing it later, the reporter reads the kind's whole form, in the first person where it can.
    rep.get_by_role("button", name="Edit").click()
    expect(rep.get_by_label("What happened to you? *")).to_have_value(CANARY_REPORT)
    expect(rep.get_by_label("Tags")).to_be_visible()
    rep.get_by_role("button", name="Cancel").click()
    rep.get_by_role("button", name="Edit").wait_for()
    rep_ctx.set_offline(False)
    wait_all_sent(rep)

    # The coordinator sees an incident and a need like any others, and marks the report received.
    sync_now(coord)
    coord.get_by_role("button", name="Records", exact=True).click()
    expect(coord.locator(".record-item")).to_have_count(2)
    coord.locator(".record-item").filter(has_text="Bank or payment refused").click()
    expect(coord.get_by_text(CANARY_REPORT)).to_be_visible()
    contact = coord.locator(".row").filter(has=coord.get_by_text("Contact (optional)", exact=True))
    expect(contact).to_contain_text(CANARY_CONTACT + " (Signal) — after 18:00")
    coord.get_by_role("button", name="Mark as received").click()
    received = re.compile(r"^Received by a coordinator on \w{3} \d{1,2}, \d{4}$")
    expect(coord.locator(".received")).to_have_text(received)
    expect(coord.get_by_role("button", name="Mark as received")).to_have_count(0)
    check_screen(coord, problems, "a coordinator's acknowledged report")
    # The need: where contact details go, linked to the incident; the coordinator triages it.
    coord.get_by_role("button", name="Records", exact=True).click()
    expect(coord.locator(".record-item")).to_have_count(2)  # the acknowledgement is no list entry
    coord.locator(".record-item").filter(has_text="Legal aid").click()
    expect(coord.locator(".row").filter(has_text="Preferred channel")).to_contain_text("Signal")
    linked = coord.locator(".row").filter(has_text="Linked incident")
    expect(linked).to_contain_text("Bank or payment refused")
    coord.get_by_role("button", name="Edit").click()
    coord.get_by_label("Status *", exact=True).select_option(label="Triaged")
    coord.get_by_role("button", name="Save").click()
    coord.get_by_role("button", name="Edit").wait_for()
    wait_all_sent(coord)

    # After a sync the reporter sees both: "received" on its report and the need's new status.
    sync_now(rep)
    rep.get_by_role("button", name="Records", exact=True).click()
    expect(rep.locator(".record-item")).to_have_count(2)
    rep.locator(".record-item").filter(has_text="Bank or payment refused").click()
    expect(rep.locator(".received")).to_have_text(received)
    expect(rep.get_by_text("No coordinator has marked it as received yet.")).to_have_count(0)
    rep.get_by_role("button", name="Records", exact=True).click()
    need = rep.locator(".record-item").filter(has_text="Legal aid")
    expect(need).to_contain_text("Triaged")
    need.click()
    expect(rep.locator(".row").filter(has_text="Status")).to_contain_text("Triaged")
    expect(rep.locator(".received")).to_have_text(received)  # the need goes with its incident
    # The acknowledgement is a record like any other: only ciphertext reached this phone's store.
    assert CANARY_REPORT not in json.dumps(read_store(rep, "records"), ensure_ascii=False)
    assert problems == {}, json.dumps(problems, indent=1)


def test_the_report_fits_360px_at_200_percent_text_in_every_language(make_context, coordinator, server):
    page = make_context(viewport={"width": 360, "height": 740}).new_page()
    join(page, coordinator.create_invite("reporter", base_url=server.url))
    empty = page.get_by_text("Nothing sent yet. To tell us what happened, use “+ Report” below.")
    expect(empty).to_be_visible()
    page.evaluate("document.documentElement.style.fontSize = '200%'")
    problems = {}
    for lang in LANGUAGES:
        m = messages(lang)
        open_tab(page, "settings")
        page.locator(".language select").select_option(lang)
        page.locator(f'html[lang="{lang}"]').wait_for()
        settle(page)
        open_tab(page, "new-report")
        page.get_by_role("heading", name=m["self.title"]).wait_for()
        for details in page.locator("main details").all():
            details.evaluate("(d) => { d.open = true; }")
        page.get_by_label(m["self.help_yes"]).check()
        page.get_by_label(m["self.reach_yes"], exact=True).check()
        page.get_by_role("button", name=m["self.send"]).click()
        expect(page.locator(".error-summary")).to_be_focused()
        settle(page)
        found = page.evaluate(SCREEN_PROBLEMS)
        if horizontal_overflow(page) > 0:
            found.append("the page scrolls sideways")
        if found:
            problems[lang] = found
        page.get_by_role("button", name=m["form.cancel"]).click()
        page.get_by_role("heading", name=m["list.title"]).wait_for()
    assert problems == {}, json.dumps(problems, ensure_ascii=False, indent=1)
