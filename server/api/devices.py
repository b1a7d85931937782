"""The device directory: public keys, roles, certificates; certification and revocation.

Certifying and revoking need a coordinator whose certificate chains to the workspace root
(server/authority.py); certificates are added, never replaced; the root's entry never changes.
"""

import json

from flask import Blueprint, g, request
from sqlalchemy import select

from sync import keys
from sync.canonical import canonical_json
from sync.envelopes import verify_object

from .. import bodies
from ..auth import authenticated
from ..authority import MAX_CERTS, is_root, recompute
from ..errors import APIError
from ..extensions import db
from ..models import Device, Workspace, Wrap
from ..schemas import (CertifySchema, DeviceListSchema, DeviceRecordsQuerySchema, DeviceRecordsSchema,
                       DeviceSchema, RevocationSchema)
from ..store import Sequencer, device_entry

bp = Blueprint("devices", __name__, url_prefix="/api/devices")


def get_device(device_id):
    """A device of the caller's workspace, or a 404."""
    device = db.session.get(Device, device_id)
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
    devices = db.session.execute(select(Device).where(Device.workspace_id == g.device.workspace_id)
                                 .order_by(Device.seq)).scalars()
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
    query = select(Wrap.record_id).distinct().where(Wrap.workspace_id == target.workspace_id,
                                                    Wrap.recipient == target.id)
    if args["after"]:
        query = query.where(Wrap.record_id > args["after"])
    ids = list(db.session.execute(query.order_by(Wrap.record_id).limit(args["limit"] + 1)).scalars())
    return DeviceRecordsSchema().dump({"records": ids[:args["limit"]], "more": len(ids) > args["limit"]})


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
    seq = Sequencer(device.workspace_id)
    # Read again under the workspace lock: certificates and revocations may have changed.
    db.session.refresh(device)
    issuer = db.session.get(Device, g.device.id)
    db.session.refresh(issuer)
    if not issuer.chained or issuer.revoked:
        raise APIError(403, "not_certified")
    if is_root(device):
        raise APIError(409, "root_immutable")
    if device.revoked:
        raise APIError(409, "target_revoked")
    text = canonical_json(cert)
    kept = json.loads(device.certs) if device.certs else ([device.cert] if device.cert else [])
    if text not in kept:
        # Added, never replacing one: a certificate that chains stays, whoever signs later.
        if len(kept) >= MAX_CERTS:
            raise APIError(409, "too_many_certificates")
        kept.append(text)
        device.certs = json.dumps(kept)
        device.cert = kept[0]
        device.seq = seq.next()
        recompute(device.workspace_id, seq)
        seq.finish()
    db.session.commit()
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
    seq = Sequencer(device.workspace_id)
    issuer = db.session.get(Device, g.device.id)
    db.session.refresh(issuer)
    if not issuer.chained or issuer.revoked:
        raise APIError(403, "not_certified")
    db.session.refresh(device)  # again under the workspace lock
    orders = json.loads(device.revocations) if device.revocations else []
    # One order per issuer is enough, and keeps the list bounded by the number of coordinators.
    if not device.revoked or all(o["issuer"] != order["issuer"] for o in orders):
        device.revoked = True
        device.revocations = json.dumps(orders + [order], separators=(",", ":"))
        device.seq = seq.next()
        # A revoked coordinator anchors no chain: devices certified only through it lose their
        # powers on the server too.
        recompute(device.workspace_id, seq)
        seq.finish()
        db.session.commit()
    else:
        db.session.rollback()
    return DeviceSchema().dump(device_entry(device))
