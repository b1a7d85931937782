"""A reference client facing a hostile server: what the server slips in is detected and refused.

The server is untrusted by design: it may add a coordinator of its own to receive new records'
keys, forge or alter writes, or move a ciphertext to another field. A hostile transport edits
the server's answers, and the database is edited directly, to play that server.
"""

import copy

from client import new_replica
from sync import dense
from sync.envelopes import make_certificate, sign_change


class HostileTransport:
    """Passes requests through and lets the test rewrite each pull page on its way back (as the
    logical page: decoded, edited, encoded again in the dense form the server sends)."""

    def __init__(self, inner, edit):
        self.inner = inner
        self.edit = edit
        self.base_url = inner.base_url

    def request(self, method, path, body=None, token=None, params=None):
        status, data = self.inner.request(method, path, body, token, params)
        if path == "/api/sync/pull" and status == 200:
            edited = self.edit(dense.decode_page(copy.deepcopy(data)))
            data = dense.encode_page(edited, data["workspace"], data["recipient"])
        return status, data


def test_a_coordinator_the_server_slips_into_the_directory_never_receives_a_record_key(workspace):
    volunteer = workspace.enroll("volunteer")
    impostor = new_replica(workspace.id, "coordinator", None)
    keys = impostor.public_entry()
    fake = {**keys, "role": "coordinator", "status": "active", "invite": None,
            "cert": make_certificate(impostor.sign_key, workspace.id, keys["id"], "coordinator",
                                     keys["sign_key"],
                                     keys["ecdh_key"], workspace.root.replica.device)}

    def add_impostor(page):
        page["devices"].append(fake)
        return page

    volunteer.transport = HostileTransport(volunteer.transport, add_impostor)
    volunteer.pull()
    assert keys["id"] in volunteer.replica.directory
    assert keys["id"] not in volunteer.replica.trusted
    volunteer.save({"status": "new"})
    recipients = {i["wrap"]["recipient"] for i in volunteer.replica.outbox if "wrap" in i}
    assert recipients == {volunteer.replica.device, workspace.root.replica.device}


def test_a_write_with_a_bad_signature_is_not_shown_and_is_reported(workspace):
    volunteer = workspace.enroll("volunteer")
    record = volunteer.save({"status": "new"})
    volunteer.push()

    def forge(page):
        for change in page["changes"]:
            if change["record"] == record:
                change["writes"][0]["ctx"] = {"AAAAAAAAAAAAAAAAAAAAAA": 9}
        return page

    root = workspace.root
    root.transport = HostileTransport(root.transport, forge)
    root.pull()
    assert root.read(record) == {}
    assert [p["reason"] for p in root.replica.problems] == ["a change's signature does not verify"]


def test_a_ciphertext_moved_to_another_field_is_refused(workspace):
    volunteer = workspace.enroll("volunteer")
    record = volunteer.save({"status": "new", "contact": "+48 600 000 000"})
    volunteer.push()

    def move(page):
        for change in page["changes"]:
            if change["record"] == record:
                by_field = {w["field"]: w for w in change["writes"]}
                status, contact = (by_field[volunteer.replica.field_of(record, f)]
                                   for f in ("status", "contact"))
                status["nonce"], contact["nonce"] = contact["nonce"], status["nonce"]
                status["ct"], contact["ct"] = contact["ct"], status["ct"]
        return page

    root = workspace.root
    root.transport = HostileTransport(root.transport, move)
    root.pull()
    assert root.read(record) == {}
    assert root.replica.problems and "signature" in root.replica.problems[0]["reason"]


def test_a_ciphertext_moved_and_re_signed_by_a_trusted_device_still_fails_to_decrypt(workspace):
    """Even a device holding the key cannot move a ciphertext: its additional data names the
    field, so decrypting it anywhere else fails; that value is shown as unreadable, alone."""
    volunteer = workspace.enroll("volunteer")
    record = volunteer.save({"contact": "+48 600 000 000"})
    first = volunteer.replica.outbox[-1]["change"]
    [w] = [w for w in first["writes"] if w["field"] == volunteer.replica.field_of(record, "contact")]
    status = volunteer.replica.field_of(record, "status")
    moved = sign_change(volunteer.replica.sign_key, {
        "workspace": workspace.id, "record": record, "device": volunteer.replica.device, "kc": first["kc"],
        "writes": [{**w, "field": status}]})
    volunteer.replica.outbox.append({"change": moved})
    volunteer.push()
    workspace.root.pull()
    view = workspace.root.read(record)
    assert view["contact"]["value"] == "+48 600 000 000"
    # No readable value names it; `status` is a field of the registry's kinds, so the root names it.
    assert status not in view
    assert view["status"]["value"] is None and view["status"]["siblings"] == []
    assert [u["code"] for u in view["status"]["unreadable"]] == ["unreadable_value"]


def test_a_write_inserted_straight_into_the_database_is_refused_by_readers(workspace, app):
    from server.extensions import db
    from server.models import Change
    from server.store import logical_writes, write_text

    volunteer = workspace.enroll("volunteer")
    record = volunteer.save({"status": "new"})
    volunteer.push()
    with app.app_context():
        change = db.session.query(Change).one()
        writes = logical_writes(change.writes, change.device_id)
        writes[0]["ctx"] = {workspace.root.replica.device: 1}
        change.writes = ",".join(write_text(w["field"], w["dot"], w["ctx"], w["nonce"], w["ct"])
                                 for w in writes)
        db.session.commit()
    fresh = workspace.enroll("coordinator")
    assert record not in fresh.replica.records or not fresh.replica.records[record]["fields"]
    assert len(fresh.replica.problems) == 1


def test_a_purge_order_not_signed_by_a_coordinator_erases_nothing(workspace):
    volunteer = workspace.enroll("volunteer")
    record = volunteer.save({"status": "keep me"})
    volunteer.push()
    volunteer.pull()
    forged = volunteer.replica.purge_order(record)  # signed, but by a volunteer

    def add_purge(page):
        page["tombstones"].append(forged)
        return page

    other = workspace.root
    other.pull()
    other.transport = HostileTransport(other.transport, add_purge)
    other.pull()
    assert other.read(record)["status"]["value"] == "keep me"
    assert other.replica.problems[0]["kind"] == "purge"
