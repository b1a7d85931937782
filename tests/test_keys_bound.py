"""Keys bound together and checked by their owner; revocation signed and kept by every client;
a late coordinator gets every key (issue 18 findings 1 and 5, issue 10 points 3 and 5).

The server is played hostile by editing its database directly: it swaps a joining device's ECDH
key for its own, shows another role, drops or flips a revocation, or stores a certificate made by
a revoked coordinator.
"""

import pytest
from sqlalchemy import func, select

from client import APIError, Client, HTTPTransport, TransportError, new_replica
from server.extensions import db
from server.models import Device, Wrap
from server.store import Sequencer
from sync import keys
from sync.envelopes import ProtocolError, binding_matches, make_binding, make_certificate, make_revocation


def edit_device(app, device_id, **values):
    """Change a device row as a hostile server would, and serve it again (a new seq)."""
    with app.app_context():
        device = db.session.get(Device, device_id)
        seq = Sequencer(device.workspace_id)
        for k, v in values.items():
            setattr(device, k, v)
        device.seq = seq.next()
        seq.finish()
        db.session.commit()


def wrapped_to(client):
    return {i["wrap"]["recipient"] for i in client.replica.outbox if "wrap" in i}


def invite_code(link):
    return link.split("#c=")[1].split("&")[0]


# -- key bindings -------------------------------------------------------------------------------

def test_an_invite_link_carries_its_role_and_the_device_signs_it(workspace):
    link = workspace.root.create_invite("volunteer")
    assert link.endswith("&r=volunteer")
    device = workspace.enroll("volunteer")
    entry = workspace.root.replica.directory[device.replica.device]
    assert binding_matches(entry["binding"], entry, workspace.id)
    assert entry["binding"]["role"] == "volunteer"
    assert workspace.root.replica.trusted[device.replica.device] == "volunteer"
    root_entry = device.replica.directory[workspace.root.replica.device]
    assert binding_matches(root_entry["binding"], root_entry, workspace.id)


def test_trust_needs_the_binding(workspace):
    device = workspace.enroll("volunteer")
    edit_device(workspace.app, device.replica.device, binding=None)
    workspace.root.pull()
    assert device.replica.device not in workspace.root.replica.trusted


@pytest.mark.parametrize("change", ["role", "ecdh_key", "workspace", "device", "signer"])
def test_the_server_refuses_a_binding_that_does_not_name_the_device_its_keys_and_the_invites_role(workspace,
                                                                                                 change):
    code = invite_code(workspace.root.create_invite("volunteer"))
    replica = new_replica(workspace.id, "volunteer", workspace.root.replica.fingerprint)
    mine = replica.public_entry()
    values = {"workspace": workspace.id, "device": mine["id"], "role": "volunteer",
              "sign_key": mine["sign_key"],
              "ecdh_key": mine["ecdh_key"]}
    signer = replica.sign_key
    if change == "role":
        values["role"] = "coordinator"
    elif change == "ecdh_key":
        values["ecdh_key"] = keys.public_b64(keys.generate_key())
    elif change == "workspace":
        values["workspace"] = "11111111-2222-4333-8444-555555555555"
    elif change == "device":
        values["device"] = "otherDeviceAAAAAAAAAAA"
    else:
        signer = keys.generate_key()
    binding = make_binding(signer, **values)
    status, body = workspace.transport.request("POST", "/api/enroll", {"invite": code, "device": mine,
                                                                       "binding": binding})
    assert status == 400 and body["error"]["code"] == "bad_binding"


def test_a_device_enrolled_without_a_binding_posts_it_once_and_only_its_own(workspace):
    code = invite_code(workspace.root.create_invite("volunteer"))
    client = Client.enroll(workspace.transport, code, workspace.id, workspace.root.replica.fingerprint)
    entry = client.replica.directory[client.replica.device]
    assert binding_matches(entry["binding"], entry, workspace.id)   # posted by its first pull
    path = "/api/devices/%s/binding" % client.replica.device
    same = {"binding": entry["binding"]}
    assert workspace.call(client, "PUT", path, same)["binding"] == entry["binding"]
    with pytest.raises(APIError) as err:   # a second, other statement
        workspace.call(client, "PUT", path, {"binding": client.replica.binding()})
    assert err.value.status == 409 and err.value.code == "binding_exists"
    with pytest.raises(APIError) as err:   # someone else's
        workspace.call(workspace.root, "PUT", path, same)
    assert err.value.status == 403
    other = Client.enroll(workspace.transport, invite_code(workspace.root.create_invite("volunteer")),
                          workspace.id, workspace.root.replica.fingerprint, "volunteer")
    edit_device(workspace.app, other.replica.device, binding=None)
    binding = make_binding(other.replica.sign_key, workspace.id, other.replica.device, "volunteer",
                           keys.public_b64(other.replica.sign_key), keys.public_b64(keys.generate_key()))
    with pytest.raises(APIError) as err:   # keys that are not its own
        workspace.call(other, "PUT", "/api/devices/%s/binding" % other.replica.device, {"binding": binding})
    assert err.value.code == "bad_binding"


