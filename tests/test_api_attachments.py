"""Attachment chunks on the server: idempotent resumable upload, access as for the record,
sizes and quota answered 4xx while records beside them still sync, purge, no-store downloads."""

import hashlib
import json
import os
import uuid

import pytest
from sqlalchemy import func, select

from client import APIError, attachments as ac
from support import Workspace
from sync.attachments import THUMB, seal


def rows(app, **where):
    from server.extensions import db
    from server.models import AttachmentChunk

    with app.app_context():
        q = select(func.count()).select_from(AttachmentChunk)
        for k, v in where.items():
            q = q.where(getattr(AttachmentChunk, k) == v)
        return db.session.execute(q).scalar()


def put(ws, device, record, att, index, count, blob, token=None, size=None):
    path = "/api/records/%s/attachments/%s/chunks/%d" % (record, att, index)
    params = {"count": count, "size": size if size is not None else count * 400}
    return ws.transport.request_bytes("PUT", path, blob, token=token or device.token, params=params)


def error_code(body):
    return json.loads(body)["error"]["code"]


def test_an_attachment_travels_to_a_coordinator_who_decrypts_it(workspace, app):
    v = workspace.enroll("volunteer")
    record = v.save({"status": "new"})
    data = os.urandom(700_000)
    entry = ac.attach(v, record, data, "letter.pdf", "application/pdf", thumb=("image/jpeg", b"tiny jpeg"),
                      chunk_size=256 * 1024)
    assert entry["chunks"] == 3
    assert rows(app, record_id=record) == 4
    root = workspace.root
    root.sync()
    assert ac.listing(root, record) == [{"id": entry["id"], "name": "letter.pdf", "type": "application/pdf",
                                         "size": 700_000}]
    got, _ = ac.fetch(root, record, entry["id"])
    assert hashlib.sha256(got).digest() == hashlib.sha256(data).digest()
    assert ac.thumbnail(root, record, ac.listed(root, record)[0]) == b"tiny jpeg"
    exported = root.export()[record]["attachments"]
    assert exported == [{"id": entry["id"], "name": "letter.pdf", "type": "application/pdf", "size": 700_000}]
    assert entry["key"] not in repr(root.export())
    response = workspace.transport.client.get(
        "/api/records/%s/attachments/%s/chunks/0" % (record, entry["id"]),
                                              headers={"Authorization": "Bearer " + root.token})
    assert response.headers["Cache-Control"] == "no-store"
    assert response.mimetype == "application/octet-stream"
    assert data[:1000] not in response.get_data()


def test_a_chunk_sent_again_is_a_duplicate_and_stored_once(workspace, app):
    v = workspace.enroll("volunteer")
    record = v.save({"status": "new"})
    v.push()
    entry, blobs = seal(workspace.id, record, "a.bin", "application/octet-stream", os.urandom(1000),
                        chunk_size=400)
    assert put(workspace, v, record, entry["id"], 1, 3, blobs[1])[0] == 200
    status, body = put(workspace, v, record, entry["id"], 1, 3, blobs[1])
    assert status == 200 and b"duplicate" in body
    assert rows(app, attachment_id=entry["id"]) == 1
    listed = workspace.call(v, "GET", "/api/records/%s/attachments/%s/chunks" % (record, entry["id"]))
    assert listed == {"count": 3, "have": [1]}
    # The upload resumes: only what is missing is sent.
    sent = []
    ac.upload(v, record, entry["id"], {"count": 3, "size": 1200, "blobs": blobs}, on_chunk=sent.append)
    assert sent == [0, 2]
    assert rows(app, attachment_id=entry["id"]) == 3
    # Other bytes for a held chunk, or another count, are refused.
    status, body = put(workspace, v, record, entry["id"], 1, 3, blobs[0])
    assert (status, error_code(body)) == (409, "chunk_conflict")
    other, other_blobs = seal(workspace.id, record, "b", "text/plain", b"x" * 10, chunk_size=4)
    assert put(workspace, v, record, other["id"], 0, 3, other_blobs[0])[0] == 200
    status, body = put(workspace, v, record, other["id"], 1, 3, other_blobs[1], size=7)
    assert (status, error_code(body)) == (409, "chunk_conflict")
    status, body = put(workspace, v, record, other["id"], 1, 4, other_blobs[1])
    assert (status, error_code(body)) == (409, "chunk_conflict")


