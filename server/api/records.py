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
from ..schemas import PurgeResultSchema, PurgeSchema, RecordWrapsQuerySchema, RecordWrapsSchema
from ..store import WRAP_COLUMNS, Sequencer, erase_freed, wrap_entry

bp = Blueprint("records", __name__, url_prefix="/api/records")


@bp.post("/wraps")
@authenticated("coordinator", certified=True)
def wraps():
    """Every stored wrap of some records: who holds their keys, each claim signed by its sender.
    ---
    post:
      tags: [records]
      summary: The stored wraps of records
      description: >
        For a key rotation after a revocation (docs/protocol.md, "Key epochs"): the coordinator
        gives the records' new key list to the recipients of these wraps whose signatures verify
        under a sender it trusts, and never to a revoked device. At most 200 records a request.
      security: [{bearer: []}]
      requestBody:
        content:
          application/json:
            schema: RecordWrapsQuerySchema
      responses:
        200: {content: {application/json: {schema: RecordWrapsSchema}}}
        400: {$ref: '#/components/responses/Error'}
        403: {$ref: '#/components/responses/Error'}
    """
    ids = bodies.load(RecordWrapsQuerySchema())["records"]
    ws = g.device.workspace_id
    rows = db.session.execute(select(*WRAP_COLUMNS).where(
        Wrap.workspace_id == ws, Wrap.record_id.in_(set(ids))).order_by(Wrap.record_id, Wrap.seq)).all()
    # Formatted like a pull's wraps: stored rows were validated when they were pushed.
    return RecordWrapsSchema().dump({"wraps": [wrap_entry(w, ws) for w in rows]})


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
        record.state = None
        record.purge = canonical_json(order)
        record.purged_seq = seq.next()
        record.purged_at = datetime.now(timezone.utc).replace(tzinfo=None)
        seq.finish()
        db.session.commit()
        erase_freed(purge=True)
    else:
        db.session.commit()
    return PurgeResultSchema().dump({"record": record_id, "purged": True})
