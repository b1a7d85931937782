"""The server never sees plaintext: canaries in every field, synced over real gunicorn."""

import json
import secrets
import subprocess

from sqlalchemy import create_engine, text

from client import Client, HTTPTransport
from support import TABLES, new_workspace_on


def dump_database(db_url):
    """Every row of every table as text."""
    engine = create_engine(db_url)
    rows = []
    with engine.connect() as conn:
        for table in TABLES + ["alembic_version"]:
            rows += [repr(tuple(r)) for r in conn.execute(text("SELECT * FROM %s" % table))]
    engine.dispose()
    return "\n".join(rows)


class RecordingTransport(HTTPTransport):
    """Keeps every response body the server sent, to be searched afterwards."""

    def __init__(self, base_url, bodies):
        super().__init__(base_url)
        self.bodies = bodies

    def request(self, method, path, body=None, token=None, params=None):
        status, data = super().request(method, path, body, token, params)
        self.bodies.append(json.dumps(data, ensure_ascii=False))
        return status, data


def test_canaries_in_every_field_reach_no_table_no_log_and_no_response(live_server, db_url,
                                                                       backend, tmp_path):
    ws, token = new_workspace_on(db_url)
    responses = []
    root = Client.bootstrap(RecordingTransport(live_server.url, responses), token, ws)
    link = root.create_invite("volunteer", base_url=live_server.url)
    volunteer = Client.enroll_link(link, RecordingTransport(live_server.url, responses))
    root.certify(volunteer.replica.device)
    volunteer.pull()

    canaries = {}
    for field in ("category", "what_happened", "contact", "name", "city", "people", "tags"):
        canaries[field] = "CANARY-%s-%s" % (field, secrets.token_hex(8))
    record = volunteer.save(dict(canaries))
    volunteer.save({"what_happened": canaries["what_happened"] + "-edited"}, record=record)
    assert volunteer.sync()["ok"]
    other = root.save({"contact": "CANARY-root-" + secrets.token_hex(8)})
    root.grant(other, volunteer.replica.device)
    assert root.sync()["ok"]
    assert volunteer.sync()["ok"]

    # The coordinator reads the volunteer's record: the canaries did travel, encrypted.
    assert root.read(record)["contact"]["value"] == canaries["contact"]
    assert volunteer.read(other) is not None

    state = tmp_path / "volunteer.json"
    volunteer.save_state(str(state), "correct horse battery staple")
    live_server.stop()  # flush the logs
    haystacks = {"database": dump_database(db_url), "logs": live_server.logs(),
                 "state file": state.read_text(), "responses": "\n".join(responses)}
    assert len(responses) > 10
    if backend == "postgresql":
        name = db_url.rsplit("/", 1)[1]
        haystacks["pg_dump"] = subprocess.run(["pg_dump", "-h", "127.0.0.1", "-U", "postgres", name],
                                              capture_output=True, text=True, check=True).stdout
    assert "push" in haystacks["logs"]  # the access log was written and is being searched
    for where, haystack in haystacks.items():
        for canary in list(canaries.values()) + ["CANARY"]:
            assert canary not in haystack, "%s found in the %s" % (canary, where)
    with open(live_server.access_log) as f:
        access = f.read()
    assert access.count("/api/sync/push") >= 2
    assert "127.0.0.1" not in access and "python-requests" not in access, "client address or agent logged"
