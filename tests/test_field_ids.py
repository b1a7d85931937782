"""Opaque field ids (protocol 3) over the real API, on SQLite and PostgreSQL: no field name of a
new record reaches the server's database, incidents and needs look alike there, and a legacy record
(names in plaintext, made before protocol 3) is still read and edited in its own form."""

import json
import os
import subprocess
import uuid

import pytest
from sqlalchemy import create_engine, text

from support import coordinator_and_volunteer
from sync import dense
from sync.envelopes import encrypt_field, key_commitment, new_record_key, sign_change
from sync.field_ids import FIRST_CHANGE_WRITES, is_id

# Field names no other text in the database could contain: if one shows, a name leaked.
NAMES = ["zqcanary_city", "zqcanary_contact", "zqcanary_description", "zqcanary_status"]
INCIDENT = ["kind", "category", "date", "country", "city", "place", "description", "perpetrator",
            "affected", "age_group", "gender", "consent", "contact", "evidence", "evidence_links",
            "reported_to", "outcome", "tags"]
NEED = ["kind", "category", "urgency", "country", "city", "adults", "children", "description", "languages",
        "contact", "channel", "safe_times", "status", "follow_up", "incident"]


def stored(db_url):
    """(every field of every stored write and live set, the database's bytes as text)."""
    from server.store import logical_writes

    engine = create_engine(db_url)
    fields = []
    with engine.connect() as conn:
        for device, writes in conn.execute(text("SELECT device_id, writes FROM changes")):
            fields += [w["field"] for w in logical_writes(writes, device)]
        for (state,) in conn.execute(text("SELECT state FROM records WHERE state IS NOT NULL")):
            fields += list(json.loads(state))     # {field: [live set, highest dots]}
    engine.dispose()
    if db_url.startswith("sqlite:///"):
        path = db_url[len("sqlite:///"):]
        raw = b""
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(path + suffix):
                with open(path + suffix, "rb") as f:
                    raw += f.read()
        dump = raw.decode("latin-1")
    else:
        dump = subprocess.run(["pg_dump", "-h", "127.0.0.1", "-U", "postgres", db_url.rsplit("/", 1)[1]],
                              capture_output=True, text=True, check=True).stdout
    return fields, dump


def pulled_first_changes(client):
    """{record: its first change as the server serves it}, from a fresh pull."""
    from client import check

    page = dense.decode_page(check(*client.transport.request("GET", "/api/sync/pull", None, client.token,
                                                              {"cursor": 0})))
    first = {}
    for change in page["changes"]:
        first.setdefault(change["record"], change)
    return first


def test_no_field_name_of_a_new_record_reaches_the_server(live_server, db_url):
    root, volunteer = coordinator_and_volunteer(live_server.url, db_url)
    record = volunteer.save({name: "value of %s" % name for name in NAMES})
    volunteer.save({"zqcanary_status": "edited"}, record=record)
    volunteer.delete(record)                       # `_deleted` is a field like the others
    assert volunteer.sync()["ok"]
    assert root.sync()["ok"]
    view = root.read(record)
    assert view["zqcanary_status"]["value"] == "edited" and view["_deleted"]["value"] is True
    fields, dump = stored(db_url)
    assert len(fields) >= FIRST_CHANGE_WRITES and all(is_id(f) for f in fields)
    for name in NAMES + ["_deleted", "_pad_1", "zqcanary"]:
        assert name not in fields and name not in dump, "%s reached the database" % name
    assert "zqcanary" not in json.dumps(pulled_first_changes(root))


def test_an_incident_and_a_need_look_alike_to_the_server(live_server, db_url):
    root, volunteer = coordinator_and_volunteer(live_server.url, db_url)
    incident = volunteer.save({f: ("incident" if f == "kind" else "x") for f in INCIDENT})
    need = volunteer.save({f: ("need" if f == "kind" else "x") for f in NEED})
    sparse = volunteer.save({"kind": "need", "category": "legal"})
    assert volunteer.sync()["ok"]
    first = pulled_first_changes(root)
    changes = [first[r] for r in (incident, need, sparse)]
    # As many writes, each the same size, in every first change, whatever the kind.
    assert [len(c["writes"]) for c in changes] == [FIRST_CHANGE_WRITES] * 3
    assert len({tuple(sorted(len(w["ct"]) for w in c["writes"])) for c in changes}) == 1
    # Field ids of their own: no id in common between records, not even `kind` or `category`.
    ids = [{w["field"] for w in c["writes"]} for c in changes]
    assert not (ids[0] & ids[1]) and not (ids[0] & ids[2]) and not (ids[1] & ids[2])
    assert all(is_id(f) for s in ids for f in s)
    assert root.sync()["ok"]
    assert root.read(incident)["kind"]["value"] == "incident" and root.read(need)["kind"]["value"] == "need"