def test_access_is_the_records(workspace, app):
    v = workspace.enroll("volunteer")
    stranger = workspace.enroll("volunteer")
    record = v.save({"status": "new"})
    entry = ac.attach(v, record, b"secret evidence", "e.txt", "text/plain")
    path = "/api/records/%s/attachments/%s/chunks" % (record, entry["id"])
    for method, suffix in [("GET", ""), ("GET", "/0")]:
        status, body = workspace.transport.request_bytes(method, path + suffix, None, token=stranger.token)
        assert (status, error_code(body)) == (403, "no_access")
    status, body = put(workspace, stranger, record, entry["id"], 1, 1, b"x" * 40)
    assert status == 400
    status, body = put(workspace, stranger, record, "A" * 22, 0, 1, b"x" * 40)
    assert (status, error_code(body)) == (403, "no_access")
    status, body = put(workspace, v, str(uuid.uuid4()), "A" * 22, 0, 1, b"x" * 40)
    assert (status, error_code(body)) == (404, "record_unknown")
    v.sync()
    v.grant(record, stranger.replica.device)
    v.push()
    stranger.sync()
    assert ac.fetch(stranger, record, entry["id"])[0] == b"secret evidence"


@pytest.mark.parametrize("path, status", [
    ("/api/records/not-a-uuid/attachments/%s/chunks/0?size=5&count=1" % ("A" * 22), 400),
    ("/api/records/%s/attachments/short/chunks/0?count=1" % uuid.uuid4(), 400),
    ("/api/records/%s/attachments/%s/chunks/0?size=5&count=0" % (uuid.uuid4(), "A" * 22), 400),
    ("/api/records/%s/attachments/%s/chunks/0" % (uuid.uuid4(), "A" * 22), 400),
    ("/api/records/%s/attachments/%s/chunks/x?size=5&count=1" % (uuid.uuid4(), "A" * 22), 400),
    ("/api/records/%s/attachments/%s/chunks/-2?size=5&count=1" % (uuid.uuid4(), "A" * 22), 400),
    ("/api/records/%s/attachments/%s/chunks/1.5?size=5&count=1" % (uuid.uuid4(), "A" * 22), 400),
])
def test_bad_addresses_are_refused_with_a_message(workspace, path, status):
    response = workspace.transport.client.put(path, data=b"x" * 40, content_type="application/octet-stream",
                                              headers={"Authorization": "Bearer " + workspace.root.token})
    assert response.status_code == status
    assert response.get_json()["error"]["message"]


def test_a_chunk_must_be_raw_bytes_of_a_sane_size(workspace):
    record = workspace.root.save({"status": "x"})
    workspace.root.push()
    c = workspace.transport.client
    auth = {"Authorization": "Bearer " + workspace.root.token}
    url = "/api/records/%s/attachments/%s/chunks/0?count=1&size=9" % (record, "A" * 22)
    assert c.put(url, json={"a": 1}, headers=auth).status_code == 415
    short = c.put(url, data=b"x" * 10, content_type="application/octet-stream", headers=auth)
    assert short.status_code == 400
    big = c.put(url, data=b"x" * (1024 * 1024 + 29), content_type="application/octet-stream", headers=auth)
    assert (big.status_code, big.get_json()["error"]["code"]) == (413, "chunk_too_large")
    thumb = c.put(url.replace("/0?", "/-1?"), data=b"x" * (64 * 1024 + 29),
                  content_type="application/octet-stream", headers=auth)
    assert (thumb.status_code, thumb.get_json()["error"]["code"]) == (413, "chunk_too_large")
    huge = c.put(url.replace("size=9", "size=%d" % (26 * 1024 * 1024)), data=b"x" * 40,
                 content_type="application/octet-stream", headers=auth)
    assert (huge.status_code, huge.get_json()["error"]["code"]) == (413, "attachment_too_large")


def test_size_and_quota_are_answered_4xx_and_records_beside_them_still_sync(make_app):
    app = make_app(ZAPIS_ATTACHMENT_MAX_MB=1, ZAPIS_ATTACHMENT_QUOTA_MB=2)
    ws = Workspace(app)
    v = ws.enroll("volunteer")
    record = v.save({"status": "new"})
    with pytest.raises(APIError) as err:
        ac.attach(v, record, os.urandom(1_200_000), "big.bin", "application/octet-stream")
    assert err.value.status == 413 and err.value.code == "attachment_too_large" and err.value.message
    ac.attach(v, record, os.urandom(900_000), "one.bin", "application/octet-stream")
    ac.attach(v, record, os.urandom(900_000), "two.bin", "application/octet-stream")
    with pytest.raises(APIError) as err:
        ac.attach(v, record, os.urandom(900_000), "three.bin", "application/octet-stream")
    assert err.value.status == 413 and err.value.code == "attachment_quota" and "full" in err.value.message
    other = v.save({"status": "written after the quota was full"})
    v.sync()
    ws.root.sync()
    assert ws.root.read(other)["status"]["value"] == "written after the quota was full"
    assert [e["name"] for e in ac.listing(ws.root, record)] == ["big.bin", "one.bin", "two.bin", "three.bin"]


