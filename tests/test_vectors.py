"""The Python core against the shared vectors (the JavaScript twin checks the same files)."""

import json
import os

import pytest

from sync import keys
from sync.b64 import b64decode
from sync.canonical import CanonicalJSONError, canonical_json
from sync.envelopes import (
    ProtocolError,
    change_header,
    check_change,
    decrypt_field,
    encrypt_field,
    field_aad,
    pad,
    unwrap_key,
    verify_change,
    verify_object,
    wrap_key,
    write_hash,
)
from sync.merge import display_order, merge, names_unissued, next_write, unseen
from sync.trust import verify_directory

HERE = os.path.join(os.path.dirname(__file__), "vectors")


def load(name):
    with open(os.path.join(HERE, name), encoding="utf-8") as f:
        return json.load(f)


CANONICAL = load("canonical.json")
MERGE = load("merge.json")
FIELDS = load("fields.json")
ENVELOPES = load("envelopes.json")


def ids(cases):
    return [c["name"] for c in cases]


@pytest.mark.parametrize("case", CANONICAL["valid"], ids=ids(CANONICAL["valid"]))
def test_canonical_json_matches_the_vector(case):
    assert canonical_json(json.loads(case["json"])) == case["canonical"]


@pytest.mark.parametrize("case", CANONICAL["invalid"], ids=ids(CANONICAL["invalid"]))
def test_canonical_json_refuses_what_the_vector_refuses(case):
    with pytest.raises(CanonicalJSONError):
        canonical_json(json.loads(case["json"]))


@pytest.mark.parametrize("case", MERGE["merge"], ids=ids(MERGE["merge"]))
def test_merge_steps_give_the_vector_tags_and_live_sets(case):
    live = []
    for step in case["steps"]:
        outcome = merge(live, step["write"])
        assert outcome.tag == step["tag"]
        live = outcome.live
        assert sorted(v["dot"] for v in live) == step["live"]


@pytest.mark.parametrize("case", MERGE["next_write"], ids=ids(MERGE["next_write"]))
def test_a_new_write_gets_the_vector_dot_and_context(case):
    assert next_write(case["live"], case["device"]) == (case["dot"], case["ctx"])


@pytest.mark.parametrize("case", MERGE["display_order"], ids=ids(MERGE["display_order"]))
def test_siblings_are_ordered_and_folded_as_the_vector_says(case):
    assert display_order(case["entries"]) == case["order"]


@pytest.mark.parametrize("case", MERGE["unseen"], ids=ids(MERGE["unseen"]))
def test_contexts_are_bounded_as_the_vector_says(case):
    assert unseen(case["ctx"], case["seen"], case["writer"]) == case["unseen"]


@pytest.mark.parametrize("case", MERGE["names_unissued"], ids=ids(MERGE["names_unissued"]))
def test_a_client_holds_back_what_the_vector_holds_back(case):
    assert names_unissued(case["ctx"], case["me"], case["writer"], case["issued"],
                          case["live"]) == case["held"]


@pytest.mark.parametrize("case", FIELDS["fields"], ids=[c["field"] for c in FIELDS["fields"]])
def test_field_encryption_reproduces_the_vector_ciphertext(case):
    key = b64decode(case["record_key"])
    assert field_aad(case["workspace"], case["record"], case["field"], case["dot"]).decode() == case["aad"]
    assert len(pad(case["plaintext"].encode())) == case["padded_length"]
    nonce, ct = encrypt_field(key, case["workspace"], case["record"], case["field"], case["dot"],
                              case["value"],
                              case["t"], nonce=b64decode(case["nonce"]))
    assert (nonce, ct) == (case["nonce"], case["ct"])
    assert write_hash(nonce, ct) == case["h"]
    assert decrypt_field(key, case["workspace"], case["record"], case["field"], case["dot"], nonce, ct) == \
        (case["value"], case["t"])


