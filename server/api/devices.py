"""The device directory: public keys, roles, certificates; certification and revocation.

Certifying and revoking need a coordinator whose certificate chains to the workspace root
(server/authority.py); certificates are added, never replaced; the root's entry never changes.
"""

from flask import Blueprint, g, request

from sync.envelopes import verify_object

from .. import bodies, store
from ..auth import authenticated
from ..authority import is_root
from ..errors import APIError
from ..schemas import (
    CertifySchema,
    DeviceListSchema,
    DeviceRecordsQuerySchema,
    DeviceRecordsSchema,
    DeviceSchema,
    RevocationSchema,
)
from ..store import device_entry

bp = Blueprint("devices", __name__, url_prefix="/api/devices")


def get_device(device_id):
    """A device of the caller's workspace, or a 404."""
    device = store.get_device(device_id)
    if device is None or device.workspace_id != g.device.workspace_id:
        raise APIError(404, "device_unknown")
    return device


@bp.get("")
@authenticated()
def index():
    """Every device of the workspace with its public keys, role, certificate and status.
    ---
    get:
      tags: [devices]
      summary: The device directory
      security: [{bearer: []}]
      responses:
        200: {content: {application/json: {schema: DeviceListSchema}}}
        403: {$ref: '#/components/responses/Error'}
    """
    devices = store.devices_of(g.device.workspace_id)
    return DeviceListSchema().dump({"devices": [device_entry(d) for d in devices]})


@bp.get("/<device_id>/records")
@authenticated("coordinator", certified=True)
def records(device_id):
    """The records a device holds a key wrap of: what a coordinator rotates after revoking it.
    ---
    get:
      tags: [devices]
      summary: Records a device holds a wrap of
      description: >
        For a key rotation after a revocation (docs/protocol.md, "Key epochs"): the ids of the
        records that have a stored wrap addressed to the device, in id order, a page at a time.
        A hint: the coordinator adds the records its own signed data shows.
      security: [{bearer: []}]
      parameters:
      - {name: device_id, in: path, required: true, schema: {type: string}}
      - {name: after, in: query, required: false, schema: {type: string}}
      - {name: limit, in: query, required: false, schema: {type: integer, minimum: 1, maximum: 5000}}
      responses:
        200: {content: {application/json: {schema: DeviceRecordsSchema}}}
        403: {$ref: '#/components/responses/Error'}
        404: {$ref: '#/components/responses/Error'}
    """
    args = DeviceRecordsQuerySchema().load(request.args)
    target = get_device(device_id)
    ids, more = store.records_wrapped_to(target, args["after"], args["limit"])
    return DeviceRecordsSchema().dump({"records": ids, "more": more})


@bp.put("/<device_id>/certificate")
@authenticated("coordinator", certified=True)
def certify(device_id):
    """Store a coordinator's certificate for a device, after checking its signature.
    ---
    put:
      tags: [devices]
      summary: Certify a device
      security: [{bearer: []}]
      parameters:
      - {name: device_id, in: path, required: true, schema: {type: string}}
      requestBody:
        content:
          application/json:
            schema: CertifySchema
      responses:
        200: {content: {application/json: {schema: DeviceSchema}}}
        403: {$ref: '#/components/responses/Error'}
        404: {$ref: '#/components/responses/Error'}
        409: {$ref: '#/components/responses/Error'}
    """
    cert = bodies.load(CertifySchema())["cert"]
    device = get_device(device_id)
    if not (cert["workspace"] == device.workspace_id and cert["device"] == device.id
            and cert["role"] == device.role and cert["sign_key"] == device.sign_key
            and cert["ecdh_key"] == device.ecdh_key and cert["issuer"] == g.device.id
            and cert["issuer"] != device.id):
        raise APIError(400, "bad_certificate")
    if not verify_object(g.device.sign_key, cert):
        raise APIError(400, "bad_signature", "The certificate's signature does not verify.")
    store.certify(device, g.device.id, cert)
    return DeviceSchema().dump(device_entry(device))


@bp.post("/<device_id>/revoke")
@authenticated("coordinator", certified=True)
def revoke(device_id):
    """Remove a device with a signed revocation order: its token stops at once, its later writes
    are refused, and the order is served in the directory so every client keeps it.
    ---
    post:
      tags: [devices]
      summary: Revoke a device
      security: [{bearer: []}]
      parameters:
      - {name: device_id, in: path, required: true, schema: {type: string}}
      requestBody:
        content:
          application/json:
            schema: RevocationSchema
      responses:
        200: {content: {application/json: {schema: DeviceSchema}}}
        403: {$ref: '#/components/responses/Error'}
        400: {$ref: '#/components/responses/Error'}
        404: {$ref: '#/components/responses/Error'}
        409: {$ref: '#/components/responses/Error'}
    """
    device = get_device(device_id)
    if device.id == g.device.id:
        raise APIError(409, "cannot_revoke_self")
    if is_root(device):
        raise APIError(409, "root_immutable")
    order = bodies.load(RevocationSchema())
    if not (order["workspace"] == device.workspace_id and order["device"] == device.id
            and order["issuer"] == g.device.id):
        raise APIError(400, "bad_revocation", "The revocation order must name this device and this "
                       "workspace, and be issued by your device.")
    if not verify_object(g.device.sign_key, order):
        raise APIError(400, "bad_signature", "The revocation order's signature does not verify.")
    store.revoke(device, g.device.id, order)
    return DeviceSchema().dump(device_entry(device))
