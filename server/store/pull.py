"""A pull: one page of what a device may see after its cursor."""

import json

from sqlalchemy import and_, select, union

from ..authority import has_authority
from ..extensions import db
from ..models import Change, Device, Record, Wrap
from .bulk import _chunks
from .text import change_text, wrap_text


def device_entry(d):
    """A device as the directory shows it."""
    return {"id": d.id, "role": d.role, "sign_key": d.sign_key, "ecdh_key": d.ecdh_key,
            "cert": json.loads(d.cert) if d.cert else None,
            "certs": [json.loads(c) for c in json.loads(d.certs)] if d.certs else
                     ([json.loads(d.cert)] if d.cert else []),
            "binding": json.loads(d.binding) if d.binding else None,
            "revocations": json.loads(d.revocations) if d.revocations else [],
            "status": "revoked" if d.revoked else "active", "invite": d.invite_id}


CHANGE_COLUMNS = (Change.id, Change.record_id, Change.device_id, Change.sig, Change.kc, Change.e,
                  Change.writes)
WRAP_COLUMNS = (Wrap.record_id, Wrap.recipient, Wrap.sender, Wrap.epoch, Wrap.epk, Wrap.nonce, Wrap.ct,
                Wrap.sig, Wrap.seq)


def pull_page(device, cursor, limit, upper):
    """Everything in (cursor, upper] this device may see, at most `limit` items, and the next cursor:
    the page with its changes and wraps as dense JSON texts (page_json makes the whole text).

    `upper` is the workspace counter, read before anything else. A field device sees the changes
    of records it created or holds a wrap for; a coordinator whose certificate chains to the root
    sees every change (one that does not is served like a field device). Everyone sees the
    device directory and tombstones. A wrap arriving for a field device brings the record's older
    changes with it, since they lie behind its cursor. A pull from the very start skips
    tombstones: there is nothing to erase on a fresh device.
    """
    ws = device.workspace_id
    page = {"cursor": upper, "more": False, "workspace": ws, "recipient": device.id,
            "changes": [], "wraps": [], "tombstones": [], "devices": []}
    if cursor >= upper:
        return page
    window = lambda col: and_(col > cursor, col <= upper)  # noqa: E731
    changes = select(*CHANGE_COLUMNS).where(Change.workspace_id == ws, window(Change.id))
    authority = has_authority(device)
    if not authority:
        # The records it may read, as one uncorrelated set the database builds once (a hash or an
        # ephemeral index), not two probes for every change of the window: in a busy workspace
        # the window holds mostly other devices' changes.
        readable = union(
            select(Wrap.record_id).where(Wrap.workspace_id == ws, Wrap.recipient == device.id),
            select(Record.id).where(Record.workspace_id == ws, Record.creator == device.id))
        changes = changes.where(Change.record_id.in_(readable))
    sources = [
        [(c.id, "change", c) for c in db.session.execute(changes.order_by(Change.id).limit(limit))],
        [(w.seq, "wrap", w) for w in db.session.execute(
            select(*WRAP_COLUMNS).where(Wrap.workspace_id == ws, Wrap.recipient == device.id,
                                        window(Wrap.seq))
            .order_by(Wrap.seq).limit(limit))],
        [(d.seq, "device", d) for d in db.session.execute(
            select(Device).where(Device.workspace_id == ws, window(Device.seq))
            .order_by(Device.seq).limit(limit)).scalars()],
    ]
    if cursor > 0:
        sources.append([(r.purged_seq, "tombstone", r) for r in db.session.execute(
            select(Record.purge, Record.purged_seq).where(Record.workspace_id == ws,
                                                          window(Record.purged_seq))
            .order_by(Record.purged_seq).limit(limit))])
    # A source that filled its limit may hold more rows beyond its last one: the page may only
    # reach that far, or it would skip them.
    bound = min([rows[-1][0] for rows in sources if len(rows) == limit] + [upper])
    items = sorted((item for rows in sources for item in rows if item[0] <= bound), key=lambda i: i[0])
    if len(items) > limit:
        items = items[:limit]
        bound = items[-1][0]
    page["cursor"], page["more"] = bound, bound < upper
    delivered = []
    for _, kind, row in items:
        if kind == "change":
            delivered.append(row)
        elif kind == "wrap":
            page["wraps"].append(row)
        elif kind == "device":
            page["devices"].append(device_entry(row))
        else:
            page["tombstones"].append(json.loads(row.purge))
    # Coordinators see every change whether or not they hold a wrap: nothing lies behind for them.
    granted = {w.record_id for w in page["wraps"]} if not authority else ()
    for chunk in _chunks(granted):
        delivered += db.session.execute(select(*CHANGE_COLUMNS).where(
            Change.workspace_id == ws, Change.record_id.in_(chunk), Change.id <= cursor)).all()
    page["changes"] = [change_text(c.record_id, c.device_id, c.sig, c.writes, c.kc, c.e) for c in delivered]
    page["wraps"] = [wrap_text(w.record_id, w.sender, w.epk, w.nonce, w.ct, w.sig, w.epoch)
                     for w in page["wraps"]]
    return page
