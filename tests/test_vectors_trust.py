"""The Python core against tests/vectors/trust.json: key-binding statements, safety numbers,
certificate lists and revocation orders (the JavaScript twin checks the same file)."""

import json
import os

import pytest

from sync import keys
from sync.canonical import canonical_json
from sync.envelopes import binding_matches, make_binding, safety_number, verify_object
from sync.trust import evaluate, self_check

with open(os.path.join(os.path.dirname(__file__), "vectors", "trust.json"), encoding="utf-8") as f:
    TRUST = json.load(f)
WS = TRUST["workspace"]


def ids(cases):
    return [c["name"] for c in cases]


@pytest.mark.parametrize("case", TRUST["bindings"], ids=ids(TRUST["bindings"]))
def test_a_binding_counts_only_for_exactly_the_keys_id_role_and_workspace_it_names(case):
    assert binding_matches(case["binding"], case["entry"], WS) is case["valid"]
    if "signed" in case:
        assert canonical_json({k: v for k, v in case["binding"].items() if k != "sig"}) == case["signed"]


@pytest.mark.parametrize("case", TRUST["safety"])
def test_safety_numbers(case):
    assert canonical_json(["zapis/safety/1", case["workspace"], case["device"], case["sign_key"],
                           case["ecdh_key"]]) == case["hashed"]
    number = safety_number(case["workspace"], case["device"], case["sign_key"], case["ecdh_key"])
    assert number == case["number"]
    assert len(number) == 35 and all(len(g) == 5 and g.isdigit() for g in number.split(" "))


def test_the_safety_number_changes_with_the_ecdh_key():
    assert TRUST["safety"][2]["number"] != TRUST["safety"][-1]["number"]


@pytest.mark.parametrize("case", TRUST["revocations"], ids=ids(TRUST["revocations"]))
def test_revocation_orders_verify(case):
    assert verify_object(case["signer"], case["object"])
    assert canonical_json({k: v for k, v in case["object"].items() if k != "sig"}) == case["signed"]
    assert not verify_object(case["signer"], {**case["object"], "device": case["object"]["issuer"]})


@pytest.mark.parametrize("case", TRUST["trust"], ids=ids(TRUST["trust"]))
def test_trust_with_bindings_certificate_lists_and_revocations(case):
    out = evaluate(case["devices"], WS, case["fingerprint"], case["kept"])
    assert out["trusted"] == case["trusted"]
    assert out["revoked"] == case["revoked"]


def test_valid_orders_are_returned_to_be_kept():
    case = next(c for c in TRUST["trust"] if c["name"].startswith("a revoked coordinator anchors"))
    out = evaluate(case["devices"], WS, case["fingerprint"])
    assert [o["device"] for o in out["orders"]] == out["revoked"]
    # Kept, the orders revoke alike from a directory that no longer shows them.
    bare = [{**d, "revocations": []} for d in case["devices"]]
    assert evaluate(bare, WS, case["fingerprint"])["revoked"] == []
    assert evaluate(bare, WS, case["fingerprint"], out["orders"])["revoked"] == case["revoked"]


def test_hostile_junk_in_bindings_certs_and_revocations_does_not_crash():
    case = TRUST["trust"][5]
    junk = [{**d, "binding": "x", "certs": [1, None, {"type": 3}], "revocations": ["x", {"type": None}]}
            for d in case["devices"]]
    assert evaluate(junk, WS, case["fingerprint"]) == {"trusted": {}, "revoked": [], "orders": []}
    assert evaluate(case["devices"] + [None, 5, {"id": 3}], WS,
                    case["fingerprint"])["trusted"] == case["trusted"]


def test_self_check_catches_a_swapped_key_role_binding_or_certificate():
    me = keys.generate_key(), keys.generate_key()
    sign, ecdh = keys.public_b64(me[0]), keys.public_b64(me[1])
    other = keys.public_b64(keys.generate_key())
    dev = "selfCheckDeviceAAAAAAA"
    good = {"id": dev, "role": "coordinator", "sign_key": sign, "ecdh_key": ecdh,
            "binding": make_binding(me[0], WS, dev, "coordinator", sign, ecdh), "cert": None}
    assert self_check(good, WS, dev, "coordinator", sign, ecdh) == []
    assert self_check({**good, "binding": None}, WS, dev, "coordinator", sign, ecdh) == []
    assert self_check({**good, "ecdh_key": other}, WS, dev, "coordinator", sign, ecdh) == ["keys"]
    assert self_check({**good, "role": "volunteer"}, WS, dev, "coordinator", sign, ecdh) == ["role"]
    forged = make_binding(keys.generate_key(), WS, dev, "coordinator", sign, ecdh)
    assert self_check({**good, "binding": forged}, WS, dev, "coordinator", sign, ecdh) == ["binding"]
    from sync.envelopes import make_certificate
    cert = make_certificate(me[0], WS, dev, "coordinator", sign, other, dev)
    assert self_check({**good, "certs": [cert]}, WS, dev, "coordinator", sign, ecdh) == ["certificate"]
