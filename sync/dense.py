"""The dense pull page (protocol version 3): a transport encoding of the logical page.

A pull page carries its changes and key wraps as arrays, leaving out what can be rebuilt exactly
(docs/protocol.md, "Pull"):

    page   = {"cursor", "more", "workspace", "recipient", "changes", "wraps", "tombstones", "devices"}

    change = [record, device, kc | null, sig, [write, ...]]  (+ [e] when the change has a key epoch)
    write  = [field, n, ctx, nonce, ct]                      a live write
           | [field, n, ctx, h]                              a covered write, as its hash
    wrap   = [record, sender, epk, nonce, ct, sig]           (+ [epoch]: a "zapis/wrap/2")

Every change and wrap is of the page's `workspace`, and every wrap is addressed to its
`recipient` (the pulling device). A write's dot is [the change's device, n], and its context
`ctx` leaves out the change's own device, whose entry is always n - 1 (absent when n = 1): the
rule every stored change was checked against.

`decode_page` rebuilds exactly the logical change and wrap objects that signatures and merge use;
`encode_page` is its inverse (the server formats the same text by hand, server/store/text.py).
An item that is not an array of the shape above is passed on unchanged: the reader's checks then
refuse it like any malformed item, and the rest of the page is read.
"""

from .gc_pause import gc_paused

PROTOCOL = "3"          # the Zapis-Protocol request header a client of this format sends
HEADER = "Zapis-Protocol"

WRAP_1 = "zapis/wrap/1"
WRAP_2 = "zapis/wrap/2"


def decode_change(c, workspace):
    """A dense change as its logical object; raises ValueError if it is not of the dense shape
    (and then leaves it as it was)."""
    if type(c) is not list or len(c) not in (5, 6) or type(c[1]) is not str or type(c[4]) is not list:
        raise ValueError("change")
    if len(c) == 6 and type(c[5]) is not int:
        raise ValueError("change")
    device = c[1]
    writes = []
    for w in c[4]:
        # One loop, no call a write: a page holds thousands of them.
        if type(w) is not list or type(w[1]) is not int or type(w[2]) is not dict:
            raise ValueError("write")
        n, ctx, size = w[1], w[2], len(w)
        if n < 1 or device in ctx:
            raise ValueError("write")
        if size == 5:
            writes.append({"field": w[0], "dot": [device, n], "ctx": ctx, "nonce": w[3], "ct": w[4]})
        elif size == 4:
            writes.append({"field": w[0], "dot": [device, n], "ctx": ctx, "h": w[3]})
        else:
            raise ValueError("write")
    for w in writes:   # only once the whole change is known to be dense
        n = w["dot"][1]
        if n > 1:
            w["ctx"][device] = n - 1
    out = {"workspace": workspace, "record": c[0], "device": device}
    if c[2] is not None:
        out["kc"] = c[2]
    out["sig"] = c[3]
    out["writes"] = writes
    if len(c) == 6:
        out["e"] = c[5]
    return out


def decode_wrap(w, workspace, recipient):
    """A dense wrap as its logical object; raises ValueError if it is not of the dense shape."""
    if type(w) is not list or len(w) not in (6, 7):
        raise ValueError("wrap")
    out = {"type": WRAP_1 if len(w) == 6 else WRAP_2, "workspace": workspace, "record": w[0],
           "recipient": recipient, "sender": w[1], "epk": w[2], "nonce": w[3], "ct": w[4], "sig": w[5]}
    if len(w) == 7:
        if type(w[6]) is not int:
            raise ValueError("wrap")
        out["epoch"] = w[6]
    return out


def _each(items, decode, *args):
    out = []
    for item in items:
        try:
            out.append(decode(item, *args))
        except (ValueError, TypeError, IndexError, AttributeError):
            out.append(item)   # refused later by the reader's checks, item by item
    return out


def decode_page(page):
    """The logical page of a dense one: changes and wraps rebuilt in place of their arrays, the
    page's `workspace` and `recipient` taken into them; cursor, more, tombstones and devices as
    sent. Write contexts are taken over from the parsed page, not copied."""
    # In the reference client the collector cost five times the decoding itself (gc_paused).
    with gc_paused():
        out = {k: v for k, v in page.items() if k not in ("workspace", "recipient")}
        workspace, recipient = page.get("workspace"), page.get("recipient")
        out["changes"] = _each(page.get("changes") or [], decode_change, workspace)
        out["wraps"] = _each(page.get("wraps") or [], decode_wrap, workspace, recipient)
        return out


# -- encoding: the server's text is made by hand (server/store/text.py); this is the reference ----

def encode_write(w, device):
    """A logical write as its dense array. Raises ValueError for what the dense form cannot
    carry: a dot of another device, or a context whose own entry is not n - 1."""
    dev, n = w["dot"]
    ctx = dict(w["ctx"])
    own = ctx.pop(dev, None)
    if dev != device or own != (n - 1 if n > 1 else None):
        raise ValueError("a write the dense form cannot carry")
    if "ct" in w:
        return [w["field"], n, ctx, w["nonce"], w["ct"]]
    return [w["field"], n, ctx, w["h"]]


def encode_change(c):
    """A logical change (as the server keeps it) as its dense array."""
    out = [c["record"], c["device"], c.get("kc"), c["sig"],
           [encode_write(w, c["device"]) for w in c["writes"]]]
    if "e" in c:
        out.append(c["e"])
    return out


def encode_wrap(w):
    """A logical wrap as its dense array."""
    out = [w["record"], w["sender"], w["epk"], w["nonce"], w["ct"], w["sig"]]
    if w["type"] == WRAP_2:
        out.append(w["epoch"])
    return out


def encode_page(page, workspace, recipient):
    """The dense page of a logical one pulled by `recipient` of `workspace`."""
    out = {"cursor": page["cursor"], "more": page["more"], "workspace": workspace, "recipient": recipient}
    out.update((k, v) for k, v in page.items() if k not in out)
    out["changes"] = [encode_change(c) for c in page.get("changes") or []]
    out["wraps"] = [encode_wrap(w) for w in page.get("wraps") or []]
    return out
