"""Errors are never silent (issue 11): a server refusal during sync is said to the person in their
language, as an alert, and noted in the diagnostic log without anything of the record or of what
the server said; Settings shows the log and copies it; a sync that works again takes the alert
away. The log lives in the meta store, which every erasure removes (test_forensic, test_pwa)."""

import json

import pytest
from playwright.sync_api import expect

from drive import (
    check_screen,
    enroll_volunteer,
    messages,
    new_need,
    read_store,
    storage_dump,
    sync_now,
    sync_runs,
    wait_sync_run,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CANARY = "Canary-Errors-Need-Slonim-6630"
CANARY_SAID = "Canary-Errors-Server-Said-2291"
EN = messages("en")


def test_a_refused_sync_is_said_in_words_and_logged_without_content(make_context, coordinator, server):
    problems = {}
    ctx, page, _device, _ = enroll_volunteer(make_context, coordinator, server,
                                             permissions=["clipboard-read", "clipboard-write"])

    # The server refuses every push, with words of its own that must go nowhere.
    def refuse(route):
        route.fulfill(status=403, content_type="application/json",
                      body=json.dumps({"error": {"code": "not_certified", "message": CANARY_SAID}}))

    ctx.route("**/api/sync/push", refuse)
    before = sync_runs(page)
    new_need(page, CANARY)
    wait_sync_run(page, before)
    alert = page.get_by_role("alert").filter(has_text=EN["refusal.not_certified"])
    expect(alert).to_be_visible()
    expect(alert).to_have_count(1)
    assert CANARY_SAID not in page.inner_text("body")
    assert len(read_store(page, "outbox")) > 0  # the need waits, nothing lost

    # The log: where, the code, the status; nothing of the record, nothing the server said.
    log = read_store(page, "meta", "diagnostics")
    assert [(e["where"], e["code"], e["status"], e["retryable"]) for e in log] == [
        ("sync/run", "not_certified", 403, False)]
    assert set(log[0]) == {"at", "where", "code", "status", "retryable", "kind", "version"}
    assert log[0]["at"] % 60000 == 0  # to the minute
    dump = storage_dump(page)
    assert CANARY_SAID not in dump
    assert CANARY not in json.dumps(log) and CANARY not in json.dumps(json.loads(dump)["local"])

    # Settings → Diagnostics lists it and copies it.
    page.get_by_role("button", name="Settings", exact=True).click()
    page.get_by_role("heading", name=EN["settings.diagnostics"]).wait_for()
    entries = page.get_by_role("list", name=EN["settings.diagnostics"]).get_by_role("listitem")
    expect(entries).to_have_count(1)
    expect(entries.first).to_contain_text("sync/run not_certified 403 final ZapisError")
    check_screen(page, problems, "settings with diagnostics")
    page.get_by_role("button", name=EN["settings.diagnostics_copy"]).click()
    expect(page.get_by_text(EN["settings.diagnostics_copied"], exact=True)).to_be_visible()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == entries.first.inner_text() and CANARY not in copied

    # The server takes the push again: the next run sends the need, and the alert goes.
    ctx.unroute("**/api/sync/push")
    sync_now(page)
    expect(page.get_by_role("alert").filter(has_text=EN["refusal.not_certified"])).to_have_count(0)
    assert read_store(page, "outbox") == []
    assert [e["code"] for e in read_store(page, "meta", "diagnostics")] == ["not_certified"]
    assert problems == {}, json.dumps(problems, indent=1)
