"""The hand-written JSON text the server stores and serves (writes, changes, wraps, states, pages)."""

import json
import re

from sync.dense import decode_change

# -- the text of writes ------------------------------------------------------------------------
# Every piece was validated at the edge (field names, device ids, integers, base64url), so the JSON
# is made by formatting: json.dumps for each of a push's writes was a tenth of its cost. Each text
# still passes through `_s`, which lets identifier and base64url text through as it is and escapes
# anything else: one missed check upstream must never put an unescaped character into stored or
# served JSON (a newline in a field name once made every pull page invalid JSON).

_PLAIN = re.compile(r"[A-Za-z0-9_-]*")


def _s(text):
    """`text` as the inside of a JSON string."""
    if _PLAIN.fullmatch(text):
        return text
    return json.dumps(str(text), ensure_ascii=True)[1:-1]


def _ctx_text(ctx):
    return "{%s}" % ",".join('"%s":%d' % (_s(d), n) for d, n in ctx.items())


# Stored and served in the dense form of a pull page (protocol version 3, sync/dense.py): a write
# is [field, n, ctx, nonce, ct] when live, [field, n, ctx, h] when covered, its dot's device being
# the change's and its context leaving out that device (whose entry is n - 1, checked on push).

def _others_text(ctx, device):
    return "{%s}" % ",".join('"%s":%d' % (_s(d), n) for d, n in ctx.items() if d != device)


def _live_text(field, n, ctx_text, nonce, ct):
    return '["%s",%d,%s,"%s","%s"]' % (_s(field), n, ctx_text, _s(nonce), _s(ct))


def _hash_text(field, n, ctx_text, h):
    return '["%s",%d,%s,"%s"]' % (_s(field), n, ctx_text, _s(h))


def write_text(field, dot, ctx, nonce, ct):
    """A live write as it is stored and served."""
    return _live_text(field, dot[1], _others_text(ctx, dot[0]), nonce, ct)


def hash_text(field, dot, ctx, h):
    """A write that is not live, as it is stored and served: its hash keeps the signature checkable."""
    return _hash_text(field, dot[1], _others_text(ctx, dot[0]), h)


def _is_live(text):
    # After the context's closing brace (no brace comes later: base64url has none), a live write
    # holds two strings, nonce and ciphertext, and a covered one its hash.
    return text.count(",", text.rindex("}")) == 2


def _any_live(texts):
    """True when any of a change's write texts still carries its ciphertext."""
    return any(_is_live(t) for t in texts)


def change_text(record, device, sig, writes, kc=None, e=None):
    """A stored change as the dense JSON text of a pull: [record, device, kc | null, sig, [writes]]
    (+ [e] when the change has a key epoch). `writes` is stored JSON text, made by write_text and
    hash_text; `kc` only on changes stored with one."""
    return '["%s","%s",%s,"%s",[%s]%s]' % (
        _s(record), _s(device), '"%s"' % _s(kc) if kc else "null", _s(sig), writes,
        "" if e is None else ",%d" % e)


def wrap_text(record, sender, epk, nonce, ct, sig, epoch=None):
    """A key wrap as the dense JSON text of a pull: [record, sender, epk, nonce, ct, sig]
    (+ [epoch] for a "zapis/wrap/2"); its workspace and recipient are the reader's own."""
    return '["%s","%s","%s","%s","%s","%s"%s]' % (
        _s(record), _s(sender), _s(epk), _s(nonce), _s(ct), _s(sig), "" if epoch is None else ",%d" % epoch)


# A record's state: {field: [[[device, n, ctx, change id, position in the change, h], ...],
# {device: highest n accepted}]}: the field's live set, then the highest dot of each device ever
# accepted for the field (covered values included), which bounds the contexts of later writes.

def _state_load(text):
    """(live sets {field: [value, ...]}, highest accepted dots {field: {device: n}})."""
    if not text:
        return {}, {}
    live, seen = {}, {}
    for f, (vals, top) in json.loads(text).items():
        live[f] = [{"dot": [v[0], v[1]], "ctx": v[2], "change": v[3], "idx": v[4], "h": v[5]} for v in vals]
        seen[f] = top
    return live, seen


def _state_dump(state, seen):
    # Formatted like the writes' text (validated parts only): json.dumps was a twentieth of a push.
    return "{%s}" % ",".join('"%s":[[%s],%s]' % (_s(f), ",".join('["%s",%d,%s,%d,%d,"%s"]' % (
        _s(v["dot"][0]), v["dot"][1], _ctx_text(v["ctx"]), v["change"], v["idx"], _s(v["h"])) for v in vals),
        _ctx_text(seen.get(f, {}))) for f, vals in state.items() if vals)


def split_writes(text):
    """The stored writes of a change, one JSON text each (the inverse of joining them by ',')."""
    out = []
    for w in json.loads("[%s]" % text):
        if len(w) == 5:
            out.append(_live_text(w[0], w[1], _ctx_text(w[2]), w[3], w[4]))
        else:
            out.append(_hash_text(w[0], w[1], _ctx_text(w[2]), w[3]))
    return out


def logical_writes(text, device):
    """The stored writes of a change of `device` as the logical write objects they stand for."""
    return decode_change([None, device, None, None, json.loads("[%s]" % text)], None)["writes"]


def page_json(page):
    """The pull page as JSON text; its changes and wraps are already JSON texts (dense)."""
    changes, wraps = page.pop("changes"), page.pop("wraps")
    head = json.dumps(page, separators=(",", ":"))
    return '%s,"changes":[%s],"wraps":[%s]}' % (head[:-1], ",".join(changes), ",".join(wraps))
