"""Strict parsing (issue 18, finding 2): identifiers match as a whole string, control characters
are refused everywhere, and every pull page stays valid JSON.

Before, marshmallow's Regexp (re.match, where `$` matches before a final "\\n") let a field name
or record id ending in a newline through; the server wrote it unescaped into the JSON it stores
and serves, and every pull page carrying it was invalid JSON for every device, for good.
"""

import json

import pytest

from server.store import _state_dump, _state_load, change_text, hash_text, wrap_text, write_text
from sync import dense
from sync.envelopes import make_certificate, make_purge, sign_change, sign_object

BAD_ENDINGS = ["\n", "\r", "\t", "\x00", "\x1f", "\x7f", " ", "\u2028", "\"", "\\"]
UUID = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"


def strictly(text):
    """Parse as a strict JSON parser does: no raw control characters inside strings."""
    return json.loads(text, strict=True)


def pull_is_valid_json(workspace, device):
    response = workspace.transport.client.get("/api/sync/pull", query_string={"cursor": 0},
                                              headers={"Authorization": "Bearer " + device.token,
                                                       dense.HEADER: dense.PROTOCOL})
    assert response.status_code == 200
    return dense.decode_page(strictly(response.get_data(as_text=True)))


def signed_change(device, record, field):
    return sign_change(device.replica.sign_key, {
        "workspace": device.replica.workspace, "record": record, "device": device.replica.device,
        "writes": [{"field": field, "dot": [device.replica.device, 1], "ctx": {}, "nonce": "A" * 16,
                    "ct": "B" * 32}]})


def push(workspace, device, body):
    response = workspace.transport.client.post("/api/sync/push", json=body,
                                               headers={"Authorization": "Bearer " + device.token})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


@pytest.mark.parametrize("ending", BAD_ENDINGS)
def test_a_field_name_or_record_id_with_a_control_character_is_refused(workspace, ending):
    volunteer = workspace.enroll("volunteer")
    body = {"changes": [signed_change(volunteer, UUID, "status" + ending),
                        signed_change(volunteer, UUID + ending, "status")], "wraps": []}
    results = push(workspace, volunteer, body)
    assert [r["code"] for r in results["changes"]] == ["invalid_item", "invalid_item"]
    assert "field" in json.dumps(results["changes"][0]["details"])
    assert "record" in json.dumps(results["changes"][1]["details"])
    # The slow path (a malformed neighbour forces schema loading) refuses them alike.
    body["changes"].append({"not": "a change"})
    assert [r["code"] for r in push(workspace, volunteer, body)["changes"]] == ["invalid_item"] * 3
    page = pull_is_valid_json(workspace, workspace.root)
    assert page["changes"] == []


@pytest.mark.parametrize("ending", ["\n", "\t", "\x00"])
def test_device_ids_in_dots_contexts_and_wraps_with_control_characters_are_refused(workspace, ending):
    volunteer = workspace.enroll("volunteer")
    me = volunteer.replica.device
    change = {"workspace": workspace.id, "record": UUID, "device": me,
              "writes": [{"field": "status", "dot": [me, 2], "ctx": {me: 1, me[:21] + ending: 1},
                          "nonce": "A" * 16, "ct": "B" * 32}]}
    wrap = sign_object(volunteer.replica.sign_key, {
        "type": "zapis/wrap/1", "workspace": workspace.id, "record": UUID + ending,
        "recipient": workspace.root.replica.device, "sender": me,
        "epk": workspace.root.replica.directory[workspace.root.replica.device]["ecdh_key"],
        "nonce": "A" * 16, "ct": "C" * 64})
    results = push(workspace, volunteer, {"changes": [sign_change(volunteer.replica.sign_key, change)],
                                          "wraps": [wrap]})
    assert results["changes"][0]["code"] == "invalid_item"
    assert results["wraps"][0]["code"] == "invalid_item"
    pull_is_valid_json(workspace, workspace.root)


