"""Invites: coordinators create, list and withdraw them. The code is shown once, stored hashed."""

from datetime import UTC, datetime, timedelta

from flask import Blueprint, current_app, g

from .. import bodies, store
from ..auth import authenticated
from ..errors import APIError
from ..schemas import InviteCreateSchema, InviteListSchema, InviteSchema

bp = Blueprint("invites", __name__, url_prefix="/api/invites")


def _utcnow():
    return datetime.now(UTC).replace(tzinfo=None)


@bp.post("")
@authenticated("coordinator", certified=True)
def create():
    """Create an invite: single-use for volunteers and coordinators, capped for reporters.
    ---
    post:
      tags: [invites]
      summary: Create an invite
      security: [{bearer: []}]
      requestBody:
        content:
          application/json:
            schema: InviteCreateSchema
      responses:
        201: {content: {application/json: {schema: InviteSchema}}}
        403: {$ref: '#/components/responses/Error'}
    """
    data = bodies.load(InviteCreateSchema())
    hours = data.get("expires_in_hours") or 24 * current_app.config["ZAPIS_INVITE_DAYS"]
    invite, code = store.create_invite(g.device.workspace_id, g.device.id, data["role"], data["max_uses"],
                                       _utcnow() + timedelta(hours=hours))
    body = InviteSchema().dump(invite)
    body["code"] = code
    return body, 201


@bp.get("")
@authenticated("coordinator", certified=True)
def index():
    """The workspace's invites, newest first, without their codes.
    ---
    get:
      tags: [invites]
      summary: List invites
      security: [{bearer: []}]
      responses:
        200: {content: {application/json: {schema: InviteListSchema}}}
        403: {$ref: '#/components/responses/Error'}
    """
    return InviteListSchema().dump({"invites": store.invites_of(g.device.workspace_id)})


@bp.delete("/<invite_id>")
@authenticated("coordinator", certified=True)
def revoke(invite_id):
    """Withdraw an invite; devices that already joined with it stay.
    ---
    delete:
      tags: [invites]
      summary: Withdraw an invite
      security: [{bearer: []}]
      parameters:
      - {name: invite_id, in: path, required: true, schema: {type: string}}
      responses:
        200: {content: {application/json: {schema: InviteSchema}}}
        403: {$ref: '#/components/responses/Error'}
        404: {$ref: '#/components/responses/Error'}
    """
    invite = store.withdraw_invite(g.device.workspace_id, invite_id)
    if invite is None:
        raise APIError(404, "invite_unknown", "There is no such invite in this workspace.")
    return InviteSchema().dump(invite)
