"""An app older than its server (protocol version 3): a pull answered 400 update_required is
shown in words, and the app has its service worker look for the new version at once."""

import json

from playwright.sync_api import expect

from drive import join, sync_runs, wait_offline_ready, wait_sync_run

MESSAGE = "This app is older than the server: it is updating itself."


def test_a_pull_answered_update_required_is_shown_and_the_service_worker_looks_for_the_new_version(
        make_context, coordinator, server):
    ctx = make_context()
    page = ctx.new_page()
    join(page, coordinator.create_invite("volunteer", base_url=server.url))
    wait_offline_ready(page)
    # What the app asks of its service worker is counted; the update itself is the browser's.
    page.evaluate("""() => {
      window.__updates = 0;
      const update = ServiceWorkerRegistration.prototype.update;
      ServiceWorkerRegistration.prototype.update = function () {
        window.__updates += 1; return update.call(this);
      };
    }""")
    pulls = []

    def newer_server(route):
        pulls.append(route.request.headers.get("zapis-protocol"))
        route.fulfill(status=400, content_type="application/json", body=json.dumps(
            {"error": {"code": "update_required", "message": "This app is too old for the server."}}))

    ctx.route("**/api/sync/pull**", newer_server)
    before = sync_runs(page)
    page.locator(".sync-open").click()
    page.get_by_role("heading", name="Sync", exact=True).wait_for()
    page.get_by_role("button", name="Sync now").click()
    wait_sync_run(page, before)
    expect(page.locator(".sync-open")).to_contain_text(MESSAGE)       # the status line on every screen
    expect(page.locator("dd").filter(has_text=MESSAGE)).to_be_visible()  # and the sync screen
    assert pulls and all(p == "3" for p in pulls)   # the app said which pages it reads
    page.wait_for_function("window.__updates >= 1")
    # Once a page: another failed run does not ask again.
    before = sync_runs(page)
    page.get_by_role("button", name="Sync now").click()
    wait_sync_run(page, before)
    assert page.evaluate("window.__updates") == 1
