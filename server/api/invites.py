"""Invites: coordinators create, list and withdraw them. The code is shown once, stored hashed."""

from datetime import datetime, timedelta, timezone

from flask import Blueprint, current_app, g
from sqlalchemy import select

from .. import bodies
from ..auth import authenticated, new_id, new_secret, secret_hash
from ..errors import APIError
from ..extensions import db
from ..models import Invite
from ..schemas import InviteCreateSchema, InviteListSchema, InviteSchema

bp = Blueprint("invites", __name__, url_prefix="/api/invites")


def _utcnow():
    return datetime.now(timezone.utc).replace(tzinfo=None)


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
    code = new_secret()
    invite = Invite(id=new_id(), workspace_id=g.device.workspace_id, code_hash=secret_hash(code),
                    role=data["role"], max_uses=data["max_uses"], uses=0,
                    expires_at=_utcnow() + timedelta(hours=hours), revoked=False, created_by=g.device.id)
    db.session.add(invite)
    db.session.commit()
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
    invites = db.session.execute(select(Invite).where(Invite.workspace_id == g.device.workspace_id)
                                 .order_by(Invite.expires_at.desc())).scalars()
    return InviteListSchema().dump({"invites": list(invites)})


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
    invite = db.session.get(Invite, invite_id)
    if invite is None or invite.workspace_id != g.device.workspace_id:
        raise APIError(404, "invite_unknown", "There is no such invite in this workspace.")
    invite.revoked = True
    db.session.commit()
    return InviteSchema().dump(invite)
