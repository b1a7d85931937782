"""The hand-written JSON text the server stores and serves (writes, changes, states, pages)."""

import json
import re


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


def write_text(field, dot, ctx, nonce, ct):
    """A live write as a pull delivers it."""
    return '{"field":"%s","dot":["%s",%d],"ctx":%s,"nonce":"%s","ct":"%s"}' % (
        _s(field), _s(dot[0]), dot[1], _ctx_text(ctx), _s(nonce), _s(ct))


def hash_text(field, dot, ctx, h):
    """A write that is not live, as a pull delivers it: its hash keeps the signature checkable."""
    return '{"field":"%s","dot":["%s",%d],"ctx":%s,"h":"%s"}' % (
        _s(field), _s(dot[0]), dot[1], _ctx_text(ctx), _s(h))


def _any_live(texts):
    """True when any of a change's write texts still carries its ciphertext."""
    return any('"ct":"' in t for t in texts)


def change_text(workspace, record, device, sig, writes, kc=None):
    """A stored change as the JSON text of a pull (`writes` is stored JSON text, made by
    write_text and hash_text; `kc` only on changes stored with one)."""
    return '{"workspace":"%s","record":"%s","device":"%s",%s"sig":"%s","writes":[%s]}' % (
        _s(workspace), _s(record), _s(device), '"kc":"%s",' % _s(kc) if kc else "", _s(sig), writes)


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
        if "ct" in w:
            out.append(write_text(w["field"], w["dot"], w["ctx"], w["nonce"], w["ct"]))
        else:
            out.append(hash_text(w["field"], w["dot"], w["ctx"], w["h"]))
    return out


def page_json(page):
    """The pull page as JSON text; its changes are already JSON texts."""
    changes = page.pop("changes")
    head = json.dumps(page, separators=(",", ":"))
    return '%s,"changes":[%s]}' % (head[:-1], ",".join(changes))
