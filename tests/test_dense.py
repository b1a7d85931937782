"""The dense pull page (protocol version 3): the shared vectors, the server's text, and old clients
told to update."""

import copy
import json

import pytest

from server.store import change_text, hash_text, wrap_text, write_text
from sync import dense
from sync.envelopes import verify_change, verify_object
from sync.field_ids import FIRST_CHANGE_WRITES
from test_vectors import load

VECTORS = load("dense.json")
PAGES = VECTORS["pages"]


@pytest.mark.parametrize("case", PAGES, ids=[p["name"] for p in PAGES])
def test_a_dense_page_decodes_to_its_logical_page_and_back(case):
    assert dense.decode_page(copy.deepcopy(case["dense"])) == case["logical"]
    assert dense.encode_page(case["logical"], VECTORS["workspace"], VECTORS["recipient"]) == case["dense"]


@pytest.mark.parametrize("case", [p for p in PAGES if p["signed"]],
                         ids=[p["name"] for p in PAGES if p["signed"]])
def test_decoded_changes_and_wraps_verify_under_their_signatures(case):
    page = dense.decode_page(copy.deepcopy(case["dense"]))
    assert page["changes"] and all(verify_change(VECTORS["signer"], c) for c in page["changes"])
    assert all(verify_object(VECTORS["signer"], w) for w in page["wraps"])


@pytest.mark.parametrize("case", VECTORS["malformed"], ids=[m["name"] for m in VECTORS["malformed"]])
def test_an_item_not_of_the_dense_shape_is_passed_on_unchanged_and_its_neighbours_are_read(case):
    good = PAGES[0]["dense"]
    kind = case["kind"] + "s"
    page = {**copy.deepcopy(good), kind: [copy.deepcopy(case["item"])] + copy.deepcopy(good[kind])}
    decoded = dense.decode_page(page)
    assert decoded[kind][0] == case["item"]
    assert decoded[kind][1:] == PAGES[0]["logical"][kind]


@pytest.mark.parametrize("case", VECTORS["unencodable"], ids=[u["name"] for u in VECTORS["unencodable"]])
def test_what_the_dense_form_cannot_carry_is_refused_by_the_encoder(case):
    with pytest.raises(ValueError):
        dense.encode_write(case["write"], case["device"])


@pytest.mark.parametrize("case", PAGES, ids=[p["name"] for p in PAGES])
def test_the_servers_hand_written_text_is_the_vectors_json_byte_for_byte(case):
    for logical, expected in zip(case["logical"]["changes"], case["dense"]["changes"]):
        writes = ",".join(write_text(w["field"], w["dot"], w["ctx"], w["nonce"], w["ct"]) if "ct" in w
                          else hash_text(w["field"], w["dot"], w["ctx"], w["h"]) for w in logical["writes"])
        text = change_text(logical["record"], logical["device"], logical["sig"], writes, logical.get("kc"),
                           logical.get("e"))
        assert text == json.dumps(expected, separators=(",", ":"))
    for logical, expected in zip(case["logical"]["wraps"], case["dense"]["wraps"]):
        text = wrap_text(logical["record"], logical["sender"], logical["epk"], logical["nonce"],
                         logical["ct"],
                         logical["sig"], logical.get("epoch"))
        assert text == json.dumps(expected, separators=(",", ":"))


def _pull(workspace, device, header):
    headers = {"Authorization": "Bearer " + device.token}
    if header is not None:
        headers["Zapis-Protocol"] = header
    return workspace.transport.client.get("/api/sync/pull", query_string={"cursor": 0}, headers=headers)


@pytest.mark.parametrize("header", [None, "", "2", "1", "three", "3.0", "99999"])
def test_a_pull_from_a_client_that_does_not_read_dense_pages_is_told_to_update(workspace, header):
    response = _pull(workspace, workspace.root, header)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "update_required" and "update" in error["message"].lower()


def test_a_v3_client_gets_a_dense_page_that_decodes_to_what_it_signed(workspace):
    volunteer = workspace.enroll("volunteer")
    record = volunteer.save({"status": "new", "city": "Brest"})
    volunteer.save({"city": "Hrodna"}, record=record)
    volunteer.push()
    response = _pull(workspace, workspace.root, "3")
    assert response.status_code == 200
    page = json.loads(response.get_data(as_text=True))
    assert page["workspace"] == workspace.id and page["recipient"] == workspace.root.replica.device
    assert all(isinstance(c, list) for c in page["changes"])
    assert all(isinstance(w, list) for w in page["wraps"])
    logical = dense.decode_page(page)
    mine = [c for c in logical["changes"] if c["record"] == record]
    assert [len(c["writes"]) for c in mine] == [FIRST_CHANGE_WRITES, 1]  # a first change is padded
    assert all(verify_change(volunteer.replica.directory[volunteer.replica.device]["sign_key"], c)
               for c in mine)
    first, edit = mine
    # The edit covered the first city value: the first change keeps it as its hash, the edit's
    # context names the volunteer's first city write (its own entry, rebuilt by the decoder).
    city = volunteer.replica.field_of(record, "city")
    assert {w["field"]: ("ct" in w, "h" in w) for w in first["writes"]} == {
        w["field"]: (w["field"] != city, w["field"] == city) for w in first["writes"]}
    assert edit["writes"][0]["field"] == city
    assert edit["writes"][0]["dot"] == [volunteer.replica.device, 2]
    assert edit["writes"][0]["ctx"] == {volunteer.replica.device: 1}
    assert _pull(workspace, workspace.root, " 4 ").status_code == 200   # a later client reads it too

