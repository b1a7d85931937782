"""Write the shared test vectors. Run from the repository root: python tests/vectors/make_vectors.py

Keys and nonces are fixed, so ciphertexts are reproducible. ECDSA signatures are randomised (in
`cryptography` and in WebCrypto alike), so signature vectors are checked by verifying, never by
comparing bytes; regenerating them changes the signature texts and nothing else.
"""

import hashlib
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

from sync import keys  # noqa: E402
from sync.b64 import b64encode  # noqa: E402
from sync.canonical import canonical_json  # noqa: E402
from sync.dense import encode_page  # noqa: E402
from sync.envelopes import (  # noqa: E402
    change_header,
    encrypt_field,
    field_aad,
    key_commitment,
    make_binding,
    make_certificate,
    make_purge,
    make_revocation,
    pad,
    safety_number,
    sign_change,
    sign_object,
    wrap_key,
    wrap_keys,
    write_hash,
)

HERE = os.path.dirname(os.path.abspath(__file__))
WS = "6f1d2c3b-4a59-4e68-8b7a-0c1d2e3f4a5b"
REC = "0a9b8c7d-6e5f-4a3b-9c2d-1e0f9a8b7c6d"


def scalar(label):
    n = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
    return (int.from_bytes(hashlib.sha256(label.encode()).digest(), "big") % (n - 1) + 1).to_bytes(32, "big")


def device(label, dev_id):
    sign = keys.private_from_scalar(scalar(label + "/sign"))
    ecdh = keys.private_from_scalar(scalar(label + "/ecdh"))
    return {"id": dev_id, "sign_d": b64encode(scalar(label + "/sign")),
            "sign_pkcs8": b64encode(keys.private_to_pkcs8(sign)), "sign_key": keys.public_b64(sign),
            "ecdh_d": b64encode(scalar(label + "/ecdh")),
            "ecdh_pkcs8": b64encode(keys.private_to_pkcs8(ecdh)),
            "ecdh_key": keys.public_b64(ecdh), "fingerprint": keys.fingerprint(keys.public_b64(sign)),
            "_sign": sign, "_ecdh": ecdh}


ROOT = device("root", "rootDeviceAAAAAAAAAAAA")
COORD = device("coordinator", "coordDeviceBBBBBBBBBBB")
VOL = device("volunteer", "volunteerDevCCCCCCCCCC")
EVIL = device("hostile", "hostileDevDDDDDDDDDDDD")
DEVICES = [ROOT, COORD, VOL, EVIL]


def public(d):
    return {k: v for k, v in d.items() if not k.startswith("_")}


