"""A bad value costs only itself, and a wrong key never locks anyone out (docs/protocol.md,
"Reading robustly"): the reference client against the real API, on SQLite and PostgreSQL.

A poisoned value is a correctly signed write whose ciphertext is random bytes: the server cannot
tell, so it is accepted. A wrong-key wrap is a validly signed wrap of 32 bytes that are not the
record's key. Neither may stop a device reading, exporting or syncing anything else.
"""

import copy
import os

import pytest

from client import Client
from sync.b64 import b64encode
from sync.envelopes import key_commitment, new_record_key, sign_change, wrap_key


def poison(device, record, field="status"):
    """Push a correctly signed write of random bytes to `field` of `record`, as `device`."""
    state = device.replica.records[record]
    from sync.merge import next_write

    field = device.replica.field_of(record, field)
    dot, ctx = next_write(state["fields"].get(field, []), device.replica.device)
    change = sign_change(device.replica.sign_key, {
        "workspace": device.replica.workspace, "record": record, "device": device.replica.device,
        "kc": key_commitment(state["key"]),
        "writes": [{"field": field, "dot": dot, "ctx": ctx, "nonce": b64encode(os.urandom(12)),
                    "ct": b64encode(os.urandom(80))}]})
    device.replica.outbox.append({"change": change})
    assert device.push()["accepted"] == 1


def test_a_poisoned_value_costs_only_itself(workspace, tmp_path):
    volunteer = workspace.enroll("volunteer")
    first = volunteer.save({"kind": "need", "status": "open", "notes": "call after six"})
    second = volunteer.save({"kind": "need", "status": "done"})
    volunteer.push()
    poison(volunteer, first)
    root = workspace.root
    result = root.sync()
    assert result["ok"] and not result["errors"]
    # The poisoned field shows nothing; the record's other fields and the other record are intact.
    view = root.read(first)
    assert view["notes"]["value"] == "call after six"
    assert view["status"]["value"] is None and view["status"]["siblings"] == []
    [bad] = view["status"]["unreadable"]
    assert bad["code"] == "unreadable_value" and bad["device"] == volunteer.replica.device
    assert bad["label"] == "volunteer %s" % volunteer.replica.device[:8]
    assert root.read(second)["status"]["value"] == "done"
    assert root.export() == {first: {"kind": "need", "notes": "call after six"},
                             second: {"kind": "need", "status": "done"}}
    assert [(u["record"], u["field"]) for u in result["unreadable"]] == [(first, "status")]
    # Sync goes on: the cursor moves, the outbox empties, the state file is saved and opens again.
    root.save({"status": "assigned"}, record=second)
    cursor = root.replica.cursor
    again = root.sync()
    assert again["ok"] and root.replica.cursor > cursor and not root.replica.outbox
    path = str(tmp_path / "root.json")
    root.save_state(path, "correct horse battery staple", iterations=600_000)
    reopened = Client.load_state(path, "correct horse battery staple", transport=root.transport)
    assert reopened.export()[second]["status"] == "assigned"
    assert reopened.read(first)["status"]["unreadable"][0]["code"] == "unreadable_value"
    # A later good value over the poisoned one replaces it everywhere.
    volunteer.pull()
    volunteer.save({"status": "open again"}, record=first)
    volunteer.push()
    root.pull()
    assert root.read(first)["status"]["value"] == "open again"
    assert "unreadable" not in root.read(first)["status"]


def test_the_cli_exports_and_saves_its_state_despite_a_poisoned_value(workspace, tmp_path,
                                                                      monkeypatch, capsys):
    from client import cli as client_module

    volunteer = workspace.enroll("volunteer")
    good = volunteer.save({"status": "fine"})
    bad = volunteer.save({"status": "poisoned"})
    volunteer.push()
    poison(volunteer, bad)
    path = str(tmp_path / "state.json")
    monkeypatch.setenv("ZAPIS_PASSPHRASE", "correct horse battery staple")
    root = workspace.root
    root.save_state(path, "correct horse battery staple")
    saved_at = root.replica.cursor
    monkeypatch.setattr("client.core.HTTPTransport", lambda base_url, **_: root.transport)
    assert client_module.main(["--state", path, "sync"]) == 0
    capsys.readouterr()
    assert client_module.main(["--state", path, "export"]) == 0
    out = capsys.readouterr()
    assert '"fine"' in out.out and "poisoned" not in out.out
    assert "an unreadable value from volunteer" in out.err
    reopened = Client.load_state(path, "correct horse battery staple", transport=root.transport)
    # The CLI saved its state after the sync: the cursor moved past the poisoned value.
    assert good in reopened.export() and reopened.replica.cursor > saved_at
    assert reopened.export()[bad] == {}


