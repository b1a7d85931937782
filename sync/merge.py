"""The merge rule of the sync model: multi-value registers with dotted version vectors.

A write is a mapping with at least `dot` ([device, n]) and `ctx` ({device: n}); anything else it
carries (nonce, ciphertext) only matters for telling a duplicate from an equivocation. A live set
is a list of writes for one field of one record. Nothing here reads a value: the server merges
ciphertext it cannot decrypt, with exactly these functions.
"""

from dataclasses import dataclass, field as dc_field

ACCEPTED = "accepted"
DUPLICATE = "duplicate"
STALE = "stale"
EQUIVOCATION = "equivocation"


@dataclass(frozen=True)
class Outcome:
    """What merging one write did: its tag, the new live set and the values it displaced."""

    tag: str
    live: list
    removed: list = dc_field(default_factory=list)


def covers(a, b):
    """True when write `a` had seen write `b` (a.ctx reaches b's dot)."""
    device, n = b["dot"]
    return a["ctx"].get(device, 0) >= n


def same_content(a, b):
    """True when two writes with the same dot are the same write, byte for byte. The server,
    which keeps no ciphertext beside its live sets, compares the ciphertexts' hashes `h`."""
    return all(a.get(k) == b.get(k) for k in ("dot", "ctx", "nonce", "ct", "h"))


def merge(live, write):
    """Merge an incoming write into a live set; return an Outcome, never mutate `live`."""
    dot = list(write["dot"])
    for value in live:
        if list(value["dot"]) == dot:
            return Outcome(DUPLICATE if same_content(value, write) else EQUIVOCATION, live)
    for value in live:
        if covers(value, write):
            return Outcome(STALE, live)
    kept = [v for v in live if not covers(write, v)]
    removed = [v for v in live if covers(write, v)]
    return Outcome(ACCEPTED, kept + [write], removed)


def unseen(ctx, seen, writer):
    """The first device (other than the writer) whose counter in `ctx` is above `seen[device]`,
    the highest dot of it the reader knows was issued for this record and field; else None.

    An honest writer learns of a dot only from the server, or from a device that got it from the
    server, so a context naming a counter nobody accepted is inflated: merged, it would cover
    (silently erase) writes its author never saw. The writer's own entry is `n - 1` by
    `envelopes.check_change`. The server checks every device against the dots it accepted; a
    device can check only itself (its own issued counters are the only ones it knows exactly).
    """
    for device, n in ctx.items():
        if device != writer and n > seen.get(device, 0):
            return device
    return None


def names_unissued(ctx, me, writer, issued, live):
    """True when a pulled write (by `writer`, with context `ctx`) names device `me` above the
    highest dot `me` issued for its field (`issued`): the client's side of `unseen`, for its own
    counter only. Live contexts were checked on arrival, so `known(live)` adds only what a replica
    kept before the rule held (taken as it is, like the server's migration)."""
    return writer != me and ctx.get(me, 0) > max(issued, known(live).get(me, 0))


def merge_all(live, writes):
    """Merge many writes in order; equivocations are ignored. Returns the final live set."""
    for write in writes:
        live = merge(live, write).live
    return live


def apply_writes(fields, writes):
    """Merge one change's writes into {field: live set}; return (new fields, tag of each write).

    A write that equivocates (its dot is taken by other content) is skipped alone: the change's
    other writes are applied, and the caller reports the equivocation (tests/vectors/robust.json
    pins this rule for both languages). `fields` is not mutated.
    """
    out, tags = dict(fields), []
    for write in writes:
        outcome = merge(out.get(write["field"], []), write)
        tags.append(outcome.tag)
        if outcome.tag != EQUIVOCATION:
            out[write["field"]] = outcome.live
    return out, tags


def known(live):
    """The join of the dots and contexts of a live set: everything its holder has seen."""
    seen = {}
    for value in live:
        for device, n in value["ctx"].items():
            if n > seen.get(device, 0):
                seen[device] = n
        device, n = value["dot"]
        if n > seen.get(device, 0):
            seen[device] = n
    return seen


def next_write(live, device):
    """The dot and context of a new local write by `device` that covers every live value."""
    ctx = known(live)
    return [device, ctx.get(device, 0) + 1], ctx


def dot_key(write):
    """A hashable identity for a write's dot."""
    device, n = write["dot"]
    return (device, n)


def is_conflict(plaintexts):
    """True when a field's live values hold more than one distinct plaintext.

    `plaintexts` are the decrypted values in any comparable form (canonical JSON text is what
    the clients use), so siblings that say the same thing are not a conflict.
    """
    return len(set(plaintexts)) > 1


def display_order(entries):
    """Order decrypted siblings the same way on every replica and fold equal plaintexts.

    Each entry is a mapping with `value` (canonical JSON text of the plaintext), `t` (the writer's
    wall-clock milliseconds) and `device`. The latest time comes first; equal times fall back to
    the device id, smallest first. Of equal plaintexts only the first in this order is kept.
    """
    ordered = sorted(entries, key=lambda e: (-e["t"], e["device"]))
    seen, out = set(), []
    for entry in ordered:
        if entry["value"] not in seen:
            seen.add(entry["value"])
            out.append(entry)
    return out