def test_purge_erases_the_chunks_and_closes_the_record(workspace, app):
    v = workspace.enroll("volunteer")
    record = v.save({"status": "new"})
    entry = ac.attach(v, record, b"evidence" * 100, "e.txt", "text/plain", thumb=("image/jpeg", b"t"))
    workspace.root.sync()
    workspace.root.purge(record)
    assert rows(app, record_id=record) == 0
    status, body = put(workspace, v, record, entry["id"], 0, 1, b"x" * 40)
    assert (status, error_code(body)) == (410, "record_purged")


def test_remove_erases_one_attachment_and_keeps_the_other(workspace, app):
    v = workspace.enroll("volunteer")
    record = v.save({"status": "new"})
    keep = ac.attach(v, record, b"keep me", "k.txt", "text/plain")
    drop = ac.attach(v, record, b"drop me", "d.txt", "text/plain")
    ac.remove(v, record, drop["id"])
    assert rows(app, attachment_id=drop["id"]) == 0 and rows(app, attachment_id=keep["id"]) == 1
    workspace.root.sync()
    assert [e["id"] for e in ac.listed(workspace.root, record)] == [keep["id"]]


def test_the_push_only_token_may_upload_and_list_but_not_read(workspace):
    from test_api_push_token import enroll_raw

    replica, session = enroll_raw(workspace)
    c = workspace.transport.client
    replica.trusted = {}
    record = replica.save({"status": "saved while locked"})
    body, _ = replica.push_batch()
    push_only = {"Authorization": "Bearer " + session["push_token"]}
    assert c.post("/api/sync/push", json=body, headers=push_only).status_code == 200
    entry, blobs = seal(workspace.id, record, "p.jpg", "image/jpeg", b"\xff\xd8 photo", thumb=None)
    status, _ = put(workspace, None, record, entry["id"], 0, 1, blobs[0], token=session["push_token"])
    assert status == 200
    path = "/api/records/%s/attachments/%s/chunks" % (record, entry["id"])
    status, body = workspace.transport.request_bytes("GET", path, None, token=session["push_token"])
    assert status == 200 and b'"have":[0]' in body.replace(b" ", b"")  # it may see what is held, to resume
    status, body = workspace.transport.request_bytes("GET", path + "/%d" % THUMB, None,
                                                     token=session["push_token"])
    assert (status, error_code(body)) == (403, "push_only_token")  # but never read a chunk back


def test_the_openapi_document_lists_the_attachment_calls(client):
    paths = client.get("/api/openapi.json").get_json()["paths"]
    chunk = paths["/api/records/{record_id}/attachments/{attachment_id}/chunks/{index}"]
    assert {"put", "get"} <= set(chunk)
    assert "413" in chunk["put"]["responses"]
    assert "application/octet-stream" in chunk["put"]["requestBody"]["content"]


def cli_record(live_server, db_url, tmp_path, monkeypatch, capsys):
    """A workspace set up through the command line with one record saved: (cli, state file, record)."""
    from client import cli
    from support import new_workspace_on

    if db_url.startswith("postgresql"):
        pytest.skip("the command line is the same on both backends")
    monkeypatch.setattr(cli, "_passphrase", lambda confirm=False: "correct horse battery staple")
    ws, token = new_workspace_on(db_url)
    state = str(tmp_path / "state")
    assert cli.main(["--state", state, "setup", "%s/setup#t=%s&w=%s" % (live_server.url, token, ws)]) == 0
    assert cli.main(["--state", state, "save", '{"kind": "incident", "description": "x"}']) == 0
    return cli, state, capsys.readouterr().out.strip().splitlines()[-1]


