"""Property tests of the merge rule, over histories that honest devices could produce."""

from hypothesis import given, settings, strategies as st

from sync.merge import covers, merge, merge_all, next_write

DEVICES = ["A", "B", "C", "D"]


@st.composite
def histories(draw):
    """All the writes made by devices that write and exchange values in a random order."""
    local = {d: [] for d in DEVICES}
    writes = []
    for _ in range(draw(st.integers(1, 25))):
        device = draw(st.sampled_from(DEVICES))
        if draw(st.booleans()):
            dot, ctx = next_write(local[device], device)
            w = {"dot": dot, "ctx": ctx, "nonce": "n%s%d" % tuple(dot), "ct": "c%s%d" % tuple(dot)}
            writes.append(w)
            local[device] = merge(local[device], w).live
        else:
            source = draw(st.sampled_from(DEVICES))
            local[device] = merge_all(local[device], local[source])
    return writes


def dots(live):
    return sorted(tuple(v["dot"]) for v in live)


def join(a, b):
    return merge_all(a, b)


@given(histories(), st.randoms())
def test_merge_is_commutative_the_order_of_arrival_never_matters(writes, rnd):
    shuffled = list(writes)
    rnd.shuffle(shuffled)
    assert dots(merge_all([], writes)) == dots(merge_all([], shuffled))


@given(histories(), st.randoms())
def test_merge_is_idempotent_retries_and_duplicates_change_nothing(writes, rnd):
    once = merge_all([], writes)
    doubled = writes + [rnd.choice(writes) for _ in writes]
    rnd.shuffle(doubled)
    assert dots(merge_all(once, writes)) == dots(once)
    assert dots(merge_all([], doubled)) == dots(once)


@given(histories(), st.randoms())
def test_joining_live_sets_is_commutative_associative_and_idempotent(writes, rnd):
    parts = [[], [], []]
    for w in writes:
        parts[rnd.randrange(3)].append(w)
    a, b, c = (merge_all([], p) for p in parts)
    assert dots(join(a, b)) == dots(join(b, a))
    assert dots(join(join(a, b), c)) == dots(join(a, join(b, c)))
    assert dots(join(a, a)) == dots(a)


@given(histories())
def test_no_write_is_lost_every_write_is_live_or_covered_by_a_live_one(writes):
    live = merge_all([], writes)
    for w in writes:
        assert any(v["dot"] == w["dot"] or covers(v, w) for v in live)


@given(histories())
def test_no_live_value_is_covered_by_another(writes):
    live = merge_all([], writes)
    for a in live:
        for b in live:
            assert a is b or not covers(a, b)


@settings(max_examples=200)
@given(histories())
def test_a_new_local_write_covers_every_value_its_device_holds(writes):
    live = merge_all([], writes)
    dot, ctx = next_write(live, "A")
    new = {"dot": dot, "ctx": ctx}
    assert all(covers(new, v) for v in live)
    assert all(v["dot"] != dot for v in writes)  # dots are never reused
    assert merge(live, {**new, "nonce": "x", "ct": "y"}).live == [{**new, "nonce": "x", "ct": "y"}]
