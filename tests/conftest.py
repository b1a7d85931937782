"""Fixtures: an app on each backend (SQLite and PostgreSQL), clients, and devices.

The `app` fixture is parametrized over both backends, so every API test runs on both. The
PostgreSQL database is made fresh for the session on the local server (ZAPIS_TEST_PG names the
admin URL) and dropped at the end; tables are emptied between tests. Helpers are in support.py.
"""

import os

import pytest
from hypothesis import settings
from sqlalchemy import create_engine, text

from server import create_app
from server.extensions import db
from support import BACKENDS, PG_ADMIN, Workspace, _config, _migrate, database_url

# No per-example deadline: CI machines are shared and slow at times; a property either holds or
# it does not, however long an example takes.
settings.register_profile("zapis", deadline=None)
settings.load_profile("zapis")

@pytest.fixture(scope="session")
def pg_url():
    """A fresh, migrated PostgreSQL database for this test session."""
    name = "zapis_test_%d" % os.getpid()
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text('DROP DATABASE IF EXISTS "%s"' % name))
        conn.execute(text('CREATE DATABASE "%s"' % name))
    url = PG_ADMIN.rsplit("/", 1)[0] + "/" + name
    _migrate(url)
    yield url
    with admin.connect() as conn:
        conn.execute(text('DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % name))
    admin.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    """A migrated SQLite file, copied for each test."""
    path = str(tmp_path_factory.mktemp("sqlite") / "template.sqlite3")
    _migrate("sqlite:///" + path)
    return path


@pytest.fixture(params=BACKENDS)
def backend(request):
    return request.param


@pytest.fixture
def db_url(backend, request, tmp_path):
    return database_url(backend, request, tmp_path)


@pytest.fixture
def app(db_url):
    app = create_app(_config(db_url))
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def make_app(db_url):
    """Build extra apps on the test's database with config on top; all disposed afterwards."""
    made = []

    def make(**extra):
        app = create_app(_config(db_url, **extra))
        made.append(app)
        return app

    yield make
    for app in made:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def workspace(app):
    return Workspace(app)


@pytest.fixture
def live_server(db_url, tmp_path):
    """gunicorn serving the app on the test's database (both backends)."""
    from servers import GunicornServer

    with GunicornServer(db_url, tmp_path) as server:
        yield server




@pytest.fixture(scope="session")
def playwright_api():
    """Playwright, started once for the whole session: a second start in the same thread is
    refused, so the browser tests and the deployment test share this one."""
    sync_api = pytest.importorskip("playwright.sync_api")
    chromium = os.environ.get("ZAPIS_CHROMIUM", "/usr/bin/chromium")
    if not os.path.exists(chromium):
        pytest.fail("Chromium is missing at %s: run scripts/test, which installs it" % chromium)
    with sync_api.sync_playwright() as p:
        yield p
