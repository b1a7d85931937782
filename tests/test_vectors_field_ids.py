"""The Python core against tests/vectors/field_ids.json: field-id derivation, protocol-3 values
{n, t, v} under AAD zapis/field/2, and what a reader refuses (tests/js/field-ids.test.mjs checks the
same file in JavaScript)."""

import json
import os

import pytest

from sync.b64 import b64decode, b64encode
from sync.canonical import canonical_json
from sync.envelopes import ProtocolError, decrypt_value, encrypt_value, field_aad2, open_value
from sync.field_ids import FIRST_CHANGE_WRITES, fid, field_id_key_from, is_id, is_name, padded_first

with open(os.path.join(os.path.dirname(__file__), "vectors", "field_ids.json"), encoding="utf-8") as f:
    V = json.load(f)
D = V["derivation"]
K0 = b64decode(D["k0"])
FID_KEY = field_id_key_from(K0, D["workspace"], D["record"])


def test_the_field_id_key_and_ids_derive_as_the_vectors_say():
    assert canonical_json(["zapis/field-id/1", D["workspace"], D["record"]]) == D["salt"]
    assert b64encode(FID_KEY) == D["fid_key"]
    for name, expected in D["ids"].items():
        assert fid(FID_KEY, name) == expected and len(expected) == 22 and is_id(expected)


def test_ids_differ_from_record_to_record():
    other = field_id_key_from(K0, D["workspace"], "11111111-2222-4333-8444-555555555555")
    assert fid(other, "status") == V["other_record_fid_of_status"] != D["ids"]["status"]


@pytest.mark.parametrize("case", V["values"], ids=[c["name"] for c in V["values"]])
def test_a_value_encrypts_to_the_vector_and_opens_to_its_name(case):
    key = b64decode(case["record_key"])
    assert fid(FID_KEY, case["name"]) == case["field"]
    ws, record, field = case["workspace"], case["record"], case["field"]
    dot, epoch = case["dot"], case["epoch"]
    assert field_aad2(ws, record, field, dot, epoch).decode() == case["aad"]
    nonce, ct = encrypt_value(key, ws, record, field, case["name"], dot, case["value"], case["t"], epoch,
                              nonce=b64decode(case["nonce"]))
    assert (nonce, ct) == (case["nonce"], case["ct"])
    args = (key, FID_KEY, ws, record, field, dot, case["nonce"], case["ct"], epoch)
    assert decrypt_value(*args) == (case["name"], case["value"], case["t"])
    assert open_value(*args) == (case["name"], case["value"], case["t"])


@pytest.mark.parametrize("case", V["unreadable"], ids=[c["why"] for c in V["unreadable"]])
def test_a_reader_refuses_what_is_not_its_fields_value(case):
    with pytest.raises(ProtocolError) as err:
        open_value(b64decode(case["record_key"]), FID_KEY, case["workspace"], case["record"], case["field"],
                   case["dot"], case["nonce"], case["ct"], case["epoch"])
    assert err.value.code == "unreadable_value"


@pytest.mark.parametrize("case", V["legacy"])
def test_a_legacy_value_opens_under_its_name(case):
    opened = open_value(b64decode(case["record_key"]), FID_KEY, case["workspace"], case["record"],
                        case["field"], case["dot"], case["nonce"], case["ct"])
    assert opened == (case["name"], case["value"], case["t"])


def test_the_first_change_is_padded_to_the_same_count():
    first = V["first_change"]
    assert first["writes"] == FIRST_CHANGE_WRITES == len(first["padded"])
    assert padded_first(first["values"]) == first["padded"]


def test_name_and_id_shapes_are_whole_string_matches():
    shapes = V["shapes"]
    assert all(is_name(n) for n in shapes["names"]) and all(is_id(i) for i in shapes["ids"])
    assert not any(is_name(x) or is_id(x) for x in shapes["neither"])
