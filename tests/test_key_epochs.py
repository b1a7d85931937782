"""Key epochs: revoking a device that could read records closes their later edits to its keys.

Over the real API (both backends): a coordinator revokes a device, which starts a new key epoch
for every record the device could read (docs/protocol.md, "Key epochs"). The revoked device's
keys, all of them, are then tried on what is stored: none opens a later edit, while the remaining
readers read it. A hostile server cannot steer the new key to the revoked device, a volunteer
cannot start an epoch, and a rotation cut off halfway resumes from the state file.
"""

import copy

import pytest
from sqlalchemy import text

from client import APIError, Client, TransportError
from server.extensions import db
from sync.envelopes import ProtocolError, key_commitment, new_record_key, open_value, unwrap_keys, wrap_keys


def stored_changes(app, record):
    """(device, e, [(field, dot, nonce, ct)]) of every stored change of a record, as the server keeps it
    (its writes stored in the dense form, read back as objects)."""
    from server.store import logical_writes
    with app.app_context():
        rows = db.session.execute(text("SELECT device_id, e, writes FROM changes WHERE record_id = :r "
                                       "ORDER BY id"), {"r": record}).all()
    return [(d, e, [(w["field"], w["dot"], w["nonce"], w["ct"]) for w in logical_writes(ws, d)
                    if "ct" in w]) for d, e, ws in rows]


def stored_wraps(app, record):
    with app.app_context():
        return db.session.execute(text("SELECT recipient, sender, epoch FROM wraps WHERE record_id = :r"),
                                  {"r": record}).all()


def every_key_of(device, app, workspace_id):
    """Every record key the device holds, and every key any stored wrap addressed to it opens."""
    found = set()
    for state in device.replica.records.values():
        found.update(state.get("keys", {}).values())
        found.update(state.get("chain") or [])
        if state.get("key"):
            found.add(state["key"])
    import json
    with app.app_context():
        rows = db.session.execute(text("SELECT record_id, recipient, sender, epoch, epk, nonce, ct, sig "
                                       "FROM wraps WHERE recipient = :d"), {"d": device.replica.device}).all()
    for r in rows:
        wrap = {"type": "zapis/wrap/1" if r.epoch is None else "zapis/wrap/2", "workspace": workspace_id,
                "record": r.record_id, "recipient": r.recipient, "sender": r.sender, "epk": r.epk,
                "nonce": r.nonce, "ct": r.ct, "sig": r.sig}
        if r.epoch is not None:
            wrap["epoch"] = r.epoch
        found.update(unwrap_keys(wrap, device.replica.ecdh_key))
    assert json  # noqa
    return found


def opens(key, fid_key, workspace_id, record, field, dot, nonce, ct, epoch):
    """Whether `key` opens a value, in its own form (field ids derive from the record's k0: `fid_key`)."""
    try:
        open_value(key, fid_key, workspace_id, record, field, dot, nonce, ct, epoch)
        return True
    except ProtocolError:
        return False


def test_an_edit_after_revocation_is_unreadable_with_every_key_the_revoked_device_held(workspace):
    root = workspace.root
    second = workspace.enroll("coordinator")
    leaving = workspace.enroll("volunteer")
    staying = workspace.enroll("volunteer")
    record = leaving.save({"status": "new", "contact": "+375 29 000 00 00"})
    leaving.push()
    root.pull()
    root.grant(record, staying.replica.device)
    root.push()
    staying.pull()
    assert staying.read(record)["contact"]["value"] == "+375 29 000 00 00"
    held = every_key_of(leaving, workspace.app, workspace.id)
    assert held

    root.revoke(leaving.replica.device)
    assert root.replica.rotating == set() and root.replica.rotated == 1
    # The new key list went to every remaining reader, and to nobody revoked.
    epochs = {(to, by): e for to, by, e in stored_wraps(workspace.app, record) if e}
    assert set(epochs) == {(d, root.replica.device) for d in
                           (root.replica.device, second.replica.device, staying.replica.device)}
    assert set(epochs.values()) == {1}

    staying.pull()
    staying.save({"contact": "+375 29 111 11 11"}, record=record)
    staying.push()
    change = next(c for c in staying.replica.outbox if "change" in c) if staying.replica.outbox else None
    assert change is None  # pushed
    device, e, writes = stored_changes(workspace.app, record)[-1]
    assert device == staying.replica.device and e == 1
    (field, dot, nonce, ct), = writes
    # The revoked device's keys, every one of them, open nothing of the later edit ...
    held |= every_key_of(leaving, workspace.app, workspace.id)
    fid_key = staying.replica.field_id_key(record)
    assert opens(staying.replica.chain(record)[-1], fid_key, workspace.id, record, field, dot, nonce, ct, e)
    assert not any(opens(k, fid_key, workspace.id, record, field, dot, nonce, ct, e) for k in held)
    # ... which every remaining reader reads.
    for reader in (root, second, staying):
        reader.pull()
        assert reader.read(record)["contact"]["value"] == "+375 29 111 11 11"
    # An edit by the coordinator is at the new epoch too.
    second.save({"status": "closed"}, record=record)
    assert second.replica.outbox[-1]["change"]["e"] == 1
    assert second.replica.outbox[-1]["change"]["kc"] == key_commitment(second.replica.chain(record)[-1])
    second.push()
    # A coordinator certified later gets the whole list by the re-wrap, from a fresh pull in which
    # no change commits to k0 any more (every epoch-0 value was covered), and reads and writes.
    late = workspace.enroll("coordinator")
    root.sync()
    late.pull()
    assert late.read(record)["contact"]["value"] == "+375 29 111 11 11"
    assert late.replica.chain(record) == root.replica.chain(record) and len(late.replica.chain(record)) == 2


