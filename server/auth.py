"""Bearer tokens: made at enrollment, shown once, stored only as SHA-256 hashes."""

import hashlib
import secrets
from functools import wraps

from flask import g, request
from sqlalchemy import bindparam, or_, select

from .declare import spec_of
from .errors import APIError
from .extensions import db
from .models import Device, Workspace

AUTH_COLUMNS = (Device.id, Device.workspace_id, Device.role, Device.sign_key, Device.ecdh_key, Device.cert,
                Device.certs, Device.chained, Device.chained_seq, Device.resync_cursor, Device.revoked,
                Device.invite_id, Device.seq,
                Workspace.seq.label("workspace_seq"),
                Workspace.horizon.label("workspace_horizon"))
# Built once: constructing the statement cost as much as running it, and every request runs it.
AUTH_QUERY = (select(*AUTH_COLUMNS, (Device.push_token_hash == bindparam("digest")).label("push_only"))
              .join(Workspace, Workspace.id == Device.workspace_id)
              .where(or_(Device.token_hash == bindparam("digest"),
                         Device.push_token_hash == bindparam("digest"))))


def new_secret():
    """A random 256-bit secret as base64url-like text (tokens, setup tokens, invite codes)."""
    return secrets.token_urlsafe(32)


def new_id():
    """A random 128-bit id, 22 characters of base64url (device and invite ids)."""
    return secrets.token_urlsafe(16)


def secret_hash(secret):
    """The hash stored in place of a secret."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def current_device():
    """The device the request's bearer token belongs to (a read-only row, with its workspace's
    counter and horizon), or an APIError (401 or 403)."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise APIError(401, "unauthenticated", "This device is not signed in. Join the workspace "
                       "with an invite link.")
    # One indexed lookup that also reads the workspace counter: a pull with nothing new needs
    # no other query. The row is read-only; views that change a device load it themselves.
    # Core, not ORM, execution: the row is plain columns, and the ORM's result machinery was
    # half of a no-op pull.
    device = db.session.connection().execute(AUTH_QUERY, {"digest": secret_hash(token.strip())}).one_or_none()
    if device is None:
        raise APIError(401, "unauthenticated")
    if device.revoked:
        raise APIError(403, "device_revoked")
    return device


def authenticated(*roles, push_only_ok=False, certified=False):
    """Require a valid token (and, if given, one of `roles`); the device goes to `g.device`.

    A push-only token is accepted only where `push_only_ok` says so (the push itself). With
    `certified`, the device must also hold a certificate chaining to the workspace root
    (server/authority.py): an invite gives a role, only a certificate gives its powers.
    """

    def decorate(view):
        @wraps(view)
        def inner(*args, **kwargs):
            g.device = current_device()
            if g.device.push_only and not push_only_ok:
                raise APIError(403, "push_only_token")
            if roles and g.device.role not in roles:
                raise APIError(403, "coordinator_only")
            if certified and not g.device.chained:
                raise APIError(403, "not_certified")
            return view(*args, **kwargs)

        # Declared for the OpenAPI document (server/api/docs.py): security and the 401/403 codes.
        spec_of(inner)["auth"] = {"roles": roles, "push_only_ok": push_only_ok, "certified": certified}
        return inner

    return decorate
