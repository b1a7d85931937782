"""The push-only token a service worker keeps while the app is locked: it sends signed changes
and nothing else, so a thief who finds it on a seized phone gains nothing."""

import copy

from client import new_replica
from sync.field_ids import FIRST_CHANGE_WRITES


def enroll_raw(workspace, role="volunteer"):
    """Enroll through the API directly, keeping both tokens."""
    link = workspace.root.create_invite(role)
    code = link.split("#c=")[1].split("&")[0]
    replica = new_replica(workspace.id, role, workspace.root.replica.fingerprint)
    body = workspace.transport.client.post("/api/enroll",
                                           json={"invite": code, "device": replica.public_entry(),
                                                                "binding": replica.binding()})
    assert body.status_code == 201
    return replica, body.get_json()


def test_enrollment_gives_a_second_token_that_only_pushes(workspace):
    replica, session = enroll_raw(workspace)
    assert session["push_token"] and session["push_token"] != session["token"]
    client = workspace.transport.client
    push_only = {"Authorization": "Bearer " + session["push_token"]}
    for method, path in [("GET", "/api/sync/pull"), ("GET", "/api/me"), ("GET", "/api/devices")]:
        response = client.open(path, method=method, headers=push_only)
        assert response.status_code == 403
        assert response.get_json()["error"]["code"] == "push_only_token"
    replica.trusted = {}
    record = replica.save({"status": "saved while locked"})
    body, _ = replica.push_batch()
    response = client.post("/api/sync/push", json=body, headers=push_only)
    assert response.status_code == 200
    results = response.get_json()
    assert results["changes"][0]["writes"] == [{"status": "accepted"}] * FIRST_CHANGE_WRITES
    assert {w["status"] for w in results["wraps"]} == {"accepted"}
    workspace.root.certify(replica.device)
    workspace.root.pull()
    assert record in workspace.root.replica.records


def test_no_token_can_send_unsigned_wraps(workspace):
    replica, session = enroll_raw(workspace)
    replica.save({"status": "x"})
    body, _ = replica.push_batch()
    forged = copy.deepcopy(body["wraps"][0])
    sig = forged["sig"]
    forged["sig"] = sig[:10] + ("A" if sig[10] != "A" else "B") + sig[11:]
    client = workspace.transport.client
    results = client.post("/api/sync/push", json={"wraps": [forged], "changes": []},
                          headers={"Authorization": "Bearer " + session["push_token"]}).get_json()
    assert results["wraps"][0]["code"] == "bad_signature"
    results = client.post("/api/sync/push", json={"wraps": [forged], "changes": []},
                          headers={"Authorization": "Bearer " + session["token"]}).get_json()
    # The full token proves the sender, but the server keeps only wraps their sender signed.
    assert results["wraps"][0]["code"] == "bad_signature"


def test_push_tokens_are_stored_only_as_hashes_and_stop_on_revocation(workspace, app):
    from server.extensions import db
    from server.models import Device

    replica, session = enroll_raw(workspace)
    with app.app_context():
        stored = db.session.get(Device, replica.device).push_token_hash
    assert stored and session["push_token"] not in stored
    workspace.root.revoke(replica.device)
    response = workspace.transport.client.post("/api/sync/push", json={"changes": []},
                                               headers={"Authorization": "Bearer " + session["push_token"]})
    assert response.status_code == 403 and response.get_json()["error"]["code"] == "device_revoked"
