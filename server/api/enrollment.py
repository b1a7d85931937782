"""Joining a workspace: the root device with the setup token, others with an invite code."""

from flask import Blueprint, current_app, g

from sync import keys
from sync.canonical import canonical_json
from sync.envelopes import verify_object

from .. import store
from ..auth import authenticated
from ..declare import body, other_responses, response
from ..errors import APIError
from ..extensions import limiter
from ..schemas import BootstrapSchema, EnrollSchema, MeSchema, SessionSchema
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
@body(BootstrapSchema)
@response(SessionSchema, 201)
@other_responses({400: ["invalid_key", "bad_certificate", "bad_binding"], 404: "setup_token_unknown",
                  409: ["device_exists", "conflict"]})
def bootstrap(data):
    """Bootstrap a workspace with its one-time setup token.

    Creates the workspace's first coordinator device, whose signing key becomes the root.
    """
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
    return {"workspace": ws.id, "device": device.id, "role": device.role, **tokens}


@bp.post("/enroll")
@limiter.limit(_enroll_limit)
@body(EnrollSchema)
@response(SessionSchema, 201)
@other_responses({400: ["invalid_key", "bad_binding"], 404: "invite_unknown",
                  409: ["device_exists", "conflict"],
                  410: ["invite_revoked", "invite_expired", "invite_used_up"]})
def enroll(data):
    """Enroll a device with an invite code: public keys in, a bearer token out."""
    invite = store.invite_by_code(data["invite"])
    if invite is None:
        raise APIError(404, "invite_unknown")
    _check_keys(data["device"])
    binding = _check_binding(data.get("binding"), invite.workspace_id, data["device"], invite.role)
    device, tokens = store.enroll(invite, data["device"], binding)
    return {"workspace": device.workspace_id, "device": device.id, "role": device.role, **tokens}


@bp.get("/me")
@authenticated()
@response(MeSchema)
def me():
    """The authenticated device, as the directory shows it, with its workspace's fingerprint."""
    ws = store.get_workspace(g.device.workspace_id)
    # The whole row: the authentication query leaves out what only this call shows (binding, orders).
    return {"workspace": ws.id, "fingerprint": ws.fingerprint,
            "device": device_entry(store.get_device(g.device.id))}
