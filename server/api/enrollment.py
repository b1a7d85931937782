"""Joining a workspace: the root device with the setup token, others with an invite code."""

from flask import Blueprint, current_app, g

from sync import keys
from sync.canonical import canonical_json
from sync.envelopes import verify_object

from .. import bodies, store
from ..auth import authenticated
from ..errors import APIError
from ..extensions import limiter
from ..schemas import BindSchema, BootstrapSchema, DeviceSchema, EnrollSchema, MeSchema, SessionSchema
from ..store import device_entry

bp = Blueprint("enrollment", __name__, url_prefix="/api")


def _enroll_limit():
    return current_app.config["ZAPIS_ENROLL_LIMIT"]


def _check_keys(device):
    for name in ("sign_key", "ecdh_key"):
        try:
            keys.load_public(device[name])
        except ValueError:
            raise APIError(400, "invalid_key", "The device's %s is not a P-256 public key." % name) from None


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
    ws = store.workspace_by_setup_token(data["setup_token"])
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
    device, tokens = store.add_root(ws, keys_, cert, binding)
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
    invite = store.invite_by_code(data["invite"])
    if invite is None:
        raise APIError(404, "invite_unknown")
    _check_keys(data["device"])
    binding = _check_binding(data.get("binding"), invite.workspace_id, data["device"], invite.role)
    device, tokens = store.enroll(invite, data["device"], binding)
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
    ws = store.get_workspace(g.device.workspace_id)
    # The whole row: the authentication query leaves out what only this call shows (binding, orders).
    return MeSchema().dump({"workspace": ws.id, "fingerprint": ws.fingerprint,
                            "device": device_entry(store.get_device(g.device.id))})



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
    return DeviceSchema().dump(device_entry(store.bind(me.id, me.workspace_id, text)))
