"""The device directory: public keys, roles, certificates; certification and revocation.

Certifying and revoking need a coordinator whose certificate chains to the workspace root
(server/authority.py); certificates are added, never replaced; the root's entry never changes.
"""

from flask import Blueprint, g

from sync.envelopes import verify_object

from .. import store
from ..auth import authenticated
from ..authority import is_root
from ..declare import body, other_responses, query, response
from ..errors import APIError
from ..schemas import (
    BindSchema,
    CertifySchema,
    DeviceListSchema,
    DeviceRecordsQuerySchema,
    DeviceRecordsSchema,
    DeviceSchema,
    RevocationSchema,
)
from ..store import device_entry
from .enrollment import _check_binding

bp = Blueprint("devices", __name__, url_prefix="/api/devices")


def get_device(device_id):
    """A device of the caller's workspace, or a 404."""
    device = store.get_device(device_id)
    if device is None or device.workspace_id != g.device.workspace_id:
        raise APIError(404, "device_unknown")
    return device


@bp.get("")
@authenticated()
@response(DeviceListSchema)
def index():
    """The device directory: every device of the workspace with its public keys, role, certificate
    and status."""
    return {"devices": [device_entry(d) for d in store.devices_of(g.device.workspace_id)]}


@bp.get("/<device_id>/records")
@authenticated("coordinator", certified=True)
@query(DeviceRecordsQuerySchema)
@response(DeviceRecordsSchema)
@other_responses({404: "device_unknown"})
def records(args, device_id):
    """The records a device holds a key wrap of: what a coordinator rotates after revoking it.

    For a key rotation after a revocation (docs/protocol.md, "Key epochs"): the ids of the
    records that have a stored wrap addressed to the device, in id order, a page at a time.
    A hint: the coordinator adds the records its own signed data shows.
    """
    target = get_device(device_id)
    ids, more = store.records_wrapped_to(target, args["after"], args["limit"])
    return {"records": ids, "more": more}


@bp.put("/<device_id>/certificate")
@authenticated("coordinator", certified=True)
@body(CertifySchema)
@response(DeviceSchema)
@other_responses({400: ["bad_certificate", "bad_signature"], 404: "device_unknown",
                  409: ["root_immutable", "target_revoked", "too_many_certificates"]})
def certify(data, device_id):
    """Certify a device: store a coordinator's certificate for it, after checking its signature."""
    cert = data["cert"]
    device = get_device(device_id)
    if not (cert["workspace"] == device.workspace_id and cert["device"] == device.id
            and cert["role"] == device.role and cert["sign_key"] == device.sign_key
            and cert["ecdh_key"] == device.ecdh_key and cert["issuer"] == g.device.id
            and cert["issuer"] != device.id):
        raise APIError(400, "bad_certificate")
    if not verify_object(g.device.sign_key, cert):
        raise APIError(400, "bad_signature", "The certificate's signature does not verify.")
    store.certify(device, g.device.id, cert)
    return device_entry(device)


@bp.post("/<device_id>/revoke")
@authenticated("coordinator", certified=True)
@body(RevocationSchema, lazy=True)
@response(DeviceSchema)
@other_responses({400: ["bad_revocation", "bad_signature"], 404: "device_unknown",
                  409: ["cannot_revoke_self", "root_immutable"]})
def revoke(order_body, device_id):
    """Revoke a device with a signed revocation order.

    Its token stops at once, its later writes are refused, and the order is served in the
    directory so every client keeps it. The device is checked before the body is read.
    """
    device = get_device(device_id)
    if device.id == g.device.id:
        raise APIError(409, "cannot_revoke_self")
    if is_root(device):
        raise APIError(409, "root_immutable")
    order = order_body()
    if not (order["workspace"] == device.workspace_id and order["device"] == device.id
            and order["issuer"] == g.device.id):
        raise APIError(400, "bad_revocation", "The revocation order must name this device and this "
                       "workspace, and be issued by your device.")
    if not verify_object(g.device.sign_key, order):
        raise APIError(400, "bad_signature", "The revocation order's signature does not verify.")
    store.revoke(device, g.device.id, order)
    return device_entry(device)


@bp.put("/<device_id>/binding")
@authenticated()
@body(BindSchema)
@response(DeviceSchema)
@other_responses({400: "bad_binding", 403: "not_own_device", 409: "binding_exists"})
def bind(data, device_id):
    """Post the calling device's own key-binding statement, once (for devices enrolled before
    statements existed)."""
    if device_id != g.device.id:
        raise APIError(403, "not_own_device", "A device can post only its own key-binding statement.")
    me = g.device
    text = _check_binding(data["binding"], me.workspace_id, {"id": me.id, "sign_key": me.sign_key,
                                                             "ecdh_key": me.ecdh_key}, me.role)
    return device_entry(store.bind(me.id, me.workspace_id, text))