def legacy_record(client, values):
    """A record as a protocol-2 client made it: names on the wire, values {t, v} under zapis/field/1,
    its key wrapped for the client and every coordinator it trusts. Returns the record id."""
    r = client.replica
    record = str(uuid.uuid4())
    state = r._record(record)
    state["key"] = new_record_key()
    for recipient in [r.device] + [c for c in r._coordinators() if c != r.device]:
        r._queue_wrap(record, state["key"], recipient)
    dot = [r.device, 1]
    writes = [dict(field=f, dot=dot, ctx={}, **dict(zip(("nonce", "ct"), encrypt_field(
        state["key"], r.workspace, record, f, dot, v, 5)))) for f, v in sorted(values.items())]
    change = sign_change(r.sign_key, {"workspace": r.workspace, "record": record, "device": r.device,
                                      "kc": key_commitment(state["key"]), "writes": writes})
    r.outbox.append({"change": change})
    return record


def test_a_legacy_record_is_still_read_and_edited_in_its_own_form(live_server, db_url):
    root, volunteer = coordinator_and_volunteer(live_server.url, db_url)
    old = {"kind": "need", "status": "new", "description": "made before field ids"}
    record = legacy_record(volunteer, old)
    assert volunteer.sync()["ok"]          # the server still takes names, on the record they began
    assert root.sync()["ok"]
    assert {f: v["value"] for f, v in root.read(record).items()} == old
    root.save({"status": "met"}, record=record)
    [edit] = [i["change"] for i in root.replica.outbox if "change" in i]
    assert [w["field"] for w in edit["writes"]] == ["status"]       # a name, in the legacy form
    assert root.sync()["ok"] and volunteer.sync()["ok"]
    assert volunteer.read(record)["status"]["value"] == "met"
    assert not volunteer.read(record)["status"]["conflict"]
    assert volunteer.replica.field_of(record, "status") == "status"
    # A new record of the same device travels as ids, beside the legacy one.
    fresh = volunteer.save({"status": "new"})
    assert is_id(volunteer.replica.field_of(fresh, "status"))


@pytest.mark.parametrize("field, ok", [
    ("MzOHlZjYt7QP8Bj1ZniwOA", True), ("-_" * 11, True), ("A" * 22, True),      # ids
    ("status", True), ("_deleted", True), ("z" * 40, True), ("a" * 22, True),   # names (legacy records)
    ("A" * 21, False), ("A" * 23, False), ("MzOHlZjYt7QP8Bj1ZniwOA\n", False), ("status\n", False),
    ("Status", False), ("9lives", False), ("z" * 41, False), ("A" * 22 + "=", False), ("", False),
])
def test_the_server_takes_a_field_id_or_a_name_as_a_whole_string(field, ok):
    from marshmallow import ValidationError

    from server.schemas import CHANGE_SCHEMA, load_change

    change = {"workspace": str(uuid.uuid4()), "record": str(uuid.uuid4()), "device": "D" * 22, "kc": "A" * 43,
              "sig": "A" * 86, "writes": [{"field": field, "dot": ["D" * 22, 1], "ctx": {}, "nonce": "N" * 16,
                                           "ct": "C" * 32}]}
    for load in (load_change, CHANGE_SCHEMA.load):   # the fast path and the schema agree
        if ok:
            assert load(json.loads(json.dumps(change)))["writes"][0]["field"] == field
        else:
            with pytest.raises(ValidationError):
                load(json.loads(json.dumps(change)))


def test_an_unreadable_field_is_named_when_a_known_name_derives_to_its_id_else_shown_by_its_id(workspace):
    from sync.b64 import b64encode
    from sync.merge import next_write

    volunteer, root = workspace.enroll("volunteer"), workspace.root
    record = volunteer.save({"status": "open", "zq_private": "only this device knows the name"})
    volunteer.push()
    state = volunteer.replica.records[record]
    writes = []
    for name in ("status", "zq_private"):          # random bytes over both values, correctly signed
        field = volunteer.replica.field_of(record, name)
        dot, ctx = next_write(state["fields"][field], volunteer.replica.device)
        writes.append({"field": field, "dot": dot, "ctx": ctx, "nonce": b64encode(os.urandom(12)),
                       "ct": b64encode(os.urandom(80))})
    volunteer.replica.outbox.append({"change": sign_change(volunteer.replica.sign_key, {
        "workspace": workspace.id, "record": record, "device": volunteer.replica.device,
        "kc": key_commitment(state["key"]), "e": 0, "writes": sorted(writes, key=lambda w: w["field"])})})
    assert volunteer.push()["accepted"] == 2
    root.pull()
    view = root.read(record)
    private = volunteer.replica.field_of(record, "zq_private")
    assert view["status"]["unreadable"] and view["status"]["value"] is None   # a registry field: named
    assert view[private]["unreadable"] and "zq_private" not in view           # unknown here: its id
    assert {(u["field"]) for u in root.replica.unreadable()} == {"status", private}
