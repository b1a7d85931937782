"""Record-level orders in storage: purging a record, pruning old tombstones."""

from datetime import datetime, timezone

from sqlalchemy import delete, func, select

from sync.canonical import canonical_json

from ..errors import APIError
from ..extensions import db
from ..models import Change, Device, Record, Workspace, Wrap
from .erase import erase_freed
from .sequencer import sequenced


def _utcnow():
    return datetime.now(timezone.utc).replace(tzinfo=None)


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
            record.state = None
            record.purge = canonical_json(order)
            record.purged_seq = seq.next()
            record.purged_at = _utcnow()
    if purged:
        erase_freed(purge=True)


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
