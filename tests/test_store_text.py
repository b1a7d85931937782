"""The JSON the server writes by hand (server/store/text.py) is exactly json.dumps of the same data:
parsed, it gives the data back, and its bytes are json.dumps's compact, ASCII-only text, whatever
the strings hold (control characters, quotes, backslashes, non-ASCII, line separators)."""

import json

from hypothesis import given, strategies as st

from server.store import _state_dump, _state_load, change_text, hash_text, page_json, wrap_text, write_text

ODD = ["", "plain_Id-09", "a\nb", "\"", "\\", "\x00\x1f\x7f", "\u2028\u2029", "é ž ł", "日本", "😀", "}],{\"",
       "\\u0000", "\t\r\b\f"]
text = st.one_of(st.sampled_from(ODD), st.text(), st.from_regex(r"[A-Za-z0-9_-]{1,43}", fullmatch=True))
counter = st.integers(1, 2**53 - 1)
ctx = st.dictionaries(text, counter, max_size=4)


def dumps(value):
    return json.dumps(value, separators=(",", ":"))   # ensure_ascii, as the server's text


def others(context, device):
    return {d: n for d, n in context.items() if d != device}


@given(text, text, counter, ctx, text, text, text)
def test_writes_are_json_dumps_of_their_dense_arrays(field, device, n, context, nonce, ct, h):
    live = write_text(field, [device, n], context, nonce, ct)
    assert live == dumps([field, n, others(context, device), nonce, ct])
    assert json.loads(live) == [field, n, others(context, device), nonce, ct]
    covered = hash_text(field, [device, n], context, h)
    assert covered == dumps([field, n, others(context, device), h])


@given(text, text, text, st.one_of(st.none(), text.filter(bool)), st.one_of(st.none(), counter),
       st.lists(st.tuples(text, counter, ctx, text, text), max_size=3))
def test_changes_are_json_dumps_of_their_dense_arrays(record, device, sig, kc, e, writes):
    texts = [write_text(f, [device, n], c, nonce, ct) for f, n, c, nonce, ct in writes]
    change = change_text(record, device, sig, ",".join(texts), kc, e)
    expected = [record, device, kc, sig,
                [[f, n, others(c, device), nonce, ct] for f, n, c, nonce, ct in writes]]
    if e is not None:
        expected.append(e)
    assert json.loads(change) == expected
    assert change == dumps(expected)


@given(st.lists(text, min_size=6, max_size=6), st.one_of(st.none(), counter))
def test_wraps_are_json_dumps_of_their_dense_arrays(parts, epoch):
    expected = parts + ([] if epoch is None else [epoch])
    assert wrap_text(*parts, epoch=epoch) == dumps(expected)


@given(st.dictionaries(text, st.lists(st.tuples(text, counter, ctx, counter, st.integers(0, 99), text),
                                      min_size=1, max_size=3), max_size=3),
       st.dictionaries(text, ctx, max_size=3))
def test_record_states_are_json_dumps_of_their_lists_and_load_back(live, seen):
    state = {f: [{"dot": [d, n], "ctx": c, "change": ch, "idx": i, "h": h} for d, n, c, ch, i, h in vals]
             for f, vals in live.items()}
    stored = _state_dump(state, seen)
    assert stored == dumps({f: [[list(v) for v in vals], seen.get(f, {})] for f, vals in live.items()})
    assert _state_load(stored) == (state, {f: seen.get(f, {}) for f in live})


@given(counter, st.booleans(), text, text, st.lists(text, max_size=3))
def test_a_page_is_json_dumps_of_its_members(cursor, more, workspace, recipient, odd):
    changes = [change_text(r, r, r, write_text(r, [r, 1], {}, r, r)) for r in odd]
    wraps = [wrap_text(r, r, r, r, r, r) for r in odd]
    tombstones = [{"type": "zapis/purge/1", "record": r} for r in odd]
    page = {"cursor": cursor, "more": more, "workspace": workspace, "recipient": recipient,
            "tombstones": tombstones, "devices": [], "changes": changes, "wraps": wraps}
    expected = {**page, "changes": [json.loads(c) for c in changes], "wraps": [json.loads(w) for w in wraps]}
    out = page_json(dict(page))
    assert json.loads(out) == expected
    assert out == dumps(expected)