def test_a_revoked_coordinator_s_records_all_rotate(workspace):
    root = workspace.root
    second = workspace.enroll("coordinator")
    volunteer = workspace.enroll("volunteer")
    ids = [volunteer.save({"n": i}) for i in range(3)] + [root.save({"n": 9})]
    volunteer.push()
    root.push()
    second.pull()
    root.pull()
    root.revoke(second.replica.device)
    assert root.replica.rotated == 4
    for record in ids:
        kept = stored_wraps(workspace.app, record)
        assert not any(to == second.replica.device and e for to, _, e in kept)
        readers = {root.replica.device} | ({volunteer.replica.device} if record != ids[-1] else set())
        assert {to for to, _, e in kept if e == 1} == readers


class HostileTransport:
    """Rewrites the server's answers: pull pages, the wrap-holder hint and the stored wraps."""

    def __init__(self, inner, edit):
        self.inner, self.edit, self.base_url = inner, edit, inner.base_url

    def request(self, method, path, body=None, token=None, params=None):
        status, data = self.inner.request(method, path, body, token, params)
        if status == 200:
            data = self.edit(path, copy.deepcopy(data))
        return status, data


def test_a_hostile_server_hiding_the_revocation_and_the_hint_gets_no_new_key_to_the_revoked_device(workspace):
    root = workspace.root
    second = workspace.enroll("coordinator")
    leaving = workspace.enroll("volunteer")
    created = leaving.save({"status": "new"})
    leaving.push()
    granted = root.save({"status": "granted"})
    root.grant(granted, leaving.replica.device)
    root.push()
    second.pull()
    root.revoke(leaving.replica.device, rotate=False)
    second.pull()
    assert leaving.replica.device in second.replica.revoked_devices
    gone = leaving.replica.device
    # The revoked device's own signing key (seized) signs a wrap to itself, which the server
    # shows as if it held the record.
    forged = wrap_keys([new_record_key()], workspace.id, created, gone, leaving.replica.sign_key, gone,
                       leaving.replica.public_entry()["ecdh_key"])

    def lie(path, data):
        if path == "/api/sync/pull":
            for entry in data["devices"]:
                if entry["id"] == gone:
                    entry.update(status="active", revocations=[])
        elif path.endswith("/records"):
            data["records"] = []           # the hint hidden
        elif path == "/api/records/wraps":
            data["wraps"] = [w for w in data["wraps"] if w["recipient"] != gone] + [forged]
        return data

    second.transport = HostileTransport(second.transport, lie)
    second.pull()
    assert gone in second.replica.revoked_devices   # the kept order still counts
    second.rotate_keys(gone)
    # The record it created is known from signed data and rotates; the one only the hidden hint
    # named does not (the server's lie costs that record its closure, never a key to the device).
    assert {to for to, by, e in stored_wraps(workspace.app, created) if e} == {root.replica.device,
                                                                               second.replica.device}
    assert not [1 for to, by, e in stored_wraps(workspace.app, granted) if e and by == second.replica.device]
    for record in (created, granted):
        assert not [1 for to, _, e in stored_wraps(workspace.app, record) if to == gone and e]