@pytest.mark.parametrize("case", FIELDS["tampered"], ids=[c["why"] for c in FIELDS["tampered"]])
def test_a_tampered_or_moved_ciphertext_does_not_decrypt(case):
    with pytest.raises(ProtocolError):
        decrypt_field(b64decode(case["record_key"]), case["workspace"], case["record"], case["field"],
                      case["dot"],
                      case["nonce"], case["ct"])


@pytest.mark.parametrize("case", FIELDS["padding"], ids=[str(c["length"]) for c in FIELDS["padding"]])
def test_padding_uses_the_size_buckets(case):
    assert len(pad(b"a" * case["length"])) == case["padded"]


@pytest.mark.parametrize("case", ENVELOPES["signed"], ids=ids(ENVELOPES["signed"]))
def test_signed_envelopes_verify_over_their_canonical_text(case):
    obj = case["object"]
    assert canonical_json({k: v for k, v in obj.items() if k != "sig"}) == case["signed"]
    assert verify_object(case["signer"], obj)


@pytest.mark.parametrize("case", ENVELOPES["bad_signed"], ids=ids(ENVELOPES["bad_signed"]))
def test_altered_or_misattributed_envelopes_do_not_verify(case):
    assert not verify_object(case["signer"], case["object"])


@pytest.mark.parametrize("case", ENVELOPES["changes"], ids=ids(ENVELOPES["changes"]))
def test_change_signatures_verify_exactly_when_the_vector_says(case):
    assert verify_change(case["signer"], case["change"]) is case["valid"]
    if "header" in case:
        assert canonical_json(change_header(case["change"])) == case["header"]
        check_change(case["change"])


def test_key_wrap_reproduces_the_vector_and_unwraps():
    case = ENVELOPES["wraps"][0]
    wrap = case["wrap"]
    ephemeral = keys.private_from_pkcs8(b64decode(case["ephemeral_pkcs8"]))
    coord = next(d for d in ENVELOPES["devices"] if d["ecdh_key"] == case["recipient_ecdh_key"])
    sender = next(d for d in ENVELOPES["devices"] if d["sign_key"] == case["sender_sign_key"])
    again = wrap_key(b64decode(case["record_key"]), wrap["workspace"], wrap["record"], wrap["sender"],
                     keys.private_from_pkcs8(b64decode(sender["sign_pkcs8"])), wrap["recipient"],
                     case["recipient_ecdh_key"], ephemeral=ephemeral, nonce=b64decode(wrap["nonce"]))
    assert (again["epk"], again["ct"]) == (wrap["epk"], wrap["ct"])
    assert verify_object(case["sender_sign_key"], wrap)
    recipient = keys.private_from_pkcs8(b64decode(coord["ecdh_pkcs8"]))
    assert unwrap_key(wrap, recipient) == b64decode(case["record_key"])


def test_a_wrap_does_not_open_for_another_device():
    case = ENVELOPES["wraps"][0]
    other = next(d for d in ENVELOPES["devices"] if d["ecdh_key"] != case["recipient_ecdh_key"])
    with pytest.raises(ProtocolError):
        unwrap_key(case["wrap"], keys.private_from_pkcs8(b64decode(other["ecdh_pkcs8"])))


@pytest.mark.parametrize("case", ENVELOPES["trust"], ids=ids(ENVELOPES["trust"]))
def test_only_certificate_chains_to_the_fingerprint_are_trusted(case):
    assert verify_directory(case["devices"], ENVELOPES["workspace"], case["fingerprint"]) == case["trusted"]


def test_vector_keys_match_their_scalars_and_fingerprints():
    for d in ENVELOPES["devices"]:
        sign = keys.private_from_scalar(b64decode(d["sign_d"]))
        assert keys.public_b64(sign) == d["sign_key"]
        assert keys.public_b64(keys.private_from_pkcs8(b64decode(d["sign_pkcs8"]))) == d["sign_key"]
        assert keys.fingerprint(d["sign_key"]) == d["fingerprint"]


