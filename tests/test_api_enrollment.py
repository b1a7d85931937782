"""Bootstrap, invites, enrollment, the directory, certification and revocation."""

import pytest

from client import APIError, Client
from server.cli import new_workspace
from support import FlaskTransport, Workspace
from sync.envelopes import make_certificate
from sync.trust import verify_directory


def invite_code(link):
    return link.split("#c=")[1].split("&")[0]


def test_bootstrap_makes_the_root_whose_key_is_the_workspace_fingerprint(workspace):
    me = workspace.call(workspace.root, "GET", "/api/me")
    assert me["device"]["role"] == "coordinator"
    assert me["fingerprint"] == workspace.root.replica.fingerprint
    roles = verify_directory([me["device"]], workspace.id, me["fingerprint"])
    assert roles == {me["device"]["id"]: "coordinator"}


def test_a_setup_token_works_once(app):
    with app.app_context():
        ws, token = new_workspace()
        ws_id = ws.id
    transport = FlaskTransport(app.test_client())
    Client.bootstrap(transport, token, ws_id)
    with pytest.raises(APIError) as err:
        Client.bootstrap(transport, token, ws_id)
    assert err.value.status == 404 and err.value.code == "setup_token_unknown"


def test_two_setups_racing_with_one_token_make_one_root(app):
    """Both looked the token up before either took the workspace lock: the second finds it used."""
    from client import new_replica
    from server import store
    from server.errors import APIError as ServerError

    with app.app_context():
        ws, token = new_workspace()
        looked_up = store.workspace_by_setup_token(token)
        roots = []
        for _ in range(2):
            replica = new_replica(ws.id, "coordinator", None)
            entry = replica.public_entry()
            cert = make_certificate(replica.sign_key, ws.id, entry["id"], "coordinator", entry["sign_key"],
                                    entry["ecdh_key"], entry["id"])
            roots.append((entry, cert))
        store.add_root(looked_up, *roots[0], None)
        with pytest.raises(ServerError) as err:
            store.add_root(looked_up, *roots[1], None)
        assert err.value.status == 404 and err.value.code == "setup_token_unknown"
        assert [d.role for d in store.devices_of(ws.id)] == ["coordinator"]


def test_a_root_certificate_for_other_keys_is_refused(app):
    with app.app_context():
        ws, token = new_workspace()
        ws_id = ws.id
    from client import new_replica

    a, b = new_replica(ws_id, "coordinator", None), new_replica(ws_id, "coordinator", None)
    mine, theirs = a.public_entry(), b.public_entry()
    cert = make_certificate(b.sign_key, ws_id, mine["id"], "coordinator", theirs["sign_key"],
                            theirs["ecdh_key"],
                            mine["id"])
    response = app.test_client().post("/api/bootstrap",
                                      json={"setup_token": token, "device": mine, "cert": cert})
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_certificate"


def test_a_volunteer_invite_is_single_use(workspace):
    link = workspace.root.create_invite("volunteer")
    Client.enroll(workspace.transport, invite_code(link), workspace.id, workspace.root.replica.fingerprint)
    with pytest.raises(APIError) as err:
        Client.enroll(workspace.transport, invite_code(link), workspace.id,
                      workspace.root.replica.fingerprint)
    assert err.value.status == 410 and err.value.code == "invite_used_up"
    assert "new link" in err.value.message


def test_a_reporter_invite_admits_up_to_its_cap(workspace):
    link = workspace.root.create_invite("reporter", max_uses=3)
    for _ in range(3):
        device = Client.enroll(workspace.transport, invite_code(link), workspace.id,
                               workspace.root.replica.fingerprint)
        assert device.replica.role == "reporter"
    with pytest.raises(APIError) as err:
        Client.enroll(workspace.transport, invite_code(link), workspace.id,
                      workspace.root.replica.fingerprint)
    assert err.value.code == "invite_used_up"
    invites = workspace.call(workspace.root, "GET", "/api/invites")["invites"]
    assert [(i["role"], i["uses"], i["max_uses"]) for i in invites] == [("reporter", 3, 3)]
    assert "code" not in invites[0]


def test_staff_invites_cannot_be_multi_use(workspace):
    response = workspace.transport.client.post("/api/invites", json={"role": "volunteer", "max_uses": 5},
                                               headers={"Authorization": "Bearer " + workspace.root.token})
    assert response.status_code == 400
    assert "max_uses" in response.get_json()["error"]["details"]


def test_a_withdrawn_invite_is_refused(workspace):
    link = workspace.root.create_invite("volunteer")
    invite = workspace.call(workspace.root, "GET", "/api/invites")["invites"][0]
    workspace.call(workspace.root, "DELETE", "/api/invites/" + invite["id"])
    with pytest.raises(APIError) as err:
        Client.enroll(workspace.transport, invite_code(link), workspace.id,
                      workspace.root.replica.fingerprint)
    assert err.value.code == "invite_revoked"