def wrong_wrap(sender, record, recipient):
    """A validly signed wrap of a key that is not the record's."""
    entry = sender.replica.directory[recipient] if recipient != sender.replica.device else None
    return wrap_key(new_record_key(), sender.replica.workspace, record, sender.replica.device,
                    sender.replica.sign_key,
                    recipient, entry["ecdh_key"])


def rewrap(creator, record, recipient):
    """The creator's wrap of the record's right key for `recipient`, made again."""
    r = creator.replica
    return wrap_key(r.records[record]["key"], r.workspace, record, r.device, r.sign_key,
                    recipient.replica.device,
                    r.directory[recipient.replica.device]["ecdh_key"])


def test_the_server_takes_wraps_only_from_the_creator_or_a_coordinator_and_keeps_each_senders(workspace):
    creator = workspace.enroll("volunteer")
    other = workspace.enroll("volunteer")
    root = workspace.root
    record = creator.save({"status": "open"})
    creator.push()
    other.pull()
    junk = wrong_wrap(other, record, root.replica.device)
    result = workspace.call(other, "POST", "/api/sync/push", {"wraps": [junk], "changes": []})
    assert result["wraps"][0]["code"] == "no_access"
    # Even a device the record was shared with may not wrap its key for others.
    creator.pull()
    creator.grant(record, other.replica.device)
    creator.push()
    result = workspace.call(other, "POST", "/api/sync/push", {"wraps": [junk], "changes": []})
    assert result["wraps"][0]["code"] == "not_author"
    # The creator may send a later wrap for the same recipient: it replaces its own earlier one
    # and is delivered again, so a mistake is never final.
    root.pull()
    creator.pull()
    again = rewrap(creator, record, root)
    result = workspace.call(creator, "POST", "/api/sync/push", {"wraps": [again], "changes": []})
    assert result["wraps"][0]["status"] == "accepted"
    result = workspace.call(creator, "POST", "/api/sync/push", {"wraps": [again], "changes": []})
    assert result["wraps"][0]["status"] == "duplicate"
    page = workspace.call(root, "GET", "/api/sync/pull?cursor=%d" % root.replica.cursor)
    assert [w["sig"] for w in page["wraps"]] == [again["sig"]]


def test_a_wrong_key_wrap_is_a_problem_and_never_locks_the_reader_out(workspace):
    """A hostile server (or an insider with it) slips a validly signed wrap of a wrong key in
    front of the real one; later it withholds the real one. The reader refuses the wrong key as
    `wrong_key`, keeps reading and syncing, and takes the right wrap when it arrives."""
    creator = workspace.enroll("volunteer")
    other = workspace.enroll("volunteer")
    root = workspace.root
    record = creator.save({"status": "open", "notes": "second floor"})
    before = creator.save({"status": "another record"})
    creator.push()
    other.pull()
    junk = wrong_wrap(other, record, root.replica.device)
    held = []

    def swap(page):
        real = [w for w in page["wraps"] if w["record"] == record]
        held.extend(copy.deepcopy(real))
        page["wraps"] = [junk] + [w for w in page["wraps"] if w["record"] != record]
        return page

    from tests.test_hostile_server import HostileTransport

    honest = root.transport
    root.transport = HostileTransport(honest, swap)
    result = root.sync()
    assert result["ok"]
    assert root.read(record) is None  # no right key yet: unreadable, not misread
    assert root.read(before)["status"]["value"] == "another record"
    assert [p["code"] for p in root.replica.problems] == ["wrong_key"]
    # The right wrap, sent later (the creator wraps again), is taken.
    root.transport = honest
    again = rewrap(creator, record, root)
    result = workspace.call(creator, "POST", "/api/sync/push", {"wraps": [again], "changes": []})
    assert result["wraps"][0]["status"] == "accepted"
    assert root.sync()["ok"]
    assert root.read(record)["notes"]["value"] == "second floor"
    assert root.export()[record] == {"status": "open", "notes": "second floor"}


