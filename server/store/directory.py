"""The device directory in storage: enrollment, certificates, revocations, key-binding statements.

The views check what needs no lock (shapes, signatures, who asks); what must be read again under
the workspace lock (the issuer still chained, the target's certificates and status) is checked
here, inside `sequenced`, and refused with the same APIError the views raise.
"""

import json
from datetime import UTC, datetime

from sqlalchemy import select

from sync import keys
from sync.canonical import canonical_json

from ..auth import new_secret, secret_hash
from ..authority import MAX_CERTS, is_root, recompute
from ..errors import APIError
from ..extensions import db
from ..models import Device, Invite, Workspace
from .sequencer import sequenced


def devices_of(workspace_id):
    """The workspace's devices in sequence order."""
    return db.session.execute(select(Device).where(Device.workspace_id == workspace_id)
                              .order_by(Device.seq)).scalars()


def get_device(device_id):
    """A device row, or None."""
    return db.session.get(Device, device_id)


def get_workspace(workspace_id):
    """A workspace row, or None."""
    return db.session.get(Workspace, workspace_id)


def workspace_by_setup_token(token):
    """The workspace whose one-time setup token this is, or None."""
    return db.session.execute(select(Workspace).where(
        Workspace.setup_token_hash == secret_hash(token))).scalar_one_or_none()


def invite_by_code(code):
    """The invite with this code, or None."""
    return db.session.execute(select(Invite).where(
        Invite.code_hash == secret_hash(code))).scalar_one_or_none()


def _check_new(device):
    # Under the workspace lock: two enrollments racing with one id must not both pass.
    if db.session.get(Device, device["id"]) is not None:
        raise APIError(409, "device_exists")


def _new_device(workspace_id, keys_, role, seq, cert=None, invite_id=None, binding=None):
    tokens = {"token": new_secret(), "push_token": new_secret()}
    device = Device(id=keys_["id"], workspace_id=workspace_id, role=role, sign_key=keys_["sign_key"],
                    ecdh_key=keys_["ecdh_key"], cert=cert, certs=json.dumps([cert]) if cert else None,
                    chained=False, token_hash=secret_hash(tokens["token"]),
                    push_token_hash=secret_hash(tokens["push_token"]), revoked=False, invite_id=invite_id,
                    binding=binding, seq=seq.next())
    db.session.add(device)
    return device, tokens


def add_root(ws, keys_, cert, binding):
    """The workspace's first coordinator, whose self-signed certificate anchors every chain.
    Returns (device, its tokens)."""
    with sequenced(ws.id) as seq:
        # Read again under the workspace lock: a setup racing this one may have used the token.
        db.session.refresh(ws)
        if ws.setup_token_hash is None:
            raise APIError(404, "setup_token_unknown")
        _check_new(keys_)
        device, tokens = _new_device(ws.id, keys_, "coordinator", seq, cert=canonical_json(cert),
                                     binding=binding)
        device.chained, device.chained_seq = True, device.seq   # the root anchors every chain
        ws.fingerprint = keys.fingerprint(keys_["sign_key"])
        ws.setup_token_hash = None
    return device, tokens


def enroll(invite, keys_, binding):
    """A device joining with `invite` (one use of it). Returns (device, its tokens)."""
    with sequenced(invite.workspace_id) as seq:
        _check_new(keys_)
        db.session.refresh(invite)  # read again under the workspace lock: uses may have changed
        if invite.revoked:
            raise APIError(410, "invite_revoked")
        if invite.expires_at <= datetime.now(UTC).replace(tzinfo=None):
            raise APIError(410, "invite_expired")
        if invite.uses >= invite.max_uses:
            raise APIError(410, "invite_used_up")
        invite.uses += 1
        device, tokens = _new_device(invite.workspace_id, keys_, invite.role, seq,
                                     invite_id=invite.id, binding=binding)
    return device, tokens


def _check_issuer(issuer_id):
    issuer = db.session.get(Device, issuer_id)
    db.session.refresh(issuer)
    if not issuer.chained or issuer.revoked:
        raise APIError(403, "not_certified")


def certify(device, issuer_id, cert):
    """Add a certificate to a device's `certs` (never replacing one)."""
    with sequenced(device.workspace_id) as seq:
        # Read again under the workspace lock: certificates and revocations may have changed.
        db.session.refresh(device)
        _check_issuer(issuer_id)
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
    return device


def revoke(device, issuer_id, order):
    """Revoke a device with a signed order (kept, one per issuer)."""
    with sequenced(device.workspace_id) as seq:
        _check_issuer(issuer_id)
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
    return device


def bind(device_id, workspace_id, text):
    """Store a device's key-binding statement (canonical JSON `text`) once; the same statement
    again changes nothing, another one is refused (409 binding_exists)."""
    with sequenced(workspace_id) as seq:
        device = db.session.get(Device, device_id, populate_existing=True)  # read under the workspace lock
        if device.binding is not None:
            if device.binding == text:
                return device
            raise APIError(409, "binding_exists", "This device already has a key-binding statement.")
        device.binding = text
        device.seq = seq.next()
        recompute(workspace_id, seq)   # its statement may complete chains (its own and those it issued)
    return device
