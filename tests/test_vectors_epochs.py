"""The key-epoch vectors (tests/vectors/epochs.json), checked by the Python core; the JavaScript
twin checks the same file in tests/js/epoch-vectors.test.mjs."""

import json
import os

import pytest

from sync import keys
from sync.b64 import b64decode
from sync.canonical import canonical_json
from sync.envelopes import (
    ProtocolError,
    change_header,
    decrypt_field,
    key_commitment,
    unwrap_keys,
    verify_change,
    verify_object,
    wrap_keys,
)

with open(os.path.join(os.path.dirname(__file__), "vectors", "epochs.json"), encoding="utf-8") as f:
    EPOCHS = json.load(f)
DEVICES = {d["id"]: d for d in EPOCHS["devices"]}


@pytest.mark.parametrize("case", EPOCHS["wraps"], ids=lambda c: c["name"])
def test_a_key_list_wrap_reproduces_the_vector_and_unwraps(case):
    wrap = case["wrap"]
    sender = DEVICES[wrap["sender"]]
    again = wrap_keys([b64decode(k) for k in case["keys"]], wrap["workspace"], wrap["record"], wrap["sender"],
                      keys.private_from_pkcs8(b64decode(sender["sign_pkcs8"])), wrap["recipient"],
                      case["recipient_ecdh_key"],
                      ephemeral=keys.private_from_pkcs8(b64decode(case["ephemeral_pkcs8"])),
                      nonce=b64decode(wrap["nonce"]))
    assert {k: v for k, v in again.items() if k != "sig"} == {k: v for k, v in wrap.items() if k != "sig"}
    assert wrap.get("epoch", 0) == case["epoch"]
    assert json.loads(case["info"])[-1] == (case["epoch"] if case["epoch"] else wrap["epk"])
    assert verify_object(case["sender_sign_key"], wrap)
    opened = unwrap_keys(wrap, keys.private_from_pkcs8(b64decode(case["recipient_ecdh_pkcs8"])))
    assert opened == [b64decode(k) for k in case["keys"]]
    assert [key_commitment(k) for k in opened] == case["kcs"]


@pytest.mark.parametrize("case", EPOCHS["unopenable"], ids=lambda c: c["name"])
def test_a_key_list_wrap_altered_does_not_open(case):
    recipient = DEVICES[case["wrap"]["recipient"]]
    with pytest.raises(ProtocolError) as err:
        unwrap_keys(case["wrap"], keys.private_from_pkcs8(b64decode(recipient["ecdh_pkcs8"])))
    assert err.value.code == "bad_wrap"


@pytest.mark.parametrize("case", EPOCHS["changes"], ids=lambda c: c["name"])
def test_a_change_signs_its_epoch(case):
    change = case["change"]
    assert verify_change(case["signer"], change) is case["valid"]
    if case["valid"]:
        assert canonical_json(change_header(change)) == case["header"]
        w = change["writes"][0]
        value, _ = decrypt_field(b64decode(case["key"]), change["workspace"], change["record"], w["field"],
                                 w["dot"], w["nonce"], w["ct"], epoch=change["e"])
        assert value == case["value"] and change["e"] == case["epoch"]