def test_a_hostile_server_that_swaps_a_joining_coordinators_ecdh_key_gets_no_record_key(workspace):
    joining = workspace.enroll("coordinator", certify=False)
    server_key = keys.generate_key()
    edit_device(workspace.app, joining.replica.device, ecdh_key=keys.public_b64(server_key))
    root = workspace.root
    root.pull()
    with pytest.raises(ProtocolError) as err:   # the certifier checks the device's own statement
        root.certify(joining.replica.device)
    assert err.value.code == "bad_binding"
    root.save({"status": "Alena, +375 29 ..."})
    assert wrapped_to(root) == {root.replica.device}
    # The joining device sees its own entry carry another key: alarm, and no key leaves it.
    joining.pull()
    assert joining.replica.alarm == ["keys"]
    assert joining.sync()["ok"] is False
    record = joining.save({"status": "new"})
    assert wrapped_to(joining) == {joining.replica.device}
    with pytest.raises(ProtocolError):
        joining.grant(record, root.replica.device)


def test_a_server_that_replaces_both_keys_and_signs_its_own_statement_fails_the_safety_number(workspace):
    joining = workspace.enroll("coordinator", certify=False)
    number = joining.safety_number()   # read out by its owner
    sign, ecdh = keys.generate_key(), keys.generate_key()
    forged = make_binding(sign, workspace.id, joining.replica.device, "coordinator", keys.public_b64(sign),
                          keys.public_b64(ecdh))
    from sync.canonical import canonical_json
    edit_device(workspace.app, joining.replica.device, sign_key=keys.public_b64(sign),
                ecdh_key=keys.public_b64(ecdh),
                binding=canonical_json(forged))
    workspace.root.pull()
    assert workspace.root.safety_number(joining.replica.device) != number
    with pytest.raises(ProtocolError) as err:
        workspace.root.certify(joining.replica.device, safety=number)
    assert err.value.code == "safety_mismatch"
    joining.pull()
    assert joining.replica.alarm == ["keys", "binding"]


def test_a_server_that_shows_another_role_is_caught_by_the_device_and_trusted_by_nobody(workspace):
    volunteer = workspace.enroll("volunteer")
    edit_device(workspace.app, volunteer.replica.device, role="coordinator")
    workspace.root.pull()
    assert volunteer.replica.device not in workspace.root.replica.trusted
    workspace.root.save({"status": "new"})
    assert volunteer.replica.device not in wrapped_to(workspace.root)
    volunteer.pull()
    assert volunteer.replica.alarm == ["role"]


def test_certify_signs_the_role_the_device_signed(workspace):
    device = workspace.enroll("reporter")
    cert = workspace.root.replica.directory[device.replica.device]["cert"]
    assert cert["role"] == "reporter" == device.replica.role


# -- revocation ----------------------------------------------------------------------------------

def test_the_revoke_call_takes_only_a_signed_order_by_the_caller_for_that_device(workspace):
    victim = workspace.enroll("volunteer")
    other = workspace.enroll("coordinator")
    path = "/api/devices/%s/revoke" % victim.replica.device
    r = workspace.root.replica
    bad = [
        ({}, 400),
        (make_revocation(r.sign_key, workspace.id, other.replica.device, r.device), 400),   # another device
        (make_revocation(r.sign_key, workspace.id, victim.replica.device, other.replica.device),
         400),  # issuer
        (make_revocation(other.replica.sign_key, workspace.id, victim.replica.device, r.device),
         400),  # signer
    ]
    for body, status in bad:
        with pytest.raises(APIError) as err:
            workspace.call(workspace.root, "POST", path, body)
        assert err.value.status == status
    workspace.root.revoke(victim.replica.device)
    entry = workspace.call(workspace.root, "GET", "/api/devices")["devices"]
    shown = next(d for d in entry if d["id"] == victim.replica.device)
    assert shown["status"] == "revoked" and shown["revocations"][0]["issuer"] == r.device
    workspace.root.pull()
    assert victim.replica.device in workspace.root.replica.revoked_devices


