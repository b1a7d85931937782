"""Helpers shared by the tests: app configuration, databases, the Flask transport for the
reference client, and workspaces. (Fixtures live in conftest.py; helpers live here, since
several conftest modules exist and `import conftest` would be ambiguous.)"""

import os
import shutil

from sqlalchemy import create_engine, text

from client import Client, check
from server import create_app
from server.cli import new_workspace
from server.extensions import db
from sync import dense

PG_ADMIN = os.environ.get("ZAPIS_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
BACKENDS = ["sqlite", "postgresql"]
TABLES = ["attachment_chunks", "changes", "wraps", "records", "devices", "invites", "workspaces"]


def _config(url, **extra):
    return {"SQLALCHEMY_DATABASE_URI": url, "TESTING": True, "RATELIMIT_ENABLED": False, **extra}


def _migrate(url):
    from flask_migrate import upgrade

    app = create_app(_config(url))
    with app.app_context():
        upgrade()
        db.session.remove()
        db.engine.dispose()


def database_url(backend, request, tmp_path):
    """A migrated, empty database of the given backend for one test."""
    if backend == "sqlite":
        path = str(tmp_path / "zapis.sqlite3")
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return "sqlite:///" + path
    url = request.getfixturevalue("pg_url")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE %s" % ", ".join(TABLES)))
    engine.dispose()
    return url


class FlaskTransport:
    """The reference client's transport, over Flask's test client."""

    def __init__(self, test_client):
        self.client = test_client
        self.base_url = "http://localhost"

    def request(self, method, path, body=None, token=None, params=None):
        headers = {"Authorization": "Bearer " + token} if token else {}
        headers[dense.HEADER] = dense.PROTOCOL
        response = self.client.open(path, method=method, json=body, headers=headers, query_string=params)
        return response.status_code, response.get_json()

    def request_bytes(self, method, path, data, token=None, params=None):
        headers = {"Authorization": "Bearer " + token} if token else {}
        response = self.client.open(path, method=method, data=data, headers=headers, query_string=params,
                                    content_type="application/octet-stream" if data is not None else None)
        return response.status_code, response.get_data()


class Workspace:
    """A workspace on the app under test, with helpers to add devices to it."""

    def __init__(self, app):
        self.app = app
        self.transport = FlaskTransport(app.test_client())
        with app.app_context():
            ws, token = new_workspace()
            self.id = ws.id
        self.root = Client.bootstrap(self.transport, token, self.id)

    def enroll(self, role="volunteer", certify=True):
        """A new device in `role`, certified by the root coordinator unless told otherwise."""
        link = self.root.create_invite(role)
        code = link.split("#c=")[1].split("&")[0]
        device = Client.enroll(self.transport, code, self.id, self.root.replica.fingerprint, role)
        if certify:
            self.root.certify(device.replica.device)
            device.pull()
        return device

    def call(self, device, method, path, body=None, expected=(200, 201)):
        """The answer's body; a pull page as the logical page the client reads (sync/dense.py)."""
        body = check(*self.transport.request(method, path, body, device.token), expected)
        return dense.decode_page(body) if path.startswith("/api/sync/pull") else body


def new_workspace_on(db_url):
    """Create a workspace directly in a database; return (workspace id, setup token)."""
    app = create_app(_config(db_url))
    with app.app_context():
        ws, token = new_workspace()
        result = ws.id, token
        db.session.remove()
        db.engine.dispose()
    return result


def coordinator_and_volunteer(base_url, db_url):
    """Over HTTP: a new workspace's root coordinator and a volunteer it has certified."""
    from client import HTTPTransport

    ws, token = new_workspace_on(db_url)
    coordinator = Client.bootstrap(HTTPTransport(base_url), token, ws)
    volunteer = Client.enroll_link(coordinator.create_invite("volunteer", base_url=base_url))
    coordinator.certify(volunteer.replica.device)
    volunteer.pull()
    return coordinator, volunteer


def live_writes(conn_or_session):
    """The live writes the server keeps, as (record, field, device, n) tuples, read from the
    stored changes (a write is live while its change keeps its ciphertext)."""
    from server.store import logical_writes

    out = []
    for record, device, writes in conn_or_session.execute(
            text("SELECT record_id, device_id, writes FROM changes")).all():
        out += [(record, w["field"], w["dot"][0], w["dot"][1]) for w in logical_writes(writes, device)
                if "ct" in w]
    return out
