"""Bad input gets a 4xx in the one error envelope, never a 500, and never costs good data."""

import gzip
import json

import pytest

from sync import dense
from sync.field_ids import FIRST_CHANGE_WRITES


def auth(ws):
    return {"Authorization": "Bearer " + ws.root.token, dense.HEADER: dense.PROTOCOL}


def error_of(response, status):
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) == {"error"} and body["error"]["code"] and body["error"]["message"]
    return body["error"]


@pytest.mark.parametrize("data, content_type, status, code", [
    (b"{not json", "application/json", 400, "invalid_json"),
    (b'{"changes": [}', "application/json", 400, "invalid_json"),
    (b"\xff\xfe{}", "application/json", 400, "invalid_json"),
    (b'{"changes": NaN}', "application/json", 400, "invalid_json"),
    (b"[" * 100_000 + b"]" * 100_000, "application/json", 400, "invalid_json"),
    (b'{"changes": [' + b"9" * 5000 + b"]}", "application/json", 400, "invalid_json"),
    (b"[]", "application/json", 400, "invalid_request"),
    (b'{"changes": 5}', "application/json", 400, "invalid_request"),
    (b'{"changes": [], "extra": 1}', "application/json", 400, "invalid_request"),
    (b"changes=1", "application/x-www-form-urlencoded", 415, "unsupported_media_type"),
    (b"{}", "text/plain", 415, "unsupported_media_type"),
])
def test_malformed_push_bodies_get_a_clear_4xx(workspace, data, content_type, status, code):
    response = workspace.transport.client.post("/api/sync/push", data=data, content_type=content_type,
                                               headers=auth(workspace))
    assert error_of(response, status)["code"] == code


def test_a_body_over_the_limit_is_413(workspace):
    big = json.dumps({"changes": [], "pad": "x" * (3 * 1024 * 1024)}).encode()
    response = workspace.transport.client.post("/api/sync/push", data=big, content_type="application/json",
                                               headers=auth(workspace))
    assert error_of(response, 413)["code"] == "body_too_large"


def test_a_gzip_bomb_is_413_not_a_memory_blowup(workspace):
    bomb = gzip.compress(b'{"changes": [], "pad": "' + b"0" * (50 * 1024 * 1024) + b'"}')
    assert len(bomb) < 100_000
    response = workspace.transport.client.post("/api/sync/push", data=bomb, content_type="application/json",
                                               headers={**auth(workspace), "Content-Encoding": "gzip"})
    assert error_of(response, 413)["code"] == "body_too_large"


def test_a_gzipped_push_is_accepted(workspace):
    v = workspace.enroll("volunteer")
    v.save({"status": "new"})
    body, _ = v.replica.push_batch()
    response = workspace.transport.client.post("/api/sync/push",
                                               data=gzip.compress(json.dumps(body).encode()),
                                               content_type="application/json",
                                               headers={"Authorization": "Bearer " + v.token,
                                                        "Content-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.get_json()["changes"][0]["writes"] == [{"status": "accepted"}] * FIRST_CHANGE_WRITES


def test_damaged_gzip_and_unknown_encodings_are_refused(workspace):
    client = workspace.transport.client
    response = client.post("/api/sync/push", data=b"\x1f\x8bnot gzip", content_type="application/json",
                           headers={**auth(workspace), "Content-Encoding": "gzip"})
    assert error_of(response, 400)["code"] == "invalid_body"
    response = client.post("/api/sync/push", data=b"{}", content_type="application/json",
                           headers={**auth(workspace), "Content-Encoding": "br"})
    assert error_of(response, 415)["code"] == "unsupported_encoding"


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer nope", "Basic abc", "bearer " + "x" * 5000])
def test_requests_without_a_valid_token_are_401(workspace, header):
    headers = {"Authorization": header} if header else {}
    response = workspace.transport.client.get("/api/sync/pull", headers=headers)
    assert error_of(response, 401)["code"] == "unauthenticated"


@pytest.mark.parametrize("query", ["cursor=-1", "cursor=abc", "cursor=1e3", "limit=0", "limit=100000",
                                   "cursor=99999999999999999999999"])
def test_bad_pull_parameters_are_400(workspace, query):
    response = workspace.transport.client.get("/api/sync/pull?" + query, headers=auth(workspace))
    assert error_of(response, 400)["code"] == "invalid_request"


@pytest.mark.parametrize("body", [
    {},
    {"invite": "x"},
    {"invite": "x", "device": {"id": "short", "sign_key": "AA", "ecdh_key": "AA"}},
    {"invite": "x", "device": {"id": "A" * 22, "sign_key": "B" * 87, "ecdh_key": "B" * 87}},
    {"invite": 5, "device": []},
])
def test_bad_enrollment_bodies_are_400_with_field_details(workspace, body):
    response = workspace.transport.client.post("/api/enroll", json=body)
    err = error_of(response, 400)
    assert err["code"] in ("invalid_request", "invalid_key")


def test_an_enrollment_with_a_point_off_the_curve_is_refused(workspace):
    from sync.b64 import b64encode

    off_curve = b64encode(b"\x04" + b"\x01" * 64)
    link = workspace.root.create_invite("volunteer")
    code = link.split("#c=")[1].split("&")[0]
    response = workspace.transport.client.post("/api/enroll", json={
        "invite": code, "device": {"id": "A" * 22, "sign_key": off_curve, "ecdh_key": off_curve}})
    assert error_of(response, 400)["code"] == "invalid_key"


def test_unknown_routes_and_methods_answer_in_the_envelope(client):
    assert error_of(client.get("/api/nowhere"), 404)["code"] == "not_found"
    assert error_of(client.delete("/api/sync/pull"), 405)["code"] == "method_not_allowed"


@pytest.mark.parametrize("field, value", [
    ("field", "Has Capitals"), ("field", "x" * 41), ("dot", ["A" * 22]), ("dot", ["A" * 22, 0]),
    ("dot", ["A" * 22, 2 ** 60]), ("dot", ["A" * 22, 1.5]), ("ctx", {"A" * 22: "1"}), ("ctx", {"bad id": 1}),
    ("nonce", "short"), ("nonce", "A" * 16 + "="), ("ct", "@@@@"), ("ct", "A" * 200_000), ("ct", ""),
])
def test_malformed_writes_are_refused_item_by_item(workspace, field, value):
    v = workspace.enroll("volunteer")
    v.save({"status": "new"})
    body, _ = v.replica.push_batch()
    bad = json.loads(json.dumps(body["changes"][0]))
    bad["writes"][0][field] = value
    body["changes"] = [bad] + body["changes"]
    response = workspace.transport.client.post("/api/sync/push", json=body,
                                               headers={"Authorization": "Bearer " + v.token})
    assert response.status_code == 200
    results = response.get_json()["changes"]
    assert results[0]["status"] == "refused" and results[0]["code"] == "invalid_item"
    assert results[1]["status"] == "ok"