@pytest.mark.parametrize("obj", [
    {"type": "zapis/cert/1", "x": 1.5, "sig": "A" * 86},
    {"type": "zapis/cert/1", "sig": 5},
    {"type": "zapis/cert/1", "bad": "\ud800", "sig": "A" * 86},
])
def test_objects_without_a_canonical_form_simply_do_not_verify(obj):
    assert verify_object(ENVELOPES["devices"][0]["sign_key"], obj) is False
    assert verify_object({"not": "a key"}, obj) is False


def test_a_hostile_directory_with_malformed_certificates_trusts_nothing_and_does_not_crash():
    case = ENVELOPES["trust"][0]
    broken = [{**d, "cert": {k: v for k, v in d["cert"].items() if k != "issuer"}} for d in case["devices"]]
    assert verify_directory(broken, ENVELOPES["workspace"], case["fingerprint"]) == {}
    assert verify_directory([{**d, "cert": "junk"} for d in case["devices"]], ENVELOPES["workspace"],
                            case["fingerprint"]) == {}


# -- robust.json: strict base64, low-s, key commitments, unreadable values, equivocation ----------

ROBUST = load("robust.json")


@pytest.mark.parametrize("text", ROBUST["base64"]["valid"])
def test_robust_base64_valid(text):
    from sync.b64 import b64encode

    assert b64encode(b64decode(text)) == text


@pytest.mark.parametrize("case", ROBUST["base64"]["invalid"], ids=lambda c: c["why"])
def test_robust_base64_invalid(case):
    with pytest.raises(ValueError):
        b64decode(case["text"])


def test_robust_write_hash_is_strict():
    wh = ROBUST["write_hash"]
    assert write_hash(wh["nonce"], wh["ct"]) == wh["h"]
    for case in wh["invalid"]:
        with pytest.raises(ProtocolError) as err:
            write_hash(case["nonce"], case["ct"])
        assert err.value.code == "bad_encoding", case["why"]


@pytest.mark.parametrize("case", ROBUST["low_s"], ids=lambda c: c["data"])
def test_robust_low_s_only(case):
    data = case["data"].encode()
    assert keys.verify(case["sign_key"], case["low"], data)
    assert not keys.verify(case["sign_key"], case["high"], data)
    s = int.from_bytes(b64decode(keys.sign(keys.generate_key(), data))[32:], "big")
    assert 0 < s <= keys.HALF_ORDER


def test_robust_key_commitments():
    from sync.envelopes import key_commitment

    for case in ROBUST["key_commitments"]:
        assert key_commitment(b64decode(case["key"])) == case["kc"]
    kc = ROBUST["kc_change"]
    vol = ENVELOPES["devices"][2]
    assert canonical_json(change_header(kc["change"])) == kc["header"]
    assert '"kc":"%s"' % kc["change"]["kc"] in kc["header"]
    assert verify_change(vol["sign_key"], kc["change"])
    assert not verify_change(vol["sign_key"], kc["wrong_kc"])
    assert not verify_change(vol["sign_key"], kc["no_kc"])


@pytest.mark.parametrize("case", ROBUST["unreadable"], ids=lambda c: c["why"])
def test_robust_unreadable_values(case):
    args = (b64decode(case["record_key"]), case["workspace"], case["record"], case["field"], case["dot"],
            case["nonce"], case["ct"])
    if "code" in case:
        with pytest.raises(ProtocolError) as err:
            decrypt_field(*args)
        assert err.value.code == case["code"]
    else:
        assert decrypt_field(*args) == (case["value"], case["t"])


@pytest.mark.parametrize("case", ROBUST["equivocation"], ids=lambda c: c["name"])
def test_robust_equivocation_skips_one_write(case):
    from sync.merge import apply_writes

    after, tags = apply_writes(case["fields"], case["writes"])
    assert after == case["after"] and tags == case["tags"]
