"""Authority on the server follows certificates, not invites (issue 18, finding 3; issue 10).

A device enrolled with a (leaked) coordinator invite and never certified must not replace the
root's certificate, revoke devices, purge records or manage invites, and is served like a field
device: the directory and its own records. Once certified through a chain to the root, it gets
a coordinator's powers and, after one fresh pull, the whole workspace.
"""

import json

import pytest

from client import APIError
from sync import dense
from sync.envelopes import make_certificate, make_purge


def refused(call, status, code):
    with pytest.raises(APIError) as err:
        call()
    assert (err.value.status, err.value.code) == (status, code), err.value
    return err.value


def entry_of(workspace, device_id, caller=None):
    devices = workspace.call(caller or workspace.root, "GET", "/api/devices")["devices"]
    return next(d for d in devices if d["id"] == device_id)


def cert_for(issuer, workspace, entry):
    return make_certificate(issuer.replica.sign_key, workspace.id, entry["id"], entry["role"],
                            entry["sign_key"],
                            entry["ecdh_key"], issuer.replica.device)


def test_an_uncertified_coordinator_cannot_overwrite_the_roots_certificate(workspace):
    rogue = workspace.enroll("coordinator", certify=False)
    root_id = workspace.root.replica.device
    root_entry = entry_of(workspace, root_id)
    forged = cert_for(rogue, workspace, root_entry)
    path = "/api/devices/%s/certificate" % root_id
    err = refused(lambda: workspace.call(rogue, "PUT", path, {"cert": forged}), 403, "not_certified")
    assert "ask a coordinator to verify this device" in str(err).lower()
    after = entry_of(workspace, root_id)
    assert after["cert"] == root_entry["cert"] and after["certs"] == [root_entry["cert"]]
    # Even a certified coordinator cannot touch the root's entry.
    other = workspace.enroll("coordinator")
    refused(lambda: workspace.call(other, "PUT", path, {"cert": cert_for(other, workspace, root_entry)}),
            409, "root_immutable")
    refused(lambda: workspace.call(other, "POST", "/api/devices/%s/revoke" % root_id), 409, "root_immutable")
    assert entry_of(workspace, root_id) == after


def test_an_uncertified_coordinator_cannot_revoke_and_a_certified_one_can(workspace):
    volunteer = workspace.enroll("volunteer")
    rogue = workspace.enroll("coordinator", certify=False)
    path = "/api/devices/%s/revoke" % volunteer.replica.device
    refused(lambda: workspace.call(rogue, "POST", path), 403, "not_certified")
    assert entry_of(workspace, volunteer.replica.device)["status"] == "active"
    volunteer.push()  # its token still works
    certified = workspace.enroll("coordinator")
    certified.revoke(volunteer.replica.device)
    assert entry_of(workspace, volunteer.replica.device)["status"] == "revoked"


def test_an_uncertified_coordinator_cannot_purge_and_a_certified_one_can(workspace):
    root = workspace.root
    record = root.save({"status": "new"})
    root.push()
    rogue = workspace.enroll("coordinator", certify=False)
    order = make_purge(rogue.replica.sign_key, workspace.id, record, rogue.replica.device)
    refused(lambda: workspace.call(rogue, "POST", "/api/records/%s/purge" % record, order), 403,
            "not_certified")
    fresh = workspace.enroll("coordinator")
    fresh.pull()
    assert record in fresh.replica.records and fresh.replica.records[record]["fields"]
    order = make_purge(fresh.replica.sign_key, workspace.id, record, fresh.replica.device)
    assert workspace.call(fresh, "POST", "/api/records/%s/purge" % record, order)["purged"] is True


def test_an_uncertified_coordinator_cannot_manage_invites(workspace):
    rogue = workspace.enroll("coordinator", certify=False)
    invite = workspace.call(workspace.root, "POST", "/api/invites", {"role": "volunteer"})
    refused(lambda: workspace.call(rogue, "POST", "/api/invites", {"role": "coordinator"}), 403,
            "not_certified")
    refused(lambda: workspace.call(rogue, "GET", "/api/invites"), 403, "not_certified")
    refused(lambda: workspace.call(rogue, "DELETE", "/api/invites/%s" % invite["id"]), 403, "not_certified")
    # Certified, the same device may.
    workspace.root.certify(rogue.replica.device)
    assert workspace.call(rogue, "GET", "/api/invites")["invites"]
    assert workspace.call(rogue, "DELETE", "/api/invites/%s" % invite["id"])["revoked"] is True


def test_an_uncertified_coordinator_cannot_certify_a_device(workspace):
    rogue = workspace.enroll("coordinator", certify=False)
    volunteer = workspace.enroll("volunteer", certify=False)
    entry = entry_of(workspace, volunteer.replica.device)
    refused(lambda: workspace.call(rogue, "PUT", "/api/devices/%s/certificate" % entry["id"],
                                   {"cert": cert_for(rogue, workspace, entry)}), 403, "not_certified")
    assert entry_of(workspace, entry["id"])["certs"] == []


def test_certificates_are_added_never_replaced(workspace):
    volunteer = workspace.enroll("volunteer")
    first = entry_of(workspace, volunteer.replica.device)
    assert first["certs"] == [first["cert"]] and first["cert"]["issuer"] == workspace.root.replica.device
    second = workspace.enroll("coordinator")
    again = workspace.call(second, "PUT", "/api/devices/%s/certificate" % first["id"],
                           {"cert": cert_for(second, workspace, first)})
    assert again["cert"] == first["cert"]
    assert [c["issuer"] for c in again["certs"]] == [workspace.root.replica.device, second.replica.device]
    # Sending the same certificate again changes nothing.
    same = workspace.call(second, "PUT", "/api/devices/%s/certificate" % first["id"],
                          {"cert": again["certs"][1]})
    assert same["certs"] == again["certs"]