def test_an_expired_invite_is_refused(workspace, app):
    from datetime import datetime, timedelta

    from server.extensions import db
    from server.models import Invite

    link = workspace.root.create_invite("volunteer", expires_in_hours=1)
    with app.app_context():
        invite = db.session.query(Invite).one()
        invite.expires_at = datetime(2020, 1, 1) + timedelta(hours=1)
        db.session.commit()
    with pytest.raises(APIError) as err:
        Client.enroll(workspace.transport, invite_code(link), workspace.id,
                      workspace.root.replica.fingerprint)
    assert err.value.status == 410 and err.value.code == "invite_expired"


def test_an_unknown_invite_code_is_a_clear_404(workspace):
    with pytest.raises(APIError) as err:
        Client.enroll(workspace.transport, "not-a-code", workspace.id, workspace.root.replica.fingerprint)
    assert err.value.status == 404 and err.value.code == "invite_unknown"


def test_only_coordinators_manage_invites_and_devices(workspace):
    volunteer = workspace.enroll("volunteer")
    for method, path in [("POST", "/api/invites"), ("GET", "/api/invites"),
                         ("POST", "/api/devices/%s/revoke" % workspace.root.replica.device)]:
        body = {"role": "volunteer"} if method == "POST" and "invites" in path else None
        with pytest.raises(APIError) as err:
            workspace.call(volunteer, method, path, body)
        assert err.value.status == 403 and err.value.code == "coordinator_only"


def test_tokens_are_stored_only_as_hashes(workspace, app):
    from server.extensions import db
    from server.models import Device

    volunteer = workspace.enroll("volunteer")
    with app.app_context():
        stored = [d.token_hash for d in db.session.query(Device)]
    assert volunteer.token not in stored and workspace.root.token not in stored
    assert all(len(h) == 64 for h in stored)


def test_certification_is_verified_and_shows_in_the_directory(workspace):
    volunteer = workspace.enroll("volunteer", certify=False)
    root = workspace.root
    assert volunteer.replica.device not in verify_directory(
        workspace.call(root, "GET", "/api/devices")["devices"], workspace.id, root.replica.fingerprint)
    entry = next(d for d in workspace.call(root, "GET", "/api/devices")["devices"]
                 if d["id"] == volunteer.replica.device)
    forged = make_certificate(volunteer.replica.sign_key, workspace.id, entry["id"], "volunteer",
                              entry["sign_key"],
                              entry["ecdh_key"], root.replica.device)
    with pytest.raises(APIError) as err:
        workspace.call(root, "PUT", "/api/devices/%s/certificate" % entry["id"], {"cert": forged})
    assert err.value.code == "bad_signature"
    promoted = make_certificate(root.replica.sign_key, workspace.id, entry["id"], "coordinator",
                                entry["sign_key"],
                                entry["ecdh_key"], root.replica.device)
    with pytest.raises(APIError) as err:
        workspace.call(root, "PUT", "/api/devices/%s/certificate" % entry["id"], {"cert": promoted})
    assert err.value.code == "bad_certificate"
    root.certify(volunteer.replica.device)
    volunteer.pull()
    assert volunteer.replica.trusted == {root.replica.device: "coordinator",
                                         volunteer.replica.device: "volunteer"}


def test_a_revoked_device_is_refused_on_its_very_next_request(workspace):
    volunteer = workspace.enroll("volunteer")
    volunteer.save({"status": "new"})
    workspace.root.revoke(volunteer.replica.device)
    with pytest.raises(APIError) as err:
        volunteer.push()
    assert err.value.status == 403 and err.value.code == "device_revoked"
    workspace.root.pull()
    assert workspace.root.replica.directory[volunteer.replica.device]["status"] == "revoked"


def test_a_new_record_is_not_wrapped_for_a_revoked_coordinator(workspace):
    second = workspace.enroll("coordinator")
    volunteer = workspace.enroll("volunteer")
    workspace.root.revoke(second.replica.device)
    volunteer.pull()
    volunteer.save({"status": "new"})
    recipients = {i["wrap"]["recipient"] for i in volunteer.replica.outbox if "wrap" in i}
    assert recipients == {volunteer.replica.device, workspace.root.replica.device}


def test_workspaces_are_isolated(app):
    one, two = Workspace(app), Workspace(app)
    record = one.root.save({"status": "secret"})
    one.root.push()
    two.root.pull()
    assert record not in two.root.replica.records
    # Certifying, revoking or granting across workspaces is refused as unknown.
    with pytest.raises(APIError) as err:
        two.call(two.root, "POST", "/api/devices/%s/revoke" % one.root.replica.device)
    assert err.value.status == 404
    two.root.replica.directory[one.root.replica.device] = one.root.replica.directory[one.root.replica.device]
    two.root.replica.trusted[one.root.replica.device] = "coordinator"
    mine = two.root.save({"status": "x"})
    two.root.grant(mine, one.root.replica.device)
    results = two.root.push()
    assert results["refused"] >= 1


def test_a_device_id_already_enrolled_is_refused(workspace):
    link = workspace.root.create_invite("volunteer")
    taken = workspace.root.replica.public_entry()
    response = workspace.transport.client.post("/api/enroll",
                                               json={"invite": invite_code(link), "device": taken})
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "device_exists"
    invites = workspace.call(workspace.root, "GET", "/api/invites")["invites"]
    assert invites[0]["uses"] == 0  # the refused attempt did not use the invite up
