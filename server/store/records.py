"""Record-level storage: purging a record, pruning old tombstones, and who holds a record's keys
(the stored wraps a coordinator reads for a key rotation)."""

from datetime import UTC, datetime

from sqlalchemy import delete, func, select

from sync.canonical import canonical_json

from ..errors import APIError
from ..extensions import db
from ..models import Change, Device, Record, Workspace, Wrap
from .attachments import purge_record_chunks, vacuum_chunks
from .erase import erase_freed
from .sequencer import sequenced


def _utcnow():
    return datetime.now(UTC).replace(tzinfo=None)


def purge(device, record_id, order):
    """Erase a record (its changes, state and wraps) and keep the signed order as its tombstone,
    then make the erased bytes leave the database files. A record purged before stays as it is."""
    ws = device.workspace_id
    with sequenced(ws) as seq:
        if not db.session.execute(select(Device.chained).where(Device.id == device.id)).scalar_one():
            raise APIError(403, "not_certified")   # read again under the lock: a revocation may have won
        record = db.session.get(Record, (ws, record_id))
        if record is None:
            record = Record(workspace_id=ws, id=record_id, creator=device.id)
            db.session.add(record)
        purged = record.purged_seq is None
        if purged:
            for model in (Change, Wrap):
                column = model.record_id
                db.session.execute(delete(model).where(model.workspace_id == ws, column == record_id))
            purge_record_chunks(ws, record_id)
            record.state = None
            record.purge = canonical_json(order)
            record.purged_seq = seq.next()
            record.purged_at = _utcnow()
    if purged:
        erase_freed(purge=True)
        vacuum_chunks(purge=True)


def prune_tombstones(cutoff):
    """Drop the tombstones purged before `cutoff`, raising each workspace's horizon past them
    (devices behind it pull afresh). Returns how many were dropped."""
    rows = db.session.execute(select(Record.workspace_id, func.max(Record.purged_seq))
                              .where(Record.purged_at < cutoff).group_by(Record.workspace_id)).all()
    for workspace_id, horizon in rows:
        ws = db.session.get(Workspace, workspace_id)
        ws.horizon = max(ws.horizon, horizon)
    result = db.session.execute(delete(Record).where(Record.purged_at < cutoff))
    db.session.commit()
    return result.rowcount


def wrap_entry(w, workspace_id):
    """A stored key wrap as it was signed (a zapis/wrap/2 with its epoch, a zapis/wrap/1 without)."""
    out = {"type": "zapis/wrap/1" if w.epoch is None else "zapis/wrap/2", "workspace": workspace_id,
           "record": w.record_id, "recipient": w.recipient, "sender": w.sender, "epk": w.epk,
           "nonce": w.nonce, "ct": w.ct, "sig": w.sig}
    if w.epoch is not None:
        out["epoch"] = w.epoch
    return out


def wraps_of(workspace_id, record_ids):
    """Every stored wrap of these records, as signed, by record and then in sequence order."""
    rows = db.session.execute(select(
        Wrap.record_id, Wrap.recipient, Wrap.sender, Wrap.epoch, Wrap.epk, Wrap.nonce, Wrap.ct, Wrap.sig,
        Wrap.seq).where(Wrap.workspace_id == workspace_id, Wrap.record_id.in_(set(record_ids)))
        .order_by(Wrap.record_id, Wrap.seq)).all()
    return [wrap_entry(w, workspace_id) for w in rows]


def records_wrapped_to(device, after, limit):
    """The ids of the records with a stored wrap addressed to `device`, in id order after `after`:
    at most `limit`, and whether there are more."""
    query = select(Wrap.record_id).distinct().where(Wrap.workspace_id == device.workspace_id,
                                                    Wrap.recipient == device.id)
    if after:
        query = query.where(Wrap.record_id > after)
    ids = list(db.session.execute(query.order_by(Wrap.record_id).limit(limit + 1)).scalars())
    return ids[:limit], len(ids) > limit
