"""Joining a workspace: the root device with the setup token, others with an invite code."""

import json
from datetime import datetime, timezone

from flask import Blueprint, current_app, g
from sqlalchemy import select

from sync import keys
from sync.canonical import canonical_json
from sync.envelopes import verify_object

from .. import bodies
from ..authority import recompute
from ..auth import authenticated, new_secret, secret_hash
from ..errors import APIError
from ..extensions import db, limiter
from ..models import Device, Invite, Workspace
from ..schemas import BindSchema, BootstrapSchema, DeviceSchema, EnrollSchema, MeSchema, SessionSchema
from ..store import Sequencer, device_entry

bp = Blueprint("enrollment", __name__, url_prefix="/api")


def _enroll_limit():
    return current_app.config["ZAPIS_ENROLL_LIMIT"]


def _check_keys(device):
    for name in ("sign_key", "ecdh_key"):
        try:
            keys.load_public(device[name])
        except ValueError:
            raise APIError(400, "invalid_key", "The device's %s is not a P-256 public key." % name) from None


def _check_new(device):
    # Under the workspace lock: two enrollments racing with one id must not both pass.
    if db.session.get(Device, device["id"]) is not None:
        raise APIError(409, "device_exists")


def _check_binding(binding, workspace_id, keys_, role):
    """The device's own key-binding statement must name exactly its keys, id, workspace and role
    (the invite's role), and be signed by its signing key. Returns its canonical JSON."""
    if binding is None:
        return None
    if not (binding["workspace"] == workspace_id and binding["device"] == keys_["id"]
            and binding["sign_key"] == keys_["sign_key"] and binding["ecdh_key"] == keys_["ecdh_key"]):
        raise APIError(400, "bad_binding", "The key-binding statement must name this device's id and "
                       "keys in this workspace.")
    if binding["role"] != role:
        raise APIError(400, "bad_binding", "The key-binding statement names the role %s, but this "
                       "device joins as %s. Check that the whole invite link was used."
                       % (binding["role"], role))
    if not verify_object(keys_["sign_key"], binding):
        raise APIError(400, "bad_binding", "The key-binding statement's signature does not verify.")
    return canonical_json(binding)


def _new_device(workspace_id, keys_, role, seq, cert=None, invite_id=None, binding=None):
    tokens = {"token": new_secret(), "push_token": new_secret()}
    device = Device(id=keys_["id"], workspace_id=workspace_id, role=role, sign_key=keys_["sign_key"],
                    ecdh_key=keys_["ecdh_key"], cert=cert, certs=json.dumps([cert]) if cert else None,
                    chained=False, token_hash=secret_hash(tokens["token"]),
                    push_token_hash=secret_hash(tokens["push_token"]), revoked=False, invite_id=invite_id,
                    binding=binding, seq=seq.next())
    db.session.add(device)
    return device, tokens


@bp.post("/bootstrap")
@limiter.limit(_enroll_limit)
def bootstrap():
    """Create the workspace's first coordinator device, whose signing key becomes the root.
    ---
    post:
      tags: [enrollment]
      summary: Bootstrap a workspace with its one-time setup token
      requestBody:
        content:
          application/json:
            schema: BootstrapSchema
      responses:
        201: {content: {application/json: {schema: SessionSchema}}}
        404: {$ref: '#/components/responses/Error'}
        409: {$ref: '#/components/responses/Error'}
    """
    data = bodies.load(BootstrapSchema())
    ws = db.session.execute(select(Workspace).where(
        Workspace.setup_token_hash == secret_hash(data["setup_token"]))).scalar_one_or_none()
    if ws is None:
        raise APIError(404, "setup_token_unknown")
    keys_, cert = data["device"], data["cert"]
    _check_keys(keys_)
    if not (cert["workspace"] == ws.id and cert["device"] == keys_["id"] == cert["issuer"]
            and cert["role"] == "coordinator" and cert["sign_key"] == keys_["sign_key"]
            and cert["ecdh_key"] == keys_["ecdh_key"] and verify_object(keys_["sign_key"], cert)):
        raise APIError(400, "bad_certificate", "The root certificate must be a coordinator "
                       "certificate for this device, signed by its own key.")
    binding = _check_binding(data.get("binding"), ws.id, keys_, "coordinator")
    seq = Sequencer(ws.id)
    _check_new(keys_)
    device, tokens = _new_device(ws.id, keys_, "coordinator", seq, cert=canonical_json(cert), binding=binding)
    device.chained, device.chained_seq = True, device.seq   # the root anchors every chain
    ws.fingerprint = keys.fingerprint(keys_["sign_key"])
    ws.setup_token_hash = None
    seq.finish()
    db.session.commit()
    return SessionSchema().dump({"workspace": ws.id, "device": device.id, "role": device.role,
                                 **tokens}), 201