def test_a_volunteer_s_wrap_claiming_a_new_epoch_is_not_believed(workspace):
    root = workspace.root
    volunteer = workspace.enroll("volunteer")
    record = volunteer.save({"status": "new"})
    volunteer.push()
    root.pull()
    k0 = volunteer.replica.records[record]["key"]
    own = new_record_key()
    # The volunteer (the record's creator: the server takes its wraps) claims an epoch 1 of its own
    # and writes with it.
    claim = wrap_keys([k0, own], workspace.id, record, volunteer.replica.device, volunteer.replica.sign_key,
                      root.replica.device, root.replica.directory[root.replica.device]["ecdh_key"])
    volunteer.replica.outbox.append({"wrap": claim})
    state = volunteer.replica.records[record]
    state["chain"] = [k0, own]
    volunteer.save({"status": "mine"}, record=record)
    assert volunteer.replica.outbox[-1]["change"]["e"] == 1
    volunteer.push()
    assert (root.replica.device, volunteer.replica.device, 1) in stored_wraps(workspace.app, record)
    root.pull()
    # Its key reads the value it committed to, but it is no epoch: the coordinator writes at epoch 0.
    assert root.read(record)["status"]["value"] == "mine"
    assert root.replica.chain(record) == [k0]
    root.save({"status": "checked"}, record=record)
    change = root.replica.outbox[-1]["change"]
    assert change["e"] == 0 and change["kc"] == key_commitment(k0)


def test_a_rotation_cut_off_halfway_resumes_after_a_restart(workspace, tmp_path):
    root = workspace.root
    leaving = workspace.enroll("volunteer")
    ids = sorted(leaving.save({"n": i}) for i in range(5))
    leaving.push()
    root.pull()
    path = str(tmp_path / "root.json")
    root.checkpoint = lambda: root.save_state(path, "a long enough passphrase")
    calls = []

    class CutOff:
        base_url = workspace.transport.base_url

        def request(self, method, path_, body=None, token=None, params=None):
            if path_ == "/api/records/wraps":
                calls.append(body["records"])
                if len(calls) == 2:
                    raise TransportError("the connection dropped")
            return workspace.transport.request(method, path_, body, token, params)

    root.transport = CutOff()
    original = root.rotate
    root.rotate = lambda batch=2: original(batch=batch)
    with pytest.raises(TransportError):
        root.revoke(leaving.replica.device)
    assert calls == [ids[:2], ids[2:4]]
    # The device restarts from its state file: the order is kept, two records are done.
    again = Client.load_state(path, "a long enough passphrase", transport=workspace.transport)
    assert again.replica.rotating == set(ids[2:]) and again.replica.rotation_progress() == (2, 5)
    assert leaving.replica.device in again.replica.revoked_devices
    again.sync()
    assert not again.replica.rotating
    for record in ids:
        epochs = {(to, e) for to, _, e in stored_wraps(workspace.app, record) if e}
        assert epochs == {(root.replica.device, 1)}
    leaving_keys = every_key_of(leaving, workspace.app, workspace.id)
    again.save({"n": 99}, record=ids[4])
    again.push()
    _, e, ((field, dot, nonce, ct),) = stored_changes(workspace.app, ids[4])[-1]
    fid_key = again.replica.field_id_key(ids[4])
    assert opens(again.replica.chain(ids[4])[-1], fid_key, workspace.id, ids[4], field, dot, nonce, ct, e)
    assert e == 1 and not any(opens(k, fid_key, workspace.id, ids[4], field, dot, nonce, ct, e)
                              for k in leaving_keys)


def test_the_server_keeps_the_newest_key_list_of_each_sender(workspace):
    root = workspace.root
    volunteer = workspace.enroll("volunteer")
    record = root.save({"status": "new"})
    root.grant(record, volunteer.replica.device)
    root.push()
    old = [w for w in stored_wraps(workspace.app, record) if w[0] == volunteer.replica.device]
    assert old == [(volunteer.replica.device, root.replica.device, None)]
    k0 = root.replica.chain(record)[0]
    entry = root.replica.directory[volunteer.replica.device]
    newer = wrap_keys([k0, new_record_key(), new_record_key()], workspace.id, record, root.replica.device,
                      root.replica.sign_key, volunteer.replica.device, entry["ecdh_key"])
    older = wrap_keys([k0], workspace.id, record, root.replica.device, root.replica.sign_key,
                      volunteer.replica.device, entry["ecdh_key"])
    results = workspace.call(root, "POST", "/api/sync/push", {"wraps": [newer, older]})["wraps"]
    assert [r["status"] for r in results] == ["accepted", "duplicate"]
    assert (volunteer.replica.device, root.replica.device, 2) in stored_wraps(workspace.app, record)
    volunteer.pull()
    assert [w.get("epoch") for w in volunteer.replica.records[record]["wraps"]
            if w["sender"] == root.replica.device][-1] == 2


