"""The workspace lock and counter: every mutation of a workspace runs inside one."""

from sqlalchemy import update

from ..extensions import db
from ..models import Workspace


class Sequencer:
    """The workspace lock and counter for one transaction."""

    def __init__(self, workspace_id):
        self.workspace_id = workspace_id
        stmt = (update(Workspace).where(Workspace.id == workspace_id)
                .values(seq=Workspace.seq).returning(Workspace.seq))
        self.value = db.session.execute(stmt).scalar_one()

    def next(self):
        """The next sequence number."""
        self.value += 1
        return self.value

    def finish(self):
        """Store the counter: the last statement before commit."""
        db.session.execute(update(Workspace).where(Workspace.id == self.workspace_id)
                           .values(seq=self.value))