def test_a_revoked_coordinator_anchors_no_chain(workspace):
    middle = workspace.enroll("coordinator")
    invite = workspace.call(middle, "POST", "/api/invites", {"role": "coordinator"})
    from client import Client
    leaf = Client.enroll(workspace.transport, invite["code"], workspace.id,
                         workspace.root.replica.fingerprint)
    middle.certify(leaf.replica.device)
    assert workspace.call(leaf, "GET", "/api/invites")["invites"]
    workspace.root.revoke(middle.replica.device)
    refused(lambda: workspace.call(leaf, "GET", "/api/invites"), 403, "not_certified")
    # Certified by the root as well, it has its powers back: the certificate was kept, not replaced.
    workspace.root.certify(leaf.replica.device)
    assert workspace.call(leaf, "GET", "/api/invites")["invites"]
    assert len(entry_of(workspace, leaf.replica.device)["certs"]) == 2


def raw_pull(workspace, device, cursor):
    response = workspace.transport.client.get("/api/sync/pull", query_string={"cursor": cursor},
                                              headers={"Authorization": "Bearer " + device.token,
                                                       dense.HEADER: dense.PROTOCOL})
    body = json.loads(response.get_data(as_text=True))
    return response.status_code, dense.decode_page(body) if response.status_code == 200 else body


def test_an_uncertified_coordinator_gets_the_directory_and_its_own_records_only(workspace):
    root = workspace.root
    secret = root.save({"status": "new"})
    root.push()
    volunteer = workspace.enroll("volunteer")
    theirs = volunteer.save({"status": "new"})
    volunteer.push()
    rogue = workspace.enroll("coordinator", certify=False)
    own = rogue.save({"status": "mine"})
    rogue.push()
    status, page = raw_pull(workspace, rogue, 0)
    assert status == 200
    assert {c["record"] for c in page["changes"]} == {own}
    assert {d["id"] for d in page["devices"]} >= {root.replica.device, volunteer.replica.device,
                                                  rogue.replica.device}
    cursor = page["cursor"]

    # Certified later: its cursor lies past what it may now read, so its next pull starts over.
    root.certify(rogue.replica.device)
    status, body = raw_pull(workspace, rogue, cursor)
    assert (status, body["error"]["code"]) == (410, "newly_certified")
    # The reference client starts over by itself, and now receives the whole workspace.
    rogue.replica.cursor = cursor
    rogue.pull()
    assert {secret, theirs, own} <= set(rogue.replica.records)
    status, page = raw_pull(workspace, rogue, 0)
    assert status == 200 and {c["record"] for c in page["changes"]} == {own, secret, theirs}
    # Once past its certification, no further fresh start.
    assert raw_pull(workspace, rogue, cursor)[0] == 200


def test_an_uncertified_coordinators_writes_to_others_records_are_refused(workspace):
    root = workspace.root
    record = root.save({"status": "new"})
    root.push()
    rogue = workspace.enroll("coordinator", certify=False)
    # A change to the root's record, correctly signed by the rogue device.
    from sync.envelopes import sign_change
    change = sign_change(rogue.replica.sign_key, {
        "workspace": workspace.id, "record": record, "device": rogue.replica.device, "kc": "A" * 43,
        "writes": [{"field": "status", "dot": [rogue.replica.device, 1], "ctx": {}, "nonce": "A" * 16,
                    "ct": "B" * 32}]})
    body = {"changes": [change], "wraps": []}
    results = workspace.call(rogue, "POST", "/api/sync/push", body)
    assert results["changes"][0] == {"status": "refused", "code": "no_access",
                                     "message": results["changes"][0]["message"]}
    root.certify(rogue.replica.device)
    results = workspace.call(rogue, "POST", "/api/sync/push", body)
    assert results["changes"][0]["status"] == "ok"


def test_the_fresh_pull_after_certification_pages_through_and_survives_a_lost_page(workspace):
    root = workspace.root
    records = [root.save({"status": "new"}) for _ in range(5)]
    root.push()
    late = workspace.enroll("coordinator", certify=False)
    late.pull()
    old = late.replica.cursor
    root.certify(late.replica.device)

    def page(cursor):
        response = workspace.transport.client.get("/api/sync/pull",
                                                  query_string={"cursor": cursor, "limit": 1},
                                                  headers={"Authorization": "Bearer " + late.token,
                                                           dense.HEADER: dense.PROTOCOL})
        body = response.get_json()
        return response.status_code, dense.decode_page(body) if response.status_code == 200 else body

    assert page(old)[0] == 410
    status, first = page(0)          # its answer is lost on the way: the device still has `old`
    assert status == 200 and first["more"]
    assert page(old)[0] == 410       # so it is told again to start over
    cursor, seen = 0, set()
    while True:                      # the fresh pull, page by page, is never interrupted by a 410
        status, body = page(cursor)
        assert status == 200, body
        seen.update(c["record"] for c in body["changes"])
        cursor = body["cursor"]
        if not body["more"]:
            break
    assert set(records) <= seen
    assert page(cursor)[0] == 200
