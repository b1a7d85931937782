"""The workspace lock and counter: every mutation of a workspace runs inside one."""

from contextlib import contextmanager

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


@contextmanager
def sequenced(workspace_id):
    """`with sequenced(workspace) as seq:` runs one mutation of a workspace under its lock.

    Entering takes the workspace's counter row (the lock); leaving normally stores the counter
    if `seq.next()` moved it (the last statement) and commits; leaving by an exception rolls
    back, which releases the lock and leaves the counter as it was.
    """
    seq = Sequencer(workspace_id)
    start = seq.value
    try:
        yield seq
    except BaseException:
        db.session.rollback()
        raise
    if seq.value != start:
        seq.finish()
    db.session.commit()