@bp.post("/enroll")
@limiter.limit(_enroll_limit)
def enroll():
    """Enroll a device with an invite code: public keys in, a bearer token out.
    ---
    post:
      tags: [enrollment]
      summary: Enroll a device with an invite code
      requestBody:
        content:
          application/json:
            schema: EnrollSchema
      responses:
        201: {content: {application/json: {schema: SessionSchema}}}
        404: {$ref: '#/components/responses/Error'}
        409: {$ref: '#/components/responses/Error'}
        410: {$ref: '#/components/responses/Error'}
    """
    data = bodies.load(EnrollSchema())
    code_hash = secret_hash(data["invite"])
    invite = db.session.execute(select(Invite).where(Invite.code_hash == code_hash)).scalar_one_or_none()
    if invite is None:
        raise APIError(404, "invite_unknown")
    _check_keys(data["device"])
    binding = _check_binding(data.get("binding"), invite.workspace_id, data["device"], invite.role)
    seq = Sequencer(invite.workspace_id)
    _check_new(data["device"])
    db.session.refresh(invite)  # read again under the workspace lock: uses may have changed
    if invite.revoked:
        raise APIError(410, "invite_revoked")
    if invite.expires_at <= datetime.now(timezone.utc).replace(tzinfo=None):
        raise APIError(410, "invite_expired")
    if invite.uses >= invite.max_uses:
        raise APIError(410, "invite_used_up")
    invite.uses += 1
    device, tokens = _new_device(invite.workspace_id, data["device"], invite.role, seq,
                                invite_id=invite.id, binding=binding)
    seq.finish()
    db.session.commit()
    return SessionSchema().dump({"workspace": device.workspace_id, "device": device.id,
                                 "role": device.role, **tokens}), 201


@bp.get("/me")
@authenticated()
def me():
    """This device as the directory shows it, with its workspace's fingerprint.
    ---
    get:
      tags: [enrollment]
      summary: The authenticated device
      security: [{bearer: []}]
      responses:
        200: {content: {application/json: {schema: MeSchema}}}
    """
    ws = db.session.get(Workspace, g.device.workspace_id)
    # The whole row: the authentication query leaves out what only this call shows (binding, orders).
    return MeSchema().dump({"workspace": ws.id, "fingerprint": ws.fingerprint,
                            "device": device_entry(db.session.get(Device, g.device.id))})



@bp.put("/devices/<device_id>/binding")
@authenticated()
def bind(device_id):
    """Post this device's key-binding statement once (devices enrolled before statements existed).
    ---
    put:
      tags: [devices]
      summary: Post the calling device's own key-binding statement
      security: [{bearer: []}]
      parameters:
      - {name: device_id, in: path, required: true, schema: {type: string}}
      requestBody:
        content:
          application/json:
            schema: BindSchema
      responses:
        200: {content: {application/json: {schema: DeviceSchema}}}
        400: {$ref: '#/components/responses/Error'}
        403: {$ref: '#/components/responses/Error'}
        409: {$ref: '#/components/responses/Error'}
    """
    binding = bodies.load(BindSchema())["binding"]
    if device_id != g.device.id:
        raise APIError(403, "not_own_device", "A device can post only its own key-binding statement.")
    me = g.device
    text = _check_binding(binding, me.workspace_id, {"id": me.id, "sign_key": me.sign_key,
                                                     "ecdh_key": me.ecdh_key}, me.role)
    seq = Sequencer(me.workspace_id)
    device = db.session.get(Device, me.id, populate_existing=True)  # read under the workspace lock
    if device.binding is not None:
        db.session.rollback()
        if device.binding == text:
            return DeviceSchema().dump(device_entry(device))
        raise APIError(409, "binding_exists", "This device already has a key-binding statement.")
    device.binding = text
    device.seq = seq.next()
    recompute(me.workspace_id, seq)   # its statement may complete chains (its own and those it issued)
    seq.finish()
    db.session.commit()
    return DeviceSchema().dump(device_entry(device))
