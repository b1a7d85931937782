"""Browser fixtures: gunicorn on SQLite, Debian's Chromium through Playwright, a coordinator.

Every browser context records every request it makes; a test fails if any left the app's origin.
"""

import os
import re

import pytest
from playwright.sync_api import expect

from client import Client, HTTPTransport
from drive import new_workspace
from servers import GunicornServer

CHROMIUM = os.environ.get("ZAPIS_CHROMIUM", "/usr/bin/chromium")
# An expectation waits for its state as long as any other step does (the contexts' default below),
# not Playwright's 5 s: on a loaded machine a sync (travel mode's, say) takes longer than that. A
# state that never comes still fails.
expect.set_options(timeout=30000)
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--disable-default-apps", "--no-first-run"]


@pytest.fixture(scope="session")
def browser(playwright_api):
    """One Chromium for the whole session (each test gets its own context)."""
    b = playwright_api.chromium.launch(executable_path=CHROMIUM, args=ARGS)
    yield b
    b.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory, sqlite_template):
    """gunicorn serving the app on a SQLite database of its own."""
    import shutil

    folder = tmp_path_factory.mktemp("browser")
    path = str(folder / "zapis.sqlite3")
    shutil.copy(sqlite_template, path)
    with GunicornServer("sqlite:///" + path, folder) as srv:
        srv.db_url = "sqlite:///" + path
        yield srv


@pytest.fixture
def coordinator(server):
    """A root coordinator bootstrapped with the reference client (a new workspace per test)."""
    workspace, token = new_workspace(server.db_url)
    return Client.bootstrap(HTTPTransport(server.url), token, workspace)


class Requests:
    """Every URL a context asked for, and what went wrong in its pages."""

    def __init__(self, origin):
        self.origin = origin
        self.urls = []
        self.errors = []

    def foreign(self):
        return [u for u in self.urls if not (u.startswith(self.origin + "/") or u == self.origin
                                             or re.match(r"^(data|blob|about):", u))]


@pytest.fixture
def make_context(browser, server):
    """Open browser contexts (360 px wide by default); after the test, none made a foreign request."""
    made = []

    def make(**options):
        options.setdefault("viewport", {"width": 360, "height": 740})
        options.setdefault("locale", "en-GB")
        ctx = browser.new_context(**options)
        log = Requests(server.url)
        ctx.on("request", lambda r: log.urls.append(r.url))
        # Uncaught exceptions, and anything the CSP refused (an inline script or style, say).
        ctx.on("weberror", lambda e: log.errors.append(str(e.error)))
        ctx.on("console", lambda m: log.errors.append(m.text) if "Security Policy" in m.text else None)
        ctx.set_default_timeout(30000)
        made.append((ctx, log))
        ctx.requests = log
        return ctx

    yield make
    foreign = [u for _ctx, log in made for u in log.foreign()]
    errors = [e for _ctx, log in made for e in log.errors]
    for ctx, _log in made:
        ctx.close()
    assert foreign == [], "requests left the app's origin: %s" % foreign
    assert errors == [], "errors in the page: %s" % errors