def test_a_wrong_key_arriving_first_does_not_win(workspace):
    """The junk wrap comes first in the page, the right one after it: the right one is used."""
    creator = workspace.enroll("volunteer")
    other = workspace.enroll("volunteer")
    root = workspace.root
    record = creator.save({"status": "open"})
    creator.push()
    other.pull()
    junk = wrong_wrap(other, record, root.replica.device)

    def first(page):
        page["wraps"] = [junk] + page["wraps"]
        return page

    from tests.test_hostile_server import HostileTransport

    root.transport = HostileTransport(root.transport, first)
    assert root.sync()["ok"]
    assert root.read(record)["status"]["value"] == "open"
    assert [p["code"] for p in root.replica.problems] == ["wrong_key"]
    # It writes with the right key: the creator reads the coordinator's edit.
    root.save({"status": "assigned"}, record=record)
    root.push()
    creator.pull()
    assert creator.read(record)["status"]["value"] == "assigned"


def test_a_value_under_a_key_the_reader_does_not_hold_costs_only_itself(workspace):
    """A writer with access commits its change to a key of its own: that value is unreadable to
    everyone else, and nothing else of the record is."""
    creator = workspace.enroll("volunteer")
    root = workspace.root
    record = creator.save({"status": "open", "notes": "kept"})
    creator.push()
    state = creator.replica.records[record]
    own = new_record_key()
    from sync.envelopes import encrypt_value
    from sync.merge import next_write

    status = creator.replica.field_of(record, "status")
    dot, ctx = next_write(state["fields"][status], creator.replica.device)
    nonce, ct = encrypt_value(own, workspace.id, record, status, "status", dot, "under another key", 1)
    change = sign_change(creator.replica.sign_key, {
        "workspace": workspace.id, "record": record, "device": creator.replica.device,
        "kc": key_commitment(own),
        "writes": [{"field": status, "dot": dot, "ctx": ctx, "nonce": nonce, "ct": ct}]})
    creator.replica.outbox.append({"change": change})
    creator.push()
    root.pull()
    view = root.read(record)
    assert view["notes"]["value"] == "kept"
    # No readable value names the field: the root names it because `status` is a field of the
    # registry's kinds (one it knows of no other name would show as its id).
    assert status not in view
    assert view["status"]["value"] is None
    assert view["status"]["unreadable"][0]["code"] == "unreadable_value"


def test_a_change_with_one_equivocating_write_applies_the_others(workspace):
    from tests.test_hostile_server import HostileTransport

    creator = workspace.enroll("volunteer")
    root = workspace.root
    record = creator.save({"status": "open"})
    creator.push()
    root.pull()
    state = creator.replica.records[record]
    status, notes = (creator.replica.field_of(record, f) for f in ("status", "notes"))
    live = state["fields"][status][0]
    from sync.envelopes import encrypt_value

    nonce, ct = encrypt_value(state["key"], workspace.id, record, status, "status", live["dot"], "twin", 1)
    n2, c2 = encrypt_value(state["key"], workspace.id, record, notes, "notes",
                           [creator.replica.device, 1], "new", 1)
    twin = sign_change(creator.replica.sign_key, {
        "workspace": workspace.id, "record": record, "device": creator.replica.device,
        "kc": key_commitment(state["key"]),
        "writes": sorted([{"field": notes, "dot": [creator.replica.device, 1], "ctx": {},
                           "nonce": n2, "ct": c2},
                          {"field": status, "dot": live["dot"], "ctx": live["ctx"],
                           "nonce": nonce, "ct": ct}],
                         key=lambda w: w["field"])})

    def add(page):  # the server would refuse it, so a hostile one delivers it
        page["changes"].append(twin)
        return page

    root.transport = HostileTransport(root.transport, add)
    root.pull()
    view = root.read(record)
    assert view["status"]["value"] == "open" and view["notes"]["value"] == "new"
    assert [p["code"] for p in root.replica.problems] == ["equivocation"]


@pytest.mark.parametrize("field", ["status"])
def test_reading_never_raises_for_a_poisoned_value_in_conflicts(workspace, field):
    volunteer = workspace.enroll("volunteer")
    record = volunteer.save({field: "open"})
    volunteer.push()
    poison(volunteer, record, field)
    root = workspace.root
    root.pull()
    assert root.replica.conflicts() == []