def write(path, doc):
    with open(os.path.join(HERE, path), "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=1, ensure_ascii=False)
        f.write("\n")


def canonical_vectors():
    valid = [
        ("empty object", "{}"),
        ("key order", '{"b":1,"a":2,"aa":3,"A":4}'),
        ("nesting", '{"z":[1,[2,{"y":null,"x":true}],false],"a":{"c":{"b":[]}}}'),
        ("integers", '[0,-0,1,-1,9007199254740991,-9007199254740991,1e2]'),
        ("escapes", '["quote\\" backslash\\\\ slash/ \\b\\f\\n\\r\\t \\u0000\\u001f\\u007f"]'),
        ("unicode kept literal",
         '{"name":"Аляксандра Ўладзіміраўна","pl":"zażółć gęślą jaźń","emoji":"\\ud83d\\ude00"}'),
        ("utf-16 key order", '{"\\ue000":1,"\\ud83d\\ude00":2,"\\u00e9":3,"e":4}'),
        ("white space removed", ' { "a" : [ 1 , 2 ] ,\n "b" : "x y" } '),
        ("line separators", '["\\u2028\\u2029"]'),
    ]
    out = []
    for name, text in valid:
        value = json.loads(text)
        out.append({"name": name, "json": text, "canonical": canonical_json(value)})
    invalid = [
        ("fraction", "1.5"), ("exponent fraction", "[2.5e-3]"), ("too large", "9007199254740993"),
        ("too small", "-9007199254740993"), ("lone surrogate", '"\\ud800"'),
        ("lone low surrogate key", '{"\\udc00":1}'),
    ]
    return {"valid": out, "invalid": [{"name": n, "json": t} for n, t in invalid]}


def merge_vectors():
    def w(dev, n, ctx, content):
        return {"dot": [dev, n], "ctx": ctx, "nonce": "n" + content, "ct": "c" + content}

    A, B, C = "A", "B", "C"
    cases = []

    def case(name, steps):
        from sync.merge import merge

        live, out = [], []
        for write_, expected in steps:
            outcome = merge(live, write_)
            assert outcome.tag == expected, (name, write_, outcome.tag)
            live = outcome.live
            out.append({"write": write_, "tag": outcome.tag,
                        "live": sorted([v["dot"] for v in live])})
        cases.append({"name": name, "steps": out})

    case("first write is accepted", [(w(A, 1, {}, "a1"), "accepted")])
    case("a later write by the same device replaces", [
        (w(A, 1, {}, "a1"), "accepted"), (w(A, 2, {A: 1}, "a2"), "accepted")])
    case("concurrent writes become siblings", [
        (w(A, 1, {}, "a1"), "accepted"), (w(B, 1, {}, "b1"), "accepted")])
    case("a write that saw both siblings resolves them", [
        (w(A, 1, {}, "a1"), "accepted"), (w(B, 1, {}, "b1"), "accepted"),
        (w(C, 1, {A: 1, B: 1}, "c1"), "accepted")])
    case("a stale write is dropped", [
        (w(A, 2, {A: 1}, "a2"), "accepted"), (w(A, 1, {}, "a1"), "stale")])
    case("a write covered by a sibling's context is stale", [
        (w(B, 1, {A: 1}, "b1"), "accepted"), (w(A, 1, {}, "a1"), "stale")])
    case("the same write twice is a duplicate", [
        (w(A, 1, {}, "a1"), "accepted"), (w(A, 1, {}, "a1"), "duplicate")])
    case("the same dot with other content is an equivocation", [
        (w(A, 1, {}, "a1"), "accepted"), (w(A, 1, {}, "x1"), "equivocation")])
    case("out of order arrival converges", [
        (w(C, 1, {A: 1, B: 1}, "c1"), "accepted"), (w(A, 1, {}, "a1"), "stale"),
        (w(B, 1, {}, "b1"), "stale")])
    case("a write covers only what it saw", [
        (w(A, 1, {}, "a1"), "accepted"), (w(B, 1, {}, "b1"), "accepted"),
        (w(A, 2, {A: 1}, "a2"), "accepted")])
    case("three-way conflict then partial resolution", [
        (w(A, 1, {}, "a1"), "accepted"), (w(B, 1, {}, "b1"), "accepted"), (w(C, 1, {}, "c1"), "accepted"),
        (w(A, 2, {A: 1, B: 1}, "a2"), "accepted"), (w(C, 2, {A: 2, B: 1, C: 1}, "c2"), "accepted")])

    next_writes = [
        {"name": "empty field", "device": A, "live": [], "dot": [A, 1], "ctx": {}},
        {"name": "over own value", "device": A, "live": [w(A, 3, {A: 2}, "a3")], "dot": [A, 4],
         "ctx": {A: 3}},
        {"name": "over siblings", "device": C, "live": [w(A, 1, {}, "a1"), w(B, 2, {B: 1, C: 4}, "b2")],
         "dot": [C, 5], "ctx": {A: 1, B: 2, C: 4}},
    ]
    display = [
        {"name": "latest first, then device id, equal plaintexts folded",
         "entries": [{"value": '"x"', "t": 5, "device": "B"}, {"value": '"y"', "t": 9, "device": "C"},
                     {"value": '"x"', "t": 5, "device": "A"}, {"value": '"z"', "t": 9, "device": "A"}],
         "order": [{"value": '"z"', "t": 9, "device": "A"}, {"value": '"y"', "t": 9, "device": "C"},
                   {"value": '"x"', "t": 5, "device": "A"}]},
    ]
    from sync.merge import names_unissued, unseen

    bounds = [{"name": n, "ctx": ctx, "seen": seen, "writer": wr, "unseen": unseen(ctx, seen, wr)} for n, ctx,
              seen, wr in [
        ("within what was accepted", {A: 3, B: 1}, {A: 3, B: 2}, C),
        ("a counter above what was accepted", {A: 4, B: 1}, {A: 3, B: 2}, C),
        ("a device never accepted for the field", {C: 1}, {A: 3}, B),
        ("the writer's own entry is not bounded here", {A: 7}, {A: 3}, A),
        ("an empty context", {}, {}, A)]]
    own = [{"name": n, "ctx": ctx, "me": A, "writer": wr, "issued": iss, "live": live,
            "held": names_unissued(ctx, A, wr, iss, live)} for n, ctx, wr, iss, live in [
        ("names what this device issued", {A: 2}, B, 2, []),
        ("names more than this device issued", {A: 3}, B, 2, []),
        ("names other devices only", {B: 9, C: 4}, B, 0, []),
        ("this device's own write", {A: 8}, A, 2, []),
        ("a live context kept from before the rule counts", {A: 5}, B, 2, [w(C, 1, {A: 5}, "c1")]),
        ("a live own dot counts", {A: 4}, C, 0, [w(A, 4, {A: 3}, "a4")])]]
    return {"merge": cases, "next_write": next_writes, "display_order": display, "unseen": bounds,
            "names_unissued": own}


def field_vectors():
    key = hashlib.sha256(b"zapis test record key").digest()
    out = []
    for i, (field, dot, value, t) in enumerate([
        ("category", [VOL["id"], 1], "bank", 1767225600000),
        ("what_happened", [VOL["id"], 2], "Відмовилі ў рахунку. Konto zablokowane 🙁", 1767225600123),
        ("people", [COORD["id"], 7], {"adults": 2, "children": [3, 7], "note": None, "ok": True}, 0),
        ("long", [ROOT["id"], 1], "x" * 600, 1767225600999),
    ]):
        nonce = hashlib.sha256(b"nonce %d" % i).digest()[:12]
        n64, ct = encrypt_field(key, WS, REC, field, dot, value, t, nonce=nonce)
        plaintext = canonical_json({"t": t, "v": value}).encode()
        out.append({"record_key": b64encode(key), "workspace": WS, "record": REC, "field": field, "dot": dot,
                    "value": value, "t": t, "nonce": n64, "aad": field_aad(WS, REC, field, dot).decode(),
                    "plaintext": plaintext.decode(), "padded_length": len(pad(plaintext)), "ct": ct,
                    "h": write_hash(n64, ct)})
    tampered = [
        {**out[0], "field": "what_happened", "why": "ciphertext moved to another field"},
        {**out[0], "record": "11111111-2222-4333-8444-555555555555", "why": "moved to another record"},
        {**out[0], "dot": [VOL["id"], 9], "why": "replayed under another dot"},
        {**out[0], "ct": out[1]["ct"], "nonce": out[1]["nonce"], "why": "value of another write"},
    ]
    pads = [{"length": n, "padded": len(pad(b"a" * n))}
            for n in (0, 1, 126, 127, 128, 511, 512, 8191, 8192, 20000)]
    return {"fields": out, "tampered": tampered, "padding": pads}


def envelope_vectors():
    cert_root = make_certificate(ROOT["_sign"], WS, ROOT["id"], "coordinator", ROOT["sign_key"],
                                 ROOT["ecdh_key"],
                                 ROOT["id"])
    cert_coord = make_certificate(ROOT["_sign"], WS, COORD["id"], "coordinator", COORD["sign_key"],
                                  COORD["ecdh_key"], ROOT["id"])
    cert_vol = make_certificate(COORD["_sign"], WS, VOL["id"], "volunteer", VOL["sign_key"], VOL["ecdh_key"],
                                COORD["id"])
    key = hashlib.sha256(b"zapis test record key").digest()
    eph = keys.private_from_scalar(scalar("ephemeral"))
    wrap = wrap_key(key, WS, REC, VOL["id"], VOL["_sign"], COORD["id"], COORD["ecdh_key"], ephemeral=eph,
                    nonce=bytes(range(12)))
    writes = []
    for i, field in enumerate(["category", "what_happened"]):
        dot = [VOL["id"], i + 1]
        ctx = {VOL["id"]: i} if i else {}
        nonce, ct = encrypt_field(key, WS, REC, field, dot, "value %d" % i, 1767225600000,
                                  nonce=bytes([i]) * 12)
        writes.append({"field": field, "dot": dot, "ctx": ctx, "nonce": nonce, "ct": ct})
    change = sign_change(VOL["_sign"],
                         {"workspace": WS, "record": REC, "device": VOL["id"], "writes": writes})
    pulled = {**change,
              "writes": [change["writes"][0], {k: v for k, v in change_header(change)["writes"][1].items()}]}
    purge = make_purge(ROOT["_sign"], WS, REC, ROOT["id"])

    def unsigned(obj):
        return canonical_json({k: v for k, v in obj.items() if k != "sig"})

    signed = [
        {"name": "root certificate", "signer": ROOT["sign_key"], "object": cert_root,
         "signed": unsigned(cert_root)},
        {"name": "coordinator certificate", "signer": ROOT["sign_key"], "object": cert_coord,
         "signed": unsigned(cert_coord)},
        {"name": "volunteer certificate", "signer": COORD["sign_key"], "object": cert_vol,
         "signed": unsigned(cert_vol)},
        {"name": "key wrap", "signer": VOL["sign_key"], "object": wrap, "signed": unsigned(wrap)},
        {"name": "purge order", "signer": ROOT["sign_key"], "object": purge, "signed": unsigned(purge)},
    ]
    bad_signed = [
        {"name": "role changed after signing", "signer": COORD["sign_key"],
         "object": {**cert_vol, "role": "coordinator"}},
        {"name": "signed by another key", "signer": EVIL["sign_key"], "object": cert_vol},
        {"name": "signature truncated", "signer": COORD["sign_key"],
         "object": {**cert_vol, "sig": cert_vol["sig"][:-4]}},
    ]
    changes = [
        {"name": "a change as pushed", "signer": VOL["sign_key"], "change": change, "valid": True,
         "header": canonical_json(change_header(change))},
        {"name": "a change as pulled, one write as its hash", "signer": VOL["sign_key"], "change": pulled,
         "valid": True, "header": canonical_json(change_header(change))},
        {"name": "ciphertext swapped", "signer": VOL["sign_key"], "valid": False,
         "change": {**change, "writes": [{**change["writes"][0], "ct": change["writes"][1]["ct"]},
                                         change["writes"][1]]}},
        {"name": "context widened", "signer": VOL["sign_key"], "valid": False,
         "change": {**change,
                    "writes": [{**change["writes"][0], "ctx": {COORD["id"]: 3}}, change["writes"][1]]}},
        {"name": "signed by another device", "signer": EVIL["sign_key"], "change": change, "valid": False},
        {"name": "a genuine hash beside a ciphertext the author never signed there",
         "signer": VOL["sign_key"],
         "valid": False,
         "change": {**change, "writes": [{**change["writes"][0], "h": change_header(change)["writes"][0]["h"],
                                          "nonce": change["writes"][1]["nonce"],
                                          "ct": change["writes"][1]["ct"]},
                                         change["writes"][1]]}},
    ]
    wraps = [{"record_key": b64encode(key), "recipient_ecdh_pkcs8": COORD["ecdh_pkcs8"],
              "recipient_ecdh_d": COORD["ecdh_d"], "recipient_ecdh_key": COORD["ecdh_key"],
              "ephemeral_pkcs8": b64encode(keys.private_to_pkcs8(eph)),
              "ephemeral_d": b64encode(scalar("ephemeral")),
              "salt": canonical_json(["zapis/wrap/1", WS, REC]),
              "info": canonical_json(["zapis/wrap/1", COORD["id"], wrap["epk"]]),
              "sender_sign_key": VOL["sign_key"], "wrap": wrap}]
    trust = [
        {"name": "root, a coordinator it certified, a volunteer that coordinator certified",
         "fingerprint": ROOT["fingerprint"],
         "devices": [entry(ROOT, "coordinator", cert_root), entry(COORD, "coordinator", cert_coord),
                     entry(VOL, "volunteer", cert_vol)],
         "trusted": {ROOT["id"]: "coordinator", COORD["id"]: "coordinator", VOL["id"]: "volunteer"}},
        {"name": "the invite's fingerprint names another root: nothing is trusted",
         "fingerprint": EVIL["fingerprint"],
         "devices": [entry(ROOT, "coordinator", cert_root), entry(COORD, "coordinator", cert_coord)],
         "trusted": {}},
        {"name": "a coordinator the server slipped in, self-certified",
         "fingerprint": ROOT["fingerprint"],
         "devices": [entry(ROOT, "coordinator", cert_root),
                     entry(EVIL, "coordinator", make_certificate(EVIL["_sign"], WS, EVIL["id"], "coordinator",
                                                                 EVIL["sign_key"], EVIL["ecdh_key"],
                                                                 EVIL["id"]))],
         "trusted": {ROOT["id"]: "coordinator"}},
        {"name": "a certificate for other keys than the directory shows",
         "fingerprint": ROOT["fingerprint"],
         "devices": [entry(ROOT, "coordinator", cert_root),
                     {**entry(COORD, "coordinator", cert_coord), "ecdh_key": EVIL["ecdh_key"]}],
         "trusted": {ROOT["id"]: "coordinator"}},
        {"name": "a volunteer cannot certify",
         "fingerprint": ROOT["fingerprint"],
         "devices": [entry(ROOT, "coordinator", cert_root), entry(VOL, "volunteer", make_certificate(
             ROOT["_sign"], WS, VOL["id"], "volunteer", VOL["sign_key"], VOL["ecdh_key"], ROOT["id"])),
             entry(EVIL, "coordinator", make_certificate(VOL["_sign"], WS, EVIL["id"], "coordinator",
                                                         EVIL["sign_key"], EVIL["ecdh_key"], VOL["id"]))],
         "trusted": {ROOT["id"]: "coordinator", VOL["id"]: "volunteer"}},
    ]
    return {"workspace": WS, "record": REC, "devices": [public(d) for d in DEVICES], "signed": signed,
            "bad_signed": bad_signed, "changes": changes, "wraps": wraps, "trust": trust}


def epoch_vectors():
    """Key epochs (docs/protocol.md, "Key epochs"): wraps of key lists and changes carrying `e`."""
    chain = [hashlib.sha256(b"zapis epoch key %d" % i).digest() for i in range(3)]
    eph = keys.private_from_scalar(scalar("epoch ephemeral"))
    wraps = []
    for name, keys_ in (("epoch 2: a zapis/wrap/2 of k0, k1, k2", chain),
                        ("epoch 0: one key is a zapis/wrap/1", chain[:1])):
        wrap = wrap_keys(keys_, WS, REC, COORD["id"], COORD["_sign"], VOL["id"], VOL["ecdh_key"],
                         ephemeral=eph, nonce=bytes(range(12, 24)))
        epoch = len(keys_) - 1
        kind = "zapis/wrap/2" if epoch else "zapis/wrap/1"
        info = [kind, VOL["id"], wrap["epk"]] + ([epoch] if epoch else [])
        wraps.append({"name": name, "keys": [b64encode(k) for k in keys_], "epoch": epoch,
                      "kcs": [key_commitment(k) for k in keys_],
                      "recipient_ecdh_pkcs8": VOL["ecdh_pkcs8"], "recipient_ecdh_d": VOL["ecdh_d"],
                      "recipient_ecdh_key": VOL["ecdh_key"],
                      "ephemeral_pkcs8": b64encode(keys.private_to_pkcs8(eph)),
                      "ephemeral_d": b64encode(scalar("epoch ephemeral")),
                      "salt": canonical_json([kind, WS, REC]),
                      "info": canonical_json(info), "sender_sign_key": COORD["sign_key"], "wrap": wrap})
    w2 = wraps[0]["wrap"]
    # Each of these fails to open as a key list (bad_wrap): the epoch is in the derivation and the
    # additional data, and must be an integer of 1 to 255 in a zapis/wrap/2 (none in a wrap/1).
    unopenable = [
        {"name": "epoch lowered", "wrap": {**w2, "epoch": 1}},
        {"name": "epoch raised", "wrap": {**w2, "epoch": 3}},
        {"name": "called a zapis/wrap/1",
         "wrap": {k: v for k, v in {**w2, "type": "zapis/wrap/1"}.items() if k != "epoch"}},
        {"name": "a zapis/wrap/2 without epoch", "wrap": {k: v for k, v in w2.items() if k != "epoch"}},
        {"name": "epoch 0 in a zapis/wrap/2", "wrap": {**w2, "epoch": 0}},
        {"name": "epoch as text", "wrap": {**w2, "epoch": "2"}},
        {"name": "epoch beyond 255", "wrap": {**w2, "epoch": 256}},
    ]
    changes = []
    for epoch in (2, 0):
        key = chain[epoch]
        dot = [VOL["id"], 3]
        nonce, ct = encrypt_field(key, WS, REC, "status", dot, "moved", 1767225600000,
                                  nonce=bytes([epoch + 7]) * 12, epoch=epoch)
        change = sign_change(VOL["_sign"], {"workspace": WS, "record": REC, "device": VOL["id"],
                                            "kc": key_commitment(key), "e": epoch,
                                            "writes": [{"field": "status", "dot": dot, "ctx": {VOL["id"]: 2},
                                                        "nonce": nonce, "ct": ct}]})
        changes.append({"name": "a change at epoch %d" % epoch, "signer": VOL["sign_key"], "change": change,
                        "valid": True, "header": canonical_json(change_header(change)), "epoch": epoch,
                        "key": b64encode(key), "value": "moved"})
    signed = changes[0]["change"]
    changes += [
        {"name": "epoch removed after signing", "signer": VOL["sign_key"], "valid": False,
         "change": {k: v for k, v in signed.items() if k != "e"}},
        {"name": "epoch lowered after signing", "signer": VOL["sign_key"], "valid": False,
         "change": {**signed, "e": 1}},
    ]
    return {"workspace": WS, "record": REC, "devices": [public(d) for d in (COORD, VOL, EVIL)],
            "wraps": wraps, "unopenable": unopenable, "changes": changes}


def robust_vectors():
    """Strict base64, low-s signatures, key commitments, unreadable values, equivocation."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    from sync.envelopes import key_commitment, sign_change
    from sync.merge import apply_writes

    b64 = {"valid": ["", "AA", "AQ", "AAA", "AAE", "AAAA", "_-8", "QUJD"],
           "invalid": [{"text": t, "why": why} for t, why in [
               ("AB", "stray bits in the last character"), ("AAB", "stray bits in the last character"),
               ("A", "a length of 1 mod 4"), ("AA==", "padding"), ("QUJD=", "padding"),
               ("AB+/", "standard alphabet"),
               ("QU JD", "white space"), ("QUJD\n", "a final newline"), ("QUJ\u00e9", "not ASCII")]]}
    key = hashlib.sha256(b"zapis robust record key").digest()
    nonce = hashlib.sha256(b"robust nonce").digest()[:12]
    n64, ct = encrypt_field(key, WS, REC, "status", [VOL["id"], 1], "open", 5, nonce=nonce)
    # A ciphertext text whose last character carries stray bits (a canonical one leaves them 0).
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    short = b64encode(b64decode_(ct)[:-2]) if len(ct) % 4 == 0 else ct
    spare = {2: 15, 3: 3}[len(short) % 4]
    stray = short[:-1] + alphabet[alphabet.index(short[-1]) | spare]
    hashes = {"nonce": n64, "ct": ct, "h": write_hash(n64, ct),
              "invalid": [{"nonce": n64, "ct": stray, "why": "ciphertext with stray bits"},
                          {"nonce": n64 + "=", "ct": ct, "why": "padded nonce"},
                          {"nonce": n64[:-1] + "+", "ct": ct, "why": "standard alphabet"},
                          {"nonce": n64[:-4], "ct": ct, "why": "nonce of the wrong length"}]}

    order = keys.ORDER
    signatures = []
    for text in ["zapis low-s 1", "zapis low-s 2", "zapis low-s 3"]:
        sig = b64decode_(keys.sign(VOL["_sign"], text.encode()))
        r, s_ = int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big")
        high = r.to_bytes(32, "big") + (order - s_).to_bytes(32, "big")
        signatures.append({"sign_key": VOL["sign_key"], "data": text, "low": b64encode(sig),
                           "high": b64encode(high)})

    commitments = []
    for label in ("one", "two", "zero"):
        k = bytes(32) if label == "zero" else hashlib.sha256(label.encode()).digest()
        commitments.append({"key": b64encode(k), "kc": key_commitment(k)})
    change = {"workspace": WS, "record": REC, "device": VOL["id"], "kc": key_commitment(key),
              "writes": [{"field": "status", "dot": [VOL["id"], 1], "ctx": {}, "nonce": n64, "ct": ct}]}
    signed_change = sign_change(VOL["_sign"], change)
    kc_changes = {"change": signed_change, "header": canonical_json(change_header(signed_change)),
                  "wrong_kc": {**signed_change, "kc": key_commitment(b"\x01" * 32)},
                  "no_kc": {k: v for k, v in signed_change.items() if k != "kc"}}

    def sealed(plaintext, i):
        nonce_i = hashlib.sha256(b"unreadable %d" % i).digest()[:12]
        aad = field_aad(WS, REC, "status", [VOL["id"], 2])
        return b64encode(nonce_i), b64encode(AESGCM(key).encrypt(nonce_i, plaintext, aad))

    cases = [
        ("random bytes", None),
        ("not padded", b'{"t":1,"v":"x"}'),
        ("padded, not UTF-8", pad(b"\xff\xfe")),
        ("padded, not JSON", pad(b"{t:1}")),
        ("padded JSON, not an object", pad(b"[1,2]")),
        ("padded JSON without t", pad(b'{"v":"x"}')),
        ("padded JSON with an extra member", pad(b'{"t":1,"v":"x","w":2}')),
        ("a fractional time", pad(b'{"t":1.5,"v":"x"}')),
        ("a negative time", pad(b'{"t":-1,"v":"x"}')),
        ("a fraction in the value", pad(b'{"t":1,"v":0.5}')),
        ("an unsafe integer in the value", pad(b'{"t":1,"v":9007199254740993}')),
        ("a lone surrogate", pad(b'{"t":1,"v":"\\ud800"}')),
        ("nested 40 deep (canonical JSON allows 32)", pad(b'{"t":1,"v":' + b"[" * 40 + b"]" * 40 + b"}")),
        ("nested 1500 deep (past Python's recursion limit)",
         pad(b'{"t":1,"v":' + b"[" * 1500 + b"]" * 1500 + b"}")),
        ("nested 10 deep: readable", pad(b'{"t":1,"v":' + b"[" * 10 + b"]" * 10 + b"}")),
        ("readable", pad(b'{"t":7,"v":{"a":[1,"\xd0\x91"]}}')),
    ]
    unreadable = []
    for i, (why, plaintext) in enumerate(cases):
        if plaintext is None:
            nonce_i = b64encode(hashlib.sha256(b"unreadable %d" % i).digest()[:12])
            ct_i = b64encode(hashlib.sha256(b"random %d" % i).digest() * 3)
        else:
            nonce_i, ct_i = sealed(plaintext, i)
        case = {"why": why, "record_key": b64encode(key), "workspace": WS, "record": REC, "field": "status",
                "dot": [VOL["id"], 2], "nonce": nonce_i, "ct": ct_i}
        if why == "readable":
            case["value"], case["t"] = {"a": [1, "Б"]}, 7
        elif why.endswith("readable"):
            case["value"], case["t"] = json.loads(plaintext[:plaintext.index(b"\x80")])["v"], 1
        else:
            case["code"] = "unreadable_value"
        unreadable.append(case)

    a, b = VOL["id"], COORD["id"]
    live = {"status": [{"field": "status", "dot": [a, 1], "ctx": {}, "nonce": "AAAAAAAAAAAAAAAA",
                        "ct": "one"}]}
    writes = [{"field": "status", "dot": [a, 1], "ctx": {}, "nonce": "AAAAAAAAAAAAAAAA", "ct": "other"},
              {"field": "notes", "dot": [a, 1], "ctx": {}, "nonce": "AAAAAAAAAAAAAAAB", "ct": "note"},
              {"field": "people", "dot": [a, 1], "ctx": {b: 2}, "nonce": "AAAAAAAAAAAAAAAC", "ct": "two"}]
    after, tags = apply_writes(live, writes)
    equivocation = [{"name": "one equivocating write among three: skipped alone", "fields": live,
                     "writes": writes, "after": after, "tags": tags}]
    return {"base64": b64, "write_hash": hashes, "low_s": signatures, "key_commitments": commitments,
            "kc_change": kc_changes, "unreadable": unreadable, "equivocation": equivocation}


def b64decode_(text):
    from sync.b64 import b64decode
    return b64decode(text)


def entry(d, role, cert):
    return {"id": d["id"], "role": role, "sign_key": d["sign_key"], "ecdh_key": d["ecdh_key"], "cert": cert,
            "binding": binding(d, role), "status": "active", "invite": None}


def binding(d, role):
    return make_binding(d["_sign"], WS, d["id"], role, d["sign_key"], d["ecdh_key"])


def trust_vectors():
    """Key bindings, safety numbers, certificate lists and revocation orders (trust.json)."""
    def cert(issuer, d, role):
        return make_certificate(issuer["_sign"], WS, d["id"], role, d["sign_key"], d["ecdh_key"],
                                issuer["id"])

    def revoke(issuer, d):
        return make_revocation(issuer["_sign"], WS, d["id"], issuer["id"])

    coord2 = device("coordinator two", "coordTwoEEEEEEEEEEEEEE")
    reader = device("reader", "readerDevFFFFFFFFFFFFF")
    extra = [public(coord2), public(reader)]
    root_e = entry(ROOT, "coordinator", cert(ROOT, ROOT, "coordinator"))
    coord_e = entry(COORD, "coordinator", cert(ROOT, COORD, "coordinator"))
    coord2_e = entry(coord2, "coordinator", cert(ROOT, coord2, "coordinator"))
    vol_e = entry(VOL, "volunteer", cert(COORD, VOL, "volunteer"))
    reader_e = entry(reader, "volunteer", cert(COORD, reader, "volunteer"))
    b_vol = binding(VOL, "volunteer")

    def unsigned(obj):
        return canonical_json({k: v for k, v in obj.items() if k != "sig"})

    bindings = [
        {"name": "a volunteer's own statement",
         "entry": {k: vol_e[k] for k in ("id", "role", "sign_key", "ecdh_key")},
         "binding": b_vol, "signed": unsigned(b_vol), "valid": True},
        {"name": "the server swapped the ECDH key", "binding": b_vol, "valid": False,
         "entry": {"id": VOL["id"], "role": "volunteer", "sign_key": VOL["sign_key"],
                   "ecdh_key": EVIL["ecdh_key"]}},
        {"name": "the server shows another role", "binding": b_vol, "valid": False,
         "entry": {"id": VOL["id"], "role": "coordinator", "sign_key": VOL["sign_key"],
                   "ecdh_key": VOL["ecdh_key"]}},
        {"name": "another device id", "binding": b_vol, "valid": False,
         "entry": {"id": EVIL["id"], "role": "volunteer", "sign_key": VOL["sign_key"],
                   "ecdh_key": VOL["ecdh_key"]}},
        {"name": "the server's own keys with a statement it signed for them",
         "binding": make_binding(EVIL["_sign"], WS, VOL["id"], "volunteer", VOL["sign_key"],
                                 EVIL["ecdh_key"]),
         "valid": False,
         "entry": {"id": VOL["id"], "role": "volunteer", "sign_key": VOL["sign_key"],
                   "ecdh_key": EVIL["ecdh_key"]}},
        {"name": "another workspace", "valid": False,
         "binding": make_binding(VOL["_sign"], "11111111-2222-4333-8444-555555555555", VOL["id"], "volunteer",
                                 VOL["sign_key"], VOL["ecdh_key"]),
         "entry": {k: vol_e[k] for k in ("id", "role", "sign_key", "ecdh_key")}},
        {"name": "an extra member, even signed", "valid": False,
         "binding": sign_object(VOL["_sign"],
                                {**{k: v for k, v in b_vol.items() if k != "sig"}, "note": "x"}),
         "entry": {k: vol_e[k] for k in ("id", "role", "sign_key", "ecdh_key")}},
        {"name": "a certificate is not a binding", "valid": False, "binding": vol_e["cert"],
         "entry": {k: vol_e[k] for k in ("id", "role", "sign_key", "ecdh_key")}},
    ]
    safety = [{"workspace": WS, "device": d["id"], "sign_key": d["sign_key"], "ecdh_key": d["ecdh_key"],
               "hashed": canonical_json(["zapis/safety/1", WS, d["id"], d["sign_key"], d["ecdh_key"]]),
               "number": safety_number(WS, d["id"], d["sign_key"], d["ecdh_key"])} for d in DEVICES]
    safety.append({**safety[2], "ecdh_key": EVIL["ecdh_key"],
                   "hashed": canonical_json(["zapis/safety/1", WS, VOL["id"], VOL["sign_key"],
                                             EVIL["ecdh_key"]]),
                   "number": safety_number(WS, VOL["id"], VOL["sign_key"], EVIL["ecdh_key"])})
    r_coord_by_root = revoke(ROOT, COORD)
    r_root_by_coord = revoke(COORD, ROOT)
    r_vol_by_coord = revoke(COORD, VOL)
    r_coord2_by_coord = revoke(COORD, coord2)
    r_coord_by_coord2 = revoke(coord2, COORD)
    r_vol_by_vol = revoke(VOL, reader)
    late_reader = entry(reader, "volunteer", cert(COORD, reader, "volunteer"))
    trust = [
        {"name": "no binding: not trusted, nor anything it certified",
         "devices": [root_e, {**coord_e, "binding": None}, vol_e], "kept": [],
         "trusted": {ROOT["id"]: "coordinator"}, "revoked": []},
        {"name": "the root without a binding anchors nothing",
         "devices": [{**root_e, "binding": None}, coord_e, vol_e], "kept": [], "trusted": {}, "revoked": []},
        {"name": "ECDH key swapped in entry and certificate alike, the binding left: not trusted",
         "devices": [root_e, {**coord_e, "ecdh_key": EVIL["ecdh_key"],
                              "cert": make_certificate(ROOT["_sign"], WS, COORD["id"], "coordinator",
                                                       COORD["sign_key"], EVIL["ecdh_key"], ROOT["id"])}],
         "kept": [], "trusted": {ROOT["id"]: "coordinator"}, "revoked": []},
        {"name": "the binding says volunteer, the entry and certificate say coordinator",
         "devices": [root_e, {**coord_e, "binding": binding(COORD, "volunteer")}, vol_e], "kept": [],
         "trusted": {ROOT["id"]: "coordinator"}, "revoked": []},
        {"name": "certs list: the first does not chain, the second does",
         "devices": [root_e, {**coord_e, "cert": cert(EVIL, COORD, "coordinator"),
                              "certs": [cert(EVIL, COORD, "coordinator"), cert(ROOT, COORD, "coordinator")]},
                     vol_e], "kept": [],
         "trusted": {ROOT["id"]: "coordinator", COORD["id"]: "coordinator", VOL["id"]: "volunteer"},
         "revoked": []},
        {"name": "a volunteer revoked by a coordinator stays verified, and is revoked",
         "devices": [root_e, coord_e, {**vol_e, "revocations": [r_vol_by_coord]}], "kept": [],
         "trusted": {ROOT["id"]: "coordinator", COORD["id"]: "coordinator", VOL["id"]: "volunteer"},
         "revoked": [VOL["id"]]},
        {"name": "a revoked coordinator anchors nothing: its reader is not trusted",
         "devices": [root_e, {**coord_e, "revocations": [r_coord_by_root]}, vol_e, late_reader], "kept": [],
         "trusted": {ROOT["id"]: "coordinator", COORD["id"]: "coordinator"}, "revoked": [COORD["id"]]},
        {"name": "the server stops showing the order: a kept order still counts",
         "devices": [root_e, coord_e, vol_e, late_reader], "kept": [r_coord_by_root],
         "trusted": {ROOT["id"]: "coordinator", COORD["id"]: "coordinator"}, "revoked": [COORD["id"]]},
        {"name": "a coordinator the server flags revoked, without an order, anchors nothing "
                 "(the root still does)",
         "devices": [{**root_e, "status": "revoked"}, {**coord_e, "status": "revoked"}, vol_e,
                     coord2_e], "kept": [],
         "trusted": {ROOT["id"]: "coordinator", COORD["id"]: "coordinator", coord2["id"]: "coordinator"},
         "revoked": []},
        {"name": "the root cannot be revoked",
         "devices": [{**root_e, "revocations": [r_root_by_coord]}, coord_e, vol_e], "kept": [r_root_by_coord],
         "trusted": {ROOT["id"]: "coordinator", COORD["id"]: "coordinator", VOL["id"]: "volunteer"},
         "revoked": []},
        {"name": "a volunteer's order counts for nothing",
         "devices": [root_e, coord_e, vol_e, {**reader_e, "revocations": [r_vol_by_vol]}], "kept": [],
         "trusted": {ROOT["id"]: "coordinator", COORD["id"]: "coordinator", VOL["id"]: "volunteer",
                     reader["id"]: "volunteer"}, "revoked": []},
        {"name": "an order signed by someone else than its issuer counts for nothing",
         "devices": [root_e, coord_e, {**vol_e, "revocations": [{**r_vol_by_coord, "issuer": ROOT["id"]}]}],
         "kept": [],
         "trusted": {ROOT["id"]: "coordinator", COORD["id"]: "coordinator", VOL["id"]: "volunteer"},
         "revoked": []},
        {"name": "two coordinators of one level revoke each other: both are revoked",
         "devices": [root_e, {**coord_e, "revocations": [r_coord_by_coord2]},
                     {**coord2_e, "revocations": [r_coord2_by_coord]}, vol_e], "kept": [],
         "trusted": {ROOT["id"]: "coordinator", COORD["id"]: "coordinator", coord2["id"]: "coordinator"},
         "revoked": sorted([COORD["id"], coord2["id"]])},
        {"name": "a coordinator revoked by the root: its own orders count for nothing",
         "devices": [root_e, {**coord_e, "revocations": [r_coord_by_root]},
                     {**coord2_e, "revocations": [r_coord2_by_coord]}, vol_e,
                     {**root_e, "id": "copyOfRootGGGGGGGGGGGG"}],
         "kept": [],
         "trusted": {ROOT["id"]: "coordinator", COORD["id"]: "coordinator", coord2["id"]: "coordinator"},
         "revoked": [COORD["id"]]},
    ]
    for t in trust:
        t["fingerprint"] = ROOT["fingerprint"]
    return {"workspace": WS, "devices": [public(d) for d in DEVICES] + extra, "bindings": bindings,
            "safety": safety, "revocations": [{"name": "revocation order", "signer": COORD["sign_key"],
                                              "object": r_vol_by_coord, "signed": unsigned(r_vol_by_coord)}],
            "trust": trust}


def field_id_vectors():
    """Protocol 3: field-id derivation, values {n, t, v} under AAD zapis/field/2, and what a reader
    refuses (a value whose name is not its id's, one moved to another id or epoch)."""
    from sync.envelopes import encrypt_value, field_aad2
    from sync.field_ids import FIRST_CHANGE_WRITES, fid, field_id_key_from, padded_first

    k0 = hashlib.sha256(b"zapis test record key, epoch 0").digest()
    fid_key = field_id_key_from(k0, WS, REC)
    names = ["kind", "status", "category", "description", "_deleted", "_pad_1", "a", "z" * 40]
    derivation = {"k0": b64encode(k0), "workspace": WS, "record": REC,
                  "salt": canonical_json(["zapis/field-id/1", WS, REC]), "info": "zapis/field-id/1",
                  "fid_key": b64encode(fid_key), "ids": {n: fid(fid_key, n) for n in names}}
    other = field_id_key_from(k0, WS, "11111111-2222-4333-8444-555555555555")
    values = []
    for i, (name, dot, value, t, epoch) in enumerate([
        ("status", [VOL["id"], 1], "new", 1767225600000, 0),
        ("description", [VOL["id"], 2], "Відмовілі ў рахунку. Konto zablokowane 🙁", 1767225600123, 0),
        ("_pad_1", [COORD["id"], 7], None, 0, 0),
        ("category", [ROOT["id"], 3], {"a": [1, 2], "b": True}, 5, 2),
    ]):
        field = fid(fid_key, name)
        nonce = hashlib.sha256(b"fid nonce %d" % i).digest()[:12]
        n64, ct = encrypt_value(k0, WS, REC, field, name, dot, value, t, epoch, nonce=nonce)
        values.append({"record_key": b64encode(k0), "workspace": WS, "record": REC, "field": field,
                       "name": name,
                       "dot": dot, "epoch": epoch, "value": value, "t": t, "nonce": n64,
                       "aad": field_aad2(WS, REC, field, dot, epoch).decode(),
                       "plaintext": canonical_json({"n": name, "t": t, "v": value}), "ct": ct})
    # A value whose plaintext names another field than the one its id stands for: it decrypts (the
    # writer bound it to this id) but a reader refuses it.
    status = fid(fid_key, "status")
    nonce = hashlib.sha256(b"fid nonce mismatched").digest()[:12]
    n64, ct = encrypt_value(k0, WS, REC, status, "city", [VOL["id"], 4], "Minsk", 9, nonce=nonce)
    unreadable = [
        {**values[0], "field": status, "dot": [VOL["id"], 4], "epoch": 0, "nonce": n64, "ct": ct,
         "why": "the name inside (city) is not the name of the id (status)"},
        {**values[0], "field": values[1]["field"], "why": "moved to another field id"},
        {**values[0], "epoch": 1, "why": "read under another key epoch"},
        {**values[0], "dot": [VOL["id"], 5], "why": "replayed under another dot"},
    ]
    legacy = {**{k: v for k, v in values[0].items() if k not in ("name", "epoch", "aad", "plaintext")}}
    n64, ct = encrypt_field(k0, WS, REC, "status", [VOL["id"], 1], "legacy", 7,
                            nonce=hashlib.sha256(b"fid nonce legacy").digest()[:12])
    legacy.update({"field": "status", "name": "status", "value": "legacy", "t": 7, "nonce": n64, "ct": ct,
                   "aad": field_aad(WS, REC, "status", [VOL["id"], 1]).decode()})
    return {"derivation": derivation, "other_record_fid_of_status": fid(other, "status"), "values": values,
            "unreadable": unreadable, "legacy": [legacy],
            "first_change": {"writes": FIRST_CHANGE_WRITES, "values": {"kind": "need", "status": "new"},
                             "padded": padded_first({"kind": "need", "status": "new"})},
            "shapes": {"names": ["status", "_deleted", "a", "z" * 40],
                       "ids": [derivation["ids"]["status"], "A" * 22, "-" * 22],
                       "neither": ["Status", "", "a" * 41, "a" * 21 + "=", "status\n", "A" * 23, "9lives"]}}


def chunk_vectors():
    """The chunk envelope of attachments (sync/attachments.py): fixed key and nonces."""
    from sync import attachments as A

    key = hashlib.sha256(b"attachment key").digest()
    att = "attAttAttAttAttAttAtt0"
    data = bytes(range(256)) * 2 + b"tail"          # 516 bytes in chunks of 200: 3 chunks
    thumb = b"\xff\xd8thumbnail bytes\xff\xd9"
    nonces = {i: hashlib.sha256(b"chunk nonce %d" % i).digest()[:12] for i in (-1, 0, 1, 2)}
    count = A.chunk_count(len(data), 200)
    chunks = []
    for i in range(count):
        plain = data[i * 200:(i + 1) * 200]
        blob = A.encrypt_chunk(key, WS, REC, att, i, count, plain, nonces[i])
        chunks.append({"index": i, "aad": A.chunk_aad(WS, REC, att, i, count).decode(),
                       "nonce": b64encode(nonces[i]),
                       "plaintext": b64encode(plain), "blob": b64encode(blob)})
    tblob = A.encrypt_chunk(key, WS, REC, att, A.THUMB, count, thumb, nonces[-1])
    chunks.append({"index": A.THUMB, "aad": A.chunk_aad(WS, REC, att, A.THUMB, count).decode(),
                   "nonce": b64encode(nonces[-1]), "plaintext": b64encode(thumb), "blob": b64encode(tblob)})
    entry = {"id": att, "name": "letter.pdf", "type": "application/pdf", "size": len(data), "chunk_size": 200,
             "chunks": count, "sha256": A.sha256_text(data), "key": b64encode(key),
             "thumb": {"type": "image/jpeg", "size": len(thumb)}}
    A.check_entry(entry)
    b = [c["blob"] for c in chunks]
    # Each refused case is (chunk index claimed, count claimed, attachment claimed, record claimed, blob).
    refused = [
        {"name": "chunk 1 presented as chunk 0", "index": 0, "count": count, "attachment": att, "record": REC,
         "blob": b[1]},
        {"name": "count lowered (truncation)", "index": 0, "count": 2, "attachment": att, "record": REC,
         "blob": b[0]},
        {"name": "another attachment", "index": 0, "count": count, "attachment": "attAttAttAttAttAttAtt1",
         "record": REC, "blob": b[0]},
        {"name": "another record", "index": 0, "count": count, "attachment": att,
         "record": "1b9b8c7d-6e5f-4a3b-9c2d-1e0f9a8b7c6d", "blob": b[0]},
        {"name": "the thumbnail as chunk 0", "index": 0, "count": count, "attachment": att, "record": REC,
         "blob": b[3]},
        {"name": "a flipped bit", "index": 0, "count": count, "attachment": att, "record": REC,
         "blob": b64encode(bytes([b64decode_(b[0])[0] ^ 1]) + b64decode_(b[0])[1:])},
        {"name": "too short", "index": 0, "count": count, "attachment": att, "record": REC,
         "blob": b64encode(b"\x00" * 27)},
    ]
    bad_entries = [
        {"name": "missing key", "entry": {k: v for k, v in entry.items() if k != "key"}},
        {"name": "wrong chunk count", "entry": {**entry, "chunks": 2}},
        {"name": "short id", "entry": {**entry, "id": "abc"}},
        {"name": "type with spaces", "entry": {**entry, "type": "image/jpeg; x"}},
        {"name": "empty name", "entry": {**entry, "name": ""}},
        {"name": "key of 31 bytes", "entry": {**entry, "key": b64encode(key[:31])}},
        {"name": "float size", "entry": {**entry, "size": 516.5}},
        {"name": "unknown member", "entry": {**entry, "gps": "53.9,27.5"}},
        {"name": "thumb without size", "entry": {**entry, "thumb": {"type": "image/jpeg"}}},
    ]
    return {"workspace": WS, "record": REC, "key": b64encode(key), "attachment": att, "count": count,
            "data": b64encode(data), "entry": entry, "chunks": chunks, "refused": refused,
            "bad_entries": bad_entries,
            "counts": [[0, 200, 1], [1, 200, 1], [200, 200, 1], [201, 200, 2], [10485760, 262144, 40]]}


def dense_vectors():
    """Dense pull pages (protocol version 3) and the logical pages they stand for."""
    key = hashlib.sha256(b"zapis dense record key").digest()
    rec2 = "1b2c3d4e-5f60-4a7b-8c9d-0e1f2a3b4c5d"

    def live(record, field, dot, ctx, value, i):
        nonce, ct = encrypt_field(key, WS, record, field, dot, value, 1767225600000, nonce=bytes([i]) * 12)
        return {"field": field, "dot": dot, "ctx": ctx, "nonce": nonce, "ct": ct}

    v = VOL["id"]
    edit = sign_change(VOL["_sign"], {"workspace": WS, "record": REC, "device": v, "kc": key_commitment(key),
                                      "writes": [live(REC, "status", [v, 1], {}, "new", 1),
                                                 live(REC, "city", [v, 3], {v: 2, COORD["id"]: 4},
                                                      "Brest", 2),
                                                 live(REC, "notes", [v, 2], {v: 1}, "covered since", 3)]})
    # As a pull delivers it once the notes value was covered: that write as its hash.
    covered = {**edit, "writes": edit["writes"][:2] + [change_header(edit)["writes"][2]]}
    old = sign_change(VOL["_sign"], {"workspace": WS, "record": rec2, "device": v,
                                     "writes": [live(rec2, "status", [v, 1], {}, "old", 4)]})
    wrap = wrap_key(key, WS, REC, v, VOL["_sign"], ROOT["id"], ROOT["ecdh_key"],
                    ephemeral=keys.private_from_scalar(scalar("dense ephemeral")), nonce=bytes(range(12, 24)))
    purge = make_purge(ROOT["_sign"], WS, rec2, ROOT["id"])
    entry = {"id": VOL["id"], "role": "volunteer", "sign_key": VOL["sign_key"], "ecdh_key": VOL["ecdh_key"],
             "cert": None, "certs": [], "binding": None, "revocations": [], "status": "active",
             "invite": None}
    # Key epochs (helper `epoch`): the change-level `e` and a zapis/wrap/2 with its epoch, as stand-ins.
    fid = "Zk9pZC0yMi1jaGFyYWN0ZQ"
    epoch_change = {"workspace": WS, "record": REC, "device": v, "kc": "K" * 43, "sig": "S" * 86,
                    "writes": [{"field": fid, "dot": [v, 4], "ctx": {v: 3}, "nonce": "N" * 16,
                                "ct": "C" * 40}],
                    "e": 2}
    epoch_wrap = {**wrap, "type": "zapis/wrap/2", "epoch": 2, "sig": "W" * 86}
    logical = [
        ("a change with live writes, a covered one and others' counters; its wrap",
         {"cursor": 7, "more": True, "changes": [covered], "wraps": [wrap], "tombstones": [],
          "devices": []}, True),
        ("a change stored before key commitments (kc null)",
         {"cursor": 8, "more": False, "changes": [old], "wraps": [], "tombstones": [], "devices": []}, True),
        ("key epochs: a change with e, a zapis/wrap/2, a field id",
         {"cursor": 9, "more": False, "changes": [epoch_change], "wraps": [epoch_wrap], "tombstones": [],
          "devices": []}, False),
        ("tombstones and directory entries pass through as they are",
         {"cursor": 10, "more": False, "changes": [], "wraps": [], "tombstones": [purge],
          "devices": [entry]}, False),
    ]
    pages = [{"name": name, "signed": signed, "logical": page, "dense": encode_page(page, WS, ROOT["id"])}
             for name, page, signed in logical]
    good = encode_page(logical[0][1], WS, ROOT["id"])
    change, dwrap = good["changes"][0], good["wraps"][0]
    malformed = [
        {"name": "a change of six members whose epoch is not an integer", "kind": "change",
         "item": change + ["2"]},
        {"name": "a change of four members", "kind": "change", "item": change[:4]},
        {"name": "a change whose writes are not a list", "kind": "change", "item": change[:4] + [{}]},
        {"name": "a write naming its own device in its context", "kind": "change",
         "item": change[:4] + [[["status", 2, {v: 1}, "N" * 16, "C" * 40]]]},
        {"name": "a write numbered 0", "kind": "change",
         "item": change[:4] + [[["status", 0, {}, "N" * 16, "C" * 40]]]},
        {"name": "a write numbered true", "kind": "change",
         "item": change[:4] + [[["status", True, {}, "N" * 16, "C" * 40]]]},
        {"name": "a write of three members after a good one", "kind": "change",
         "item": change[:4] + [[change[4][1], ["status", 1, {}]]]},
        {"name": "a change in the logical form (version 2)", "kind": "change", "item": covered},
        {"name": "a wrap of five members", "kind": "wrap", "item": dwrap[:5]},
        {"name": "a wrap whose epoch is not an integer", "kind": "wrap", "item": dwrap + [1.5]},
    ]
    unencodable = [
        {"name": "a dot of another device", "device": v,
         "write": {"field": "status", "dot": [COORD["id"], 1], "ctx": {}, "h": "H" * 43}},
        {"name": "a context without the writer's own n - 1", "device": v,
         "write": {"field": "status", "dot": [v, 2], "ctx": {}, "h": "H" * 43}},
        {"name": "a context with the writer's own entry at n = 1", "device": v,
         "write": {"field": "status", "dot": [v, 1], "ctx": {v: 1}, "h": "H" * 43}},
    ]
    return {"workspace": WS, "recipient": ROOT["id"], "signer": VOL["sign_key"], "pages": pages,
            "malformed": malformed, "unencodable": unencodable}


if __name__ == "__main__":
    write("chunks.json", chunk_vectors())
    write("canonical.json", canonical_vectors())
    write("merge.json", merge_vectors())
    write("fields.json", field_vectors())
    write("envelopes.json", envelope_vectors())
    write("robust.json", robust_vectors())
    write("trust.json", trust_vectors())
    write("epochs.json", epoch_vectors())
    write("dense.json", dense_vectors())
    write("field_ids.json", field_id_vectors())
    print("vectors written to", HERE)