@pytest.mark.parametrize("edit, where", [
    (lambda w: {k: v for k, v in w.items() if k != "epoch"}, "epoch"),         # a wrap/2 without epoch
    (lambda w: {**w, "type": "zapis/wrap/1"}, "epoch"),                          # a wrap/1 with one
    (lambda w: {**w, "epoch": 2}, "ct"),                                         # too few keys for it
    (lambda w: {**w, "epoch": 0, "type": "zapis/wrap/2"}, "epoch"),
    (lambda w: {**w, "epoch": True}, "epoch"),
    (lambda w: {**w, "epoch": 256}, "epoch"),
    (lambda w: {**w, "type": "zapis/wrap/3"}, "type"),
])
def test_a_malformed_key_list_wrap_is_refused_as_invalid(workspace, edit, where):
    root = workspace.root
    record = root.save({"status": "new"})
    root.push()
    wrap = wrap_keys([new_record_key(), new_record_key()], workspace.id, record, root.replica.device,
                     root.replica.sign_key, root.replica.device, root.replica.public_entry()["ecdh_key"])
    result = workspace.call(root, "POST", "/api/sync/push", {"wraps": [edit(wrap)]})["wraps"][0]
    assert result["status"] == "refused" and result["code"] == "invalid_item"
    assert where in result["details"]


@pytest.mark.parametrize("e", [-1, 256, 1.5, "1", True, None])
def test_a_change_s_epoch_must_be_a_small_whole_number(workspace, e):
    root = workspace.root
    root.save({"status": "new"})
    change = {**root.replica.outbox[-1]["change"], "e": e}
    result = workspace.call(root, "POST", "/api/sync/push", {"changes": [change]})["changes"][0]
    assert result["status"] == "refused" and result["code"] == "invalid_item" and "e" in result["details"]


def test_the_wrap_holder_calls_are_for_certified_coordinators_and_validated(workspace):
    root = workspace.root
    volunteer = workspace.enroll("volunteer")
    record = root.save({"status": "new"})
    root.grant(record, volunteer.replica.device)
    root.push()
    path = "/api/devices/%s/records" % volunteer.replica.device
    assert workspace.call(root, "GET", path) == {"records": [record], "more": False}
    assert workspace.call(root, "GET", path + "?after=" + record) == {"records": [], "more": False}
    wraps = workspace.call(root, "POST", "/api/records/wraps", {"records": [record]})["wraps"]
    assert {(w["recipient"], w["sender"]) for w in wraps} == {(root.replica.device, root.replica.device),
                                                              (volunteer.replica.device, root.replica.device)}
    for method, where, body in (("GET", path, None), ("POST", "/api/records/wraps", {"records": [record]})):
        with pytest.raises(APIError) as err:
            workspace.call(volunteer, method, where, body)
        assert (err.value.status, err.value.code) == (403, "coordinator_only")
    for method, where, body in (("GET", path + "?limit=0", None), ("GET", path + "?after=x%0A", None),
                                ("POST", "/api/records/wraps", {"records": []}),
                                ("POST", "/api/records/wraps", {"records": [record + "\n"]}),
                                ("POST", "/api/records/wraps", {"records": [record] * 201})):
        with pytest.raises(APIError) as err:
            workspace.call(root, method, where, body)
        assert err.value.status == 400
    with pytest.raises(APIError) as err:
        workspace.call(root, "GET", "/api/devices/%s/records" % ("A" * 22))
    assert err.value.status == 404


def test_a_revoked_coordinator_s_key_list_slipped_in_by_the_server_starts_no_epoch(workspace):
    root = workspace.root
    second = workspace.enroll("coordinator")
    volunteer = workspace.enroll("volunteer")
    record = volunteer.save({"status": "new"})
    volunteer.push()
    root.revoke(second.replica.device)
    volunteer.pull()
    assert second.replica.device in volunteer.replica.revoked_devices
    chain = volunteer.replica.chain(record)
    assert len(chain) == 2   # the root's rotation
    # The seized coordinator's key signs a longer list of keys it chose; the server delivers it.
    chosen = chain + [new_record_key(), new_record_key()]
    forged = wrap_keys(chosen, workspace.id, record, second.replica.device, second.replica.sign_key,
                       volunteer.replica.device, volunteer.replica.public_entry()["ecdh_key"])

    def slip(path, data):
        if path == "/api/sync/pull":
            data["wraps"].append(forged)
        return data

    volunteer.transport = HostileTransport(volunteer.transport, slip)
    volunteer.pull()
    assert any(w["sig"] == forged["sig"] for w in volunteer.replica.records[record]["wraps"])
    assert volunteer.replica.chain(record) == chain
    volunteer.save({"status": "later"}, record=record)
    change = volunteer.replica.outbox[-1]["change"]
    assert change["e"] == 1 and change["kc"] == key_commitment(chain[-1])
