"""The one-pass checks of pushed items agree with the marshmallow schemas they stand in for:
whatever the fast path accepts, the schema accepts with the same result."""

import copy

from hypothesis import given, settings, strategies as st
from marshmallow import ValidationError

from client import new_replica
from server.schemas import CHANGE_SCHEMA, WRAP_SCHEMA, _fast_change_ok, _fast_wrap_ok, load_change, load_wrap

REPLICA = new_replica("6f1d2c3b-4a59-4e68-8b7a-0c1d2e3f4a5b", "coordinator", None)
REPLICA.save({"status": "new", "notes": "n", "city": "Vilnius"})
WRAP = REPLICA.outbox[0]["wrap"]
CHANGE = REPLICA.outbox[-1]["change"]
REPLICA.rotate(CHANGE["record"])        # a new key epoch: a zapis/wrap/2 of two keys
WRAP2 = REPLICA.outbox[-1]["wrap"]

junk = st.one_of(st.none(), st.booleans(), st.integers(-2 ** 60, 2 ** 60), st.floats(allow_nan=False),
                 st.text(max_size=30), st.just(""), st.just("A" * 22), st.just("0" * 86),
                 st.lists(st.integers(0, 3), max_size=3),
                 st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
                 st.sampled_from(["AQ", "AB", "A=", "a+b/", "AAAA" * 16]))


def mutate(obj, path, value, delete):
    obj = copy.deepcopy(obj)
    target = obj
    for key in path[:-1]:
        target = target[key]
    if delete and isinstance(target, dict):
        target.pop(path[-1], None)
    else:
        target[path[-1]] = value
    return obj


def paths(obj, prefix=()):
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield prefix + (k,)
            yield from paths(v, prefix + (k,))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield prefix + (i,)
            yield from paths(v, prefix + (i,))


CHANGE_PATHS = list(paths(CHANGE)) + [("extra",), ("writes", 0, "extra")]
WRAP_PATHS = list(paths(WRAP)) + [("extra",)]
WRAP2_PATHS = list(paths(WRAP2)) + [("extra",)]


def verdict(load, raw):
    try:
        return load(raw)
    except ValidationError:
        return "refused"


def test_real_items_take_the_fast_path_and_load_as_the_schema_loads_them():
    assert _fast_change_ok(CHANGE) and _fast_wrap_ok(WRAP) and _fast_wrap_ok(WRAP2)
    assert WRAP2["type"] == "zapis/wrap/2" and WRAP2["epoch"] == 1 and CHANGE["e"] == 0
    assert load_change(CHANGE) == CHANGE_SCHEMA.load(CHANGE)
    assert load_wrap(WRAP) == WRAP_SCHEMA.load(WRAP)
    assert load_wrap(WRAP2) == WRAP_SCHEMA.load(WRAP2)


@settings(max_examples=400)
@given(st.sampled_from(CHANGE_PATHS), junk, st.booleans())
def test_a_mutated_change_gets_the_same_verdict_both_ways(path, value, delete):
    raw = mutate(CHANGE, path, value, delete)
    schema = verdict(CHANGE_SCHEMA.load, raw)
    assert verdict(load_change, raw) == schema
    if _fast_change_ok(raw):
        assert schema != "refused"


@settings(max_examples=300)
@given(st.sampled_from(WRAP_PATHS), junk, st.booleans())
def test_a_mutated_wrap_gets_the_same_verdict_both_ways(path, value, delete):
    raw = mutate(WRAP, path, value, delete)
    schema = verdict(WRAP_SCHEMA.load, raw)
    assert verdict(load_wrap, raw) == schema
    if _fast_wrap_ok(raw):
        assert schema != "refused"


@settings(max_examples=300)
@given(st.sampled_from(WRAP2_PATHS), st.one_of(junk, st.integers(-1, 300)), st.booleans())
def test_a_mutated_key_list_wrap_gets_the_same_verdict_both_ways(path, value, delete):
    raw = mutate(WRAP2, path, value, delete)
    schema = verdict(WRAP_SCHEMA.load, raw)
    assert verdict(load_wrap, raw) == schema
    if _fast_wrap_ok(raw):
        assert schema != "refused"


DEVICE_IDS = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", min_size=22,
                     max_size=22)
COUNTERS = st.integers(1, 2 ** 53 - 1)


@st.composite
def validated_changes(draw):
    """Changes as the schema lets them through: ids, field names, base64url, safe integers."""
    import base64
    import uuid

    def b64(n):
        return base64.urlsafe_b64encode(draw(st.binary(min_size=n, max_size=n))).rstrip(b"=").decode()

    device = draw(DEVICE_IDS)
    fields_ = draw(st.lists(st.from_regex(r"[a-z_][a-z0-9_]{0,39}", fullmatch=True), min_size=1, max_size=6,
                            unique=True))
    writes = [{"field": f, "dot": [device, draw(COUNTERS)],
               "ctx": draw(st.dictionaries(DEVICE_IDS, COUNTERS, max_size=4)),
               "nonce": b64(12), "ct": b64(draw(st.integers(16, 200)))} for f in fields_]
    return {"workspace": str(uuid.UUID(int=draw(st.integers(0, 2 ** 128 - 1)), version=4)),
            "record": str(uuid.UUID(int=draw(st.integers(0, 2 ** 128 - 1)), version=4)),
            "device": device, "kc": b64(32), "writes": writes, "sig": b64(64),
            **({"e": draw(st.integers(0, 255))} if draw(st.booleans()) else {})}


@settings(max_examples=300)
@given(validated_changes())
def test_the_one_pass_header_bytes_are_the_canonical_json_of_the_header(change):
    """For every change the schema accepts, the push verifies exactly the bytes a device signed."""
    from sync.canonical import canonical_bytes
    from sync.envelopes import change_header, validated_header_bytes

    assert _fast_change_ok(change)
    signed, hashes = validated_header_bytes(change)
    header = change_header(change)
    assert signed == canonical_bytes(header)
    assert hashes == [w["h"] for w in header["writes"]]
    # Changes stored before key commitments have none in their header: the same bytes rule.
    old = {k: v for k, v in change.items() if k != "kc"}
    assert validated_header_bytes(old)[0] == canonical_bytes(change_header(old))