@pytest.mark.parametrize("how", ["dropped", "flipped"])
def test_a_server_that_drops_or_flips_a_revocation_gets_no_key_for_the_revoked_device(workspace,
                                                                                      how, tmp_path):
    second = workspace.enroll("coordinator")
    volunteer = workspace.enroll("volunteer")
    volunteer.pull()
    assert second.replica.device in volunteer.replica.trusted
    workspace.root.revoke(second.replica.device)
    volunteer.pull()
    assert second.replica.device in volunteer.replica.revoked_devices
    # The server undoes it: no order (dropped), or no order and the flag back (flipped).
    values = {"revocations": None}
    if how == "flipped":
        values["revoked"] = False
    edit_device(workspace.app, second.replica.device, **values)
    # Even across a restart of the client, which keeps every valid order it has seen.
    path = str(tmp_path / "volunteer.json")
    volunteer.save_state(path, "a long enough passphrase")
    volunteer = Client.load_state(path, "a long enough passphrase", transport=workspace.transport)
    volunteer.pull()
    served = volunteer.replica.directory[second.replica.device]
    assert served.get("revocations") == [] and (served["status"] == "active") == (how == "flipped")
    volunteer.save({"status": "new"})
    assert wrapped_to(volunteer) == {volunteer.replica.device, workspace.root.replica.device}
    workspace.root.pull()
    workspace.root.save({"status": "new"})
    assert second.replica.device not in wrapped_to(workspace.root)


def test_a_revoked_coordinator_anchors_nothing(workspace):
    second = workspace.enroll("coordinator")
    earlier = workspace.enroll("volunteer", certify=False)
    second.pull()
    second.certify(earlier.replica.device)   # certified while it was trusted
    volunteer = workspace.enroll("volunteer")
    volunteer.pull()
    assert earlier.replica.device in volunteer.replica.trusted
    workspace.root.revoke(second.replica.device)
    volunteer.pull()
    assert earlier.replica.device not in volunteer.replica.trusted
    # A reader certified by the revoked coordinator afterwards, the server hiding the order.
    reader = workspace.enroll("volunteer", certify=False)
    entry = reader.replica.public_entry()
    from sync.canonical import canonical_json
    cert = make_certificate(second.replica.sign_key, workspace.id, reader.replica.device, "volunteer",
                            entry["sign_key"], entry["ecdh_key"], second.replica.device)
    edit_device(workspace.app, second.replica.device, revoked=False, revocations=None)
    edit_device(workspace.app, reader.replica.device, cert=canonical_json(cert))
    volunteer.pull()
    assert reader.replica.device not in volunteer.replica.trusted
    record = volunteer.save({"status": "new"})
    with pytest.raises(ProtocolError):
        volunteer.grant(record, reader.replica.device)
    # A device that never saw the order but is shown it now: the same.
    edit_device(workspace.app, second.replica.device, revoked=True, revocations='[%s]' % canonical_json(
        make_revocation(workspace.root.replica.sign_key, workspace.id, second.replica.device,
                        workspace.root.replica.device)))
    fresh = workspace.enroll("volunteer")
    assert reader.replica.device not in fresh.replica.trusted
    assert earlier.replica.device not in fresh.replica.trusted


def test_the_root_cannot_be_revoked(workspace):
    second = workspace.enroll("coordinator")
    root = workspace.root.replica.device
    order = second.replica.revocation_order(root)
    with pytest.raises(APIError) as err:
        workspace.call(second, "POST", "/api/devices/%s/revoke" % root, order)
    assert err.value.code == "root_immutable"
    # A hostile server stores the order anyway: no client counts it.
    from sync.canonical import canonical_json
    edit_device(workspace.app, root, revocations="[%s]" % canonical_json(order))
    volunteer = workspace.enroll("volunteer")
    assert root in volunteer.replica.trusted and root not in volunteer.replica.revoked_devices
    assert second.replica.device in volunteer.replica.trusted


# -- a late coordinator gets every key -------------------------------------------------------------

class FailOnce:
    """HTTP, except that the `nth` push carrying wraps for `recipient` never arrives."""

    def __init__(self, inner, recipient, nth):
        self.inner, self.recipient, self.nth = inner, recipient, nth
        self.base_url = inner.base_url
        self.seen = 0

    def request(self, method, path, body=None, token=None, params=None):
        if path == "/api/sync/push" and any(w["recipient"] == self.recipient for w in body.get("wraps", ())):
            self.seen += 1
            if self.seen == self.nth:
                raise TransportError("connection reset")
        return self.inner.request(method, path, body, token, params)


