"""The one-pass checks of pushed items agree with the marshmallow schemas they stand in for:
whatever the fast path accepts, the schema accepts with the same result."""

import copy

from hypothesis import given, settings
from hypothesis import strategies as st
from marshmallow import ValidationError

from server.schemas import (CHANGE_SCHEMA, WRAP_SCHEMA, _fast_change_ok, _fast_wrap_ok, load_change,
                            load_wrap)
from sync.client import _new_replica

REPLICA = _new_replica("6f1d2c3b-4a59-4e68-8b7a-0c1d2e3f4a5b", "coordinator", None)
REPLICA.save({"status": "new", "notes": "n", "city": "Vilnius"})
WRAP = REPLICA.outbox[0]["wrap"]
CHANGE = REPLICA.outbox[-1]["change"]

junk = st.one_of(st.none(), st.booleans(), st.integers(-2 ** 60, 2 ** 60), st.floats(allow_nan=False),
                 st.text(max_size=30), st.just(""), st.just("A" * 22), st.just("0" * 86),
                 st.lists(st.integers(0, 3), max_size=3), st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
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


def verdict(load, raw):
    try:
        return load(raw)
    except ValidationError:
        return "refused"


def test_real_items_take_the_fast_path_and_load_as_the_schema_loads_them():
    assert _fast_change_ok(CHANGE) and _fast_wrap_ok(WRAP)
    assert load_change(CHANGE) == CHANGE_SCHEMA.load(CHANGE)
    assert load_wrap(WRAP) == WRAP_SCHEMA.load(WRAP)


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