@pytest.mark.parametrize("ending", ["\n", "\r", "\x00"])
def test_purge_certify_revoke_and_enroll_refuse_control_characters(workspace, ending):
    root = workspace.root
    record = root.save({"status": "new"})
    root.push()
    order = make_purge(root.replica.sign_key, workspace.id, record + ending, root.replica.device)
    client = workspace.transport.client
    auth = {"Authorization": "Bearer " + root.token}
    for path in ["/api/records/%s/purge" % (record + ending), "/api/records/%s%%0A/purge" % record]:
        response = client.post(path, json=order, headers=auth)
        assert 400 <= response.status_code < 500
        assert response.get_json()["error"]["code"] in ("invalid_request", "bad_purge")
    volunteer = workspace.enroll("volunteer", certify=False)
    entry = next(d for d in workspace.call(root, "GET", "/api/devices")["devices"]
                 if d["id"] == volunteer.replica.device)
    cert = make_certificate(root.replica.sign_key, workspace.id, entry["id"] + ending, entry["role"],
                            entry["sign_key"], entry["ecdh_key"], root.replica.device)
    response = client.put("/api/devices/%s/certificate" % entry["id"], json={"cert": cert}, headers=auth)
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "invalid_request"
    response = client.post("/api/devices/%s%%0A/revoke" % entry["id"], headers=auth)
    assert response.status_code == 404
    invite = workspace.call(root, "POST", "/api/invites", {"role": "volunteer"})
    response = client.post("/api/enroll", json={"invite": invite["code"], "device": {
        "id": "D" * 22 + ending, "sign_key": entry["sign_key"], "ecdh_key": entry["ecdh_key"]}})
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "invalid_request"
    page = pull_is_valid_json(workspace, root)
    assert record in {c["record"] for c in page["changes"]}


def test_the_reference_client_keeps_syncing_after_an_attempted_attack(workspace):
    volunteer = workspace.enroll("volunteer")
    push(workspace, volunteer, {"changes": [signed_change(volunteer, UUID, "status\n")], "wraps": []})
    record = volunteer.save({"status": "new"})
    volunteer.push()
    fresh = workspace.enroll("coordinator")
    fresh.pull()
    assert record in fresh.replica.records


def test_hand_written_json_escapes_whatever_slips_through():
    """The store formats JSON by hand for speed; text that is not an identifier or base64url is
    escaped there too, so a missed check upstream still cannot make a page invalid JSON."""
    odd = "a\n\"\\\x00\u2028b"
    write = strictly(write_text(odd, [odd, 3], {odd: 2, "x": 1}, odd, odd))
    assert write == [odd, 3, {"x": 1}, odd, odd]   # dense: the dot's device and its own entry implied
    assert strictly(hash_text(odd, [odd, 1], {}, odd)) == [odd, 1, {}, odd]
    change = strictly(change_text(odd, odd, odd, write_text(odd, [odd, 3], {odd: 2}, "n", "c"), kc=odd))
    assert dense.decode_change(change, odd) == {
        "workspace": odd, "record": odd, "device": odd, "kc": odd, "sig": odd,
        "writes": [{"field": odd, "dot": [odd, 3], "ctx": {odd: 2}, "nonce": "n", "ct": "c"}]}
    wrap = strictly(wrap_text(odd, odd, odd, odd, odd, odd))
    assert dense.decode_wrap(wrap, odd, odd)["sender"] == odd
    state = {odd: [{"dot": [odd, 1], "ctx": {odd: 1}, "change": 5, "idx": 0, "h": odd}]}
    seen = {odd: {odd: 4}}
    assert _state_load(_state_dump(state, seen)) == (state, seen)
    # Plain identifiers are written as they are (the fast path).
    assert write_text("status", ["A" * 22, 2], {"A" * 22: 1}, "n", "c") == '["status",2,{},"n","c"]'