def test_a_coordinator_certified_after_1000_records_reads_them_all_after_an_interrupted_rewrap(
        live_server, db_url, tmp_path):
    from support import coordinator_and_volunteer

    root, volunteer = coordinator_and_volunteer(live_server.url, db_url)
    made = [root.save({"kind": "need", "n": i}) for i in range(700)]
    made += [volunteer.save({"kind": "incident", "n": i}) for i in range(300)]
    root.push()
    volunteer.push()
    root.pull()
    late = Client.enroll_link(root.create_invite("coordinator", base_url=live_server.url))
    root.certify(late.replica.device)
    assert late.replica.device in root.replica.trusted
    late.pull()
    assert not late.replica.readable()
    # The root re-wraps in batches of 500; the second batch is lost on the way.
    root.transport = FailOnce(root.transport, late.replica.device, nth=2)
    result = root.sync()
    assert result["errors"] and "rewrapped" not in result
    assert root.replica.rewrap_progress() == {}   # all queued: what was not sent waits in the outbox
    assert sum(1 for i in root.replica.outbox if "wrap" in i) == 500
    # The device restarts from its state file and finishes.
    path = str(tmp_path / "root.json")
    root.save_state(path, "a long enough passphrase")
    root = Client.load_state(path, "a long enough passphrase", transport=HTTPTransport(live_server.url))
    again = root.sync()
    assert again["ok"] and again["pushed"]["accepted"] == 500
    assert root.sync()["pushed"] == {"accepted": 0, "duplicate": 0, "stale": 0, "refused": 0}
    late.pull()
    assert sorted(late.replica.readable()) == sorted(made)
    assert late.read(made[0])["n"]["value"] == 0 and late.read(made[-1])["kind"]["value"] == "incident"
    # Another run, from a state file that forgot its progress, sends wraps again: the server keeps
    # one per (record, recipient, sender), so each replaces the sender's own earlier one.
    root.replica.rewrap = {}
    assert root.replica.rewrap_batch(2000) == 1000 + 0
    counts = root.push()
    assert counts["duplicate"] + counts["accepted"] == 1000 and counts["refused"] == 0
    late.pull()
    assert sorted(late.replica.readable()) == sorted(made)
    from sqlalchemy import create_engine
    engine = create_engine(db_url)
    with engine.connect() as conn:
        n = conn.execute(select(func.count()).select_from(Wrap)
                         .where(Wrap.recipient == late.replica.device)).scalar()
    engine.dispose()
    assert n == 1000


@pytest.mark.parametrize("body", [None, [], "x", {}, {"binding": None},
                                  {"binding": {"type": "zapis/device/1"}},
                                  {"binding": {"type": "zapis/device/1", "workspace": 5, "device": [],
                                               "role": "boss", "sign_key": "!", "ecdh_key": "",
                                               "sig": "A" * 86}}])
def test_junk_bindings_and_revocations_are_refused_with_a_4xx_and_a_message(workspace, body):
    device = workspace.enroll("volunteer")
    for path, who in [("/api/devices/%s/binding" % device.replica.device, device),
                      ("/api/devices/%s/revoke" % device.replica.device, workspace.root)]:
        response = workspace.transport.client.open(path, method="PUT" if "binding" in path else "POST",
                                                   json=body,
                                                   headers={"Authorization": "Bearer " + who.token})
        assert 400 <= response.status_code < 500, (path, response.status_code)
        assert response.get_json()["error"]["message"]
    revoke_junk = {"type": "zapis/revoke/1", "workspace": workspace.id, "device": 7,
                   "issuer": None, "sig": "x"}
    status, answer = workspace.transport.request("POST", "/api/devices/%s/revoke" % device.replica.device,
                                                 revoke_junk, workspace.root.token)
    assert status == 400 and answer["error"]["code"]
    code = invite_code(workspace.root.create_invite("volunteer"))
    status, answer = workspace.transport.request("POST", "/api/enroll", {
        "invite": code, "device": device.replica.public_entry() | {"id": "newDeviceIdAAAAAAAAAAA"},
        "binding": body})
    assert 400 <= status < 500


def test_a_record_saved_before_a_coordinator_was_trusted_here_reaches_it_from_its_author(workspace):
    # The root's entry has no binding yet (a workspace from before bindings): nobody is trusted.
    volunteer = workspace.enroll("volunteer")
    edit_device(workspace.app, workspace.root.replica.device, binding=None)
    volunteer.pull()
    assert volunteer.replica.trusted == {}
    record = volunteer.save({"status": "saved while nobody was trusted"})
    assert wrapped_to(volunteer) == {volunteer.replica.device}
    volunteer.push()
    workspace.root.pull()   # the root posts its binding on this pull
    assert workspace.root.read(record) is None
    result = volunteer.sync()
    assert result["ok"] and result["rewrapped"] == 1
    workspace.root.pull()
    assert workspace.root.read(record)["status"]["value"] == "saved while nobody was trusted"
    assert volunteer.sync().get("rewrapped") is None   # done once
