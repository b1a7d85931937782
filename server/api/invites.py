"""Invites: coordinators create, list and withdraw them. The code is shown once, stored hashed."""

from datetime import UTC, datetime, timedelta

from flask import Blueprint, current_app, g

from .. import store
from ..auth import authenticated
from ..declare import body, other_responses, response
from ..errors import APIError
from ..schemas import InviteCreateSchema, InviteListSchema, InviteSchema

bp = Blueprint("invites", __name__, url_prefix="/api/invites")
COLUMNS = [name for name in InviteSchema().fields if name != "code"]


def _utcnow():
    return datetime.now(UTC).replace(tzinfo=None)


@bp.post("")
@authenticated("coordinator", certified=True)
@body(InviteCreateSchema)
@response(InviteSchema, 201)
def create(data):
    """Create an invite: single-use for volunteers and coordinators, capped for reporters.

    The answer carries the invite's secret code, this once.
    """
    hours = data.get("expires_in_hours") or 24 * current_app.config["ZAPIS_INVITE_DAYS"]
    invite, code = store.create_invite(g.device.workspace_id, g.device.id, data["role"], data["max_uses"],
                                       _utcnow() + timedelta(hours=hours))
    return {**{name: getattr(invite, name) for name in COLUMNS}, "code": code}


@bp.get("")
@authenticated("coordinator", certified=True)
@response(InviteListSchema)
def index():
    """List the workspace's invites, newest first, without their codes."""
    return {"invites": store.invites_of(g.device.workspace_id)}


@bp.delete("/<invite_id>")
@authenticated("coordinator", certified=True)
@response(InviteSchema)
@other_responses({404: "invite_unknown"})
def revoke(invite_id):
    """Withdraw an invite; devices that already joined with it stay."""
    invite = store.withdraw_invite(g.device.workspace_id, invite_id)
    if invite is None:
        raise APIError(404, "invite_unknown", "There is no such invite in this workspace.")
    return invite
