"""Workspaces and invites in storage."""

import uuid

from sqlalchemy import func, select

from ..auth import new_id, new_secret, secret_hash
from ..extensions import db
from ..models import Invite, Workspace
from .sequencer import sequenced


def new_workspace():
    """Create a workspace; return it and its one-time setup token (stored only as a hash)."""
    token = new_secret()
    ws = Workspace(id=str(uuid.uuid4()), setup_token_hash=secret_hash(token), seq=0, horizon=0)
    db.session.add(ws)
    db.session.commit()
    return ws, token


def renew_setup_token(workspace_id):
    """A new one-time setup token for a workspace that has no coordinator yet (the previous one
    stops working); None if its first coordinator exists. Stored only as a hash."""
    token = new_secret()
    with sequenced(workspace_id):  # the lock under which the first coordinator is added
        ws = db.session.get(Workspace, workspace_id)
        db.session.refresh(ws)
        if ws.fingerprint is not None:
            return None
        ws.setup_token_hash = secret_hash(token)
    return token


def workspaces():
    """Every workspace, in the order of their ids."""
    return list(db.session.execute(select(Workspace).order_by(Workspace.id)).scalars())


def workspace_count():
    """How many workspaces exist."""
    return db.session.execute(select(func.count()).select_from(Workspace)).scalar_one()


def create_invite(workspace_id, created_by, role, max_uses, expires_at):
    """A new invite; returns (it, its code: shown once, stored only as a hash)."""
    code = new_secret()
    invite = Invite(id=new_id(), workspace_id=workspace_id, code_hash=secret_hash(code),
                    role=role, max_uses=max_uses, uses=0,
                    expires_at=expires_at, revoked=False, created_by=created_by)
    db.session.add(invite)
    db.session.commit()
    return invite, code


def invites_of(workspace_id):
    """The workspace's invites, newest expiry first."""
    return list(db.session.execute(select(Invite).where(Invite.workspace_id == workspace_id)
                                   .order_by(Invite.expires_at.desc())).scalars())


def withdraw_invite(workspace_id, invite_id):
    """Withdraw an invite of the workspace; None if there is no such invite there."""
    invite = db.session.get(Invite, invite_id)
    if invite is None or invite.workspace_id != workspace_id:
        return None
    invite.revoked = True
    db.session.commit()
    return invite