def test_the_command_line_attaches_lists_and_fetches(live_server, db_url, tmp_path, monkeypatch, capsys):
    cli, state, record = cli_record(live_server, db_url, tmp_path, monkeypatch, capsys)
    evidence = tmp_path / "letter.pdf"
    evidence.write_bytes(b"%PDF-1.4 " + os.urandom(5000))
    assert cli.main(["--state", state, "attach", record, str(evidence)]) == 0
    att = capsys.readouterr().out.strip().splitlines()[-1]
    assert cli.main(["--state", state, "attachments", record]) == 0
    listed = capsys.readouterr().out
    assert '"name": "letter.pdf"' in listed and '"type": "application/pdf"' in listed
    assert '"key"' not in listed
    out = tmp_path / "out.pdf"
    assert cli.main(["--state", state, "fetch-attachment", record, att, "--out", str(out)]) == 0
    assert out.read_bytes() == evidence.read_bytes()


def test_an_attachment_cut_off_on_the_command_line_is_finished_by_the_next_sync(live_server, db_url, tmp_path,
                                                                               monkeypatch, capsys):
    from client.transport import HTTPTransport, TransportError

    cli, state, record = cli_record(live_server, db_url, tmp_path, monkeypatch, capsys)
    evidence = tmp_path / "letter.pdf"
    evidence.write_bytes(b"%PDF-1.4 " + os.urandom(700_000))   # three chunks
    real = HTTPTransport.request_bytes
    puts = []

    def cut_at_the_second_chunk(self, method, path, data, token=None, params=None):
        if method == "PUT":
            puts.append(path)
            if len(puts) == 2:
                raise TransportError("no answer from the server; nothing was lost, try again")
        return real(self, method, path, data, token=token, params=params)

    monkeypatch.setattr(HTTPTransport, "request_bytes", cut_at_the_second_chunk)
    assert cli.main(["--state", state, "attach", record, str(evidence)]) == 1
    assert "upload stopped part way: `sync` sends the rest" in capsys.readouterr().err
    with open(state) as f:
        [(att, waiting)] = json.load(f)["uploads"].items()
    assert waiting["record"] == record and sorted(waiting["blobs"]) == ["0", "1", "2"]
    assert cli.main(["--state", state, "sync"]) == 0
    assert json.loads(capsys.readouterr().out)["uploaded"] == 1
    # The sync asked which chunks the server held and sent the other two, each once.
    assert len(puts) == 4 and len(set(puts)) == 3
    with open(state) as f:
        assert json.load(f)["uploads"] == {}
    out = tmp_path / "out.pdf"
    assert cli.main(["--state", state, "fetch-attachment", record, att, "--out", str(out)]) == 0
    assert out.read_bytes() == evidence.read_bytes()


def test_an_attachment_the_server_refuses_waits_and_records_still_sync(workspace, app):
    v = workspace.enroll("volunteer")
    record = v.save({"status": "new"})
    entry, blobs = seal(workspace.id, record, "huge.bin", "application/octet-stream", os.urandom(1000),
                        chunk_size=400)
    # Announced as far larger than the server takes: every chunk of it is refused, 413.
    v.replica.uploads[entry["id"]] = {"record": record, "count": 3, "size": 100 * 1024 * 1024, "blobs": blobs}
    cursor = v.replica.cursor
    result = v.sync()
    assert [e["code"] for e in result["errors"]] == ["attachment_too_large"] and not result["ok"]
    assert result["pushed"]["accepted"] > 0 and v.replica.cursor > cursor   # the pull ran too
    assert entry["id"] in v.replica.uploads and rows(app, record_id=record) == 0
    ac.remove(v, record, entry["id"])   # given up: nothing waits any more, and syncs are clean again
    assert v.replica.uploads == {} and v.sync()["ok"]


def test_a_purge_erases_the_chunk_bytes_from_every_sqlite_file(workspace, db_url):
    if not db_url.startswith("sqlite"):
        pytest.skip("PostgreSQL: the purge VACUUMs attachment_chunks (docs/server.md, Erased bytes)")
    v = workspace.enroll("volunteer")
    gone = v.save({"status": "to be purged"})
    kept = v.save({"status": "kept"})
    purged_entry = ac.attach(v, gone, os.urandom(3000), "a.bin", "application/octet-stream")
    kept_entry = ac.attach(v, kept, os.urandom(3000), "b.bin", "application/octet-stream")
    blobs = {name: ac.chunk(v, record, entry["id"], 0)
             for name, record, entry in [("purged", gone, purged_entry), ("kept", kept, kept_entry)]}
    workspace.root.sync()
    workspace.root.purge(gone)
    path = db_url[len("sqlite:///"):]
    files = b""
    for name in (path, path + "-wal", path + "-shm"):
        if os.path.exists(name):
            with open(name, "rb") as f:
                files += f.read()
    assert blobs["kept"][12:200] in files      # the scan's control: a live chunk is found
    assert blobs["purged"][12:200] not in files
