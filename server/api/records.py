"""Record-level orders: purge (coordinators whose certificate chains to the root only)."""

from datetime import datetime, timezone

from flask import Blueprint, g
from sqlalchemy import delete, select

from sync.canonical import canonical_json
from sync.envelopes import verify_object

from .. import bodies
from ..auth import authenticated
from ..errors import APIError
from ..extensions import db
from ..models import Change, Device, Record, Wrap
from ..schemas import PurgeResultSchema, PurgeSchema
from ..attachments import purge_record_chunks, vacuum_chunks
from ..store import Sequencer, erase_freed

bp = Blueprint("records", __name__, url_prefix="/api/records")


@bp.post("/<record_id>/purge")
@authenticated("coordinator", certified=True)
def purge(record_id):
    """Erase a record: its values, headers and wraps go; a signed tombstone stays.
    ---
    post:
      tags: [records]
      summary: Purge a record
      security: [{bearer: []}]
      parameters:
      - {name: record_id, in: path, required: true, schema: {type: string}}
      requestBody:
        content:
          application/json:
            schema: PurgeSchema
      responses:
        200: {content: {application/json: {schema: PurgeResultSchema}}}
        403: {$ref: '#/components/responses/Error'}
    """
    order = bodies.load(PurgeSchema())
    device = g.device
    if order["record"] != record_id or order["workspace"] != device.workspace_id or order["device"] != device.id:
        raise APIError(400, "bad_purge")
    if not verify_object(device.sign_key, order):
        raise APIError(400, "bad_signature", "The purge order's signature does not verify.")
    ws = device.workspace_id
    seq = Sequencer(ws)
    if not db.session.execute(select(Device.chained).where(Device.id == device.id)).scalar_one():
        raise APIError(403, "not_certified")   # read again under the lock: a revocation may have won
    record = db.session.get(Record, (ws, record_id))
    if record is None:
        record = Record(workspace_id=ws, id=record_id, creator=device.id)
        db.session.add(record)
    if record.purged_seq is None:
        for model in (Change, Wrap):
            column = model.record_id
            db.session.execute(delete(model).where(model.workspace_id == ws, column == record_id))
        purge_record_chunks(ws, record_id)
        record.state = None
        record.purge = canonical_json(order)
        record.purged_seq = seq.next()
        record.purged_at = datetime.now(timezone.utc).replace(tzinfo=None)
        seq.finish()
        db.session.commit()
        erase_freed(purge=True)
        vacuum_chunks(purge=True)
    else:
        db.session.commit()
    return PurgeResultSchema().dump({"record": record_id, "purged": True})
