"""Record-level orders: purge (coordinators whose certificate chains to the root only)."""

from flask import Blueprint, g

from sync.envelopes import verify_object

from .. import store
from ..auth import authenticated
from ..declare import body, other_responses, response
from ..errors import APIError
from ..schemas import PurgeResultSchema, PurgeSchema, RecordWrapsQuerySchema, RecordWrapsSchema

bp = Blueprint("records", __name__, url_prefix="/api/records")


@bp.post("/wraps")
@authenticated("coordinator", certified=True)
@body(RecordWrapsQuerySchema)
@response(RecordWrapsSchema)
def wraps(data):
    """The stored wraps of records: who holds their keys, each claim signed by its sender.

    For a key rotation after a revocation (docs/protocol.md, "Key epochs"): the coordinator
    gives the records' new key list to the recipients of these wraps whose signatures verify
    under a sender it trusts, and never to a revoked device. At most 200 records a request.
    """
    # As signed: stored rows were validated when they were pushed.
    return {"wraps": store.wraps_of(g.device.workspace_id, data["records"])}


@bp.post("/<record_id>/purge")
@authenticated("coordinator", certified=True)
@body(PurgeSchema)
@response(PurgeResultSchema)
@other_responses({400: ["bad_purge", "bad_signature"]})
def purge(order, record_id):
    """Purge a record: its values, headers and wraps are erased; a signed tombstone stays."""
    device = g.device
    if (order["record"] != record_id or order["workspace"] != device.workspace_id
            or order["device"] != device.id):
        raise APIError(400, "bad_purge")
    if not verify_object(device.sign_key, order):
        raise APIError(400, "bad_signature", "The purge order's signature does not verify.")
    store.purge(device, record_id, order)
    return {"record": record_id, "purged": True}
