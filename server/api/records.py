"""Record-level orders: purge (coordinators whose certificate chains to the root only)."""

from flask import Blueprint, g

from sync.envelopes import verify_object

from .. import bodies, store
from ..auth import authenticated
from ..errors import APIError
from ..schemas import PurgeResultSchema, PurgeSchema, RecordWrapsQuerySchema, RecordWrapsSchema

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
    # As signed: stored rows were validated when they were pushed.
    return RecordWrapsSchema().dump({"wraps": store.wraps_of(g.device.workspace_id, ids)})


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
    if (order["record"] != record_id or order["workspace"] != device.workspace_id
            or order["device"] != device.id):
        raise APIError(400, "bad_purge")
    if not verify_object(device.sign_key, order):
        raise APIError(400, "bad_signature", "The purge order's signature does not verify.")
    store.purge(device, record_id, order)
    return PurgeResultSchema().dump({"record": record_id, "purged": True})
