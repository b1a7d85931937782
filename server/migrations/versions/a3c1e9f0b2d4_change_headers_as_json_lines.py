"""change headers stored as JSON lines

A pull now puts a live value in place of its hash by cutting the stored text of a write, so each
write of a change header is stored as one JSON object a line, keys in the order field, dot, ctx, h.

Revision ID: a3c1e9f0b2d4
Revises: 57d32191ecb2
Create Date: 2026-11-22 05:10:00
"""
import json

import sqlalchemy as sa
from alembic import op

revision = "a3c1e9f0b2d4"
down_revision = "57d32191ecb2"
branch_labels = None
depends_on = None

changes = sa.table("changes", sa.column("workspace_id", sa.String), sa.column("id", sa.BigInteger),
                   sa.column("writes", sa.Text))


def _convert(text, to_lines):
    if to_lines:
        if not text.startswith("["):
            return None
        return "\n".join(json.dumps({"field": w["field"], "dot": w["dot"], "ctx": w["ctx"], "h": w["h"]},
                                    separators=(",", ":")) for w in json.loads(text))
    if text.startswith("["):
        return None
    return json.dumps([json.loads(line) for line in text.split("\n")], separators=(",", ":"))


def _rewrite(to_lines):
    bind = op.get_bind()
    for row in bind.execute(sa.select(changes.c.workspace_id, changes.c.id, changes.c.writes)).all():
        new = _convert(row.writes, to_lines)
        if new is not None:
            bind.execute(changes.update().where(changes.c.workspace_id == row.workspace_id,
                                                changes.c.id == row.id)
                         .values(writes=new))


def upgrade():
    _rewrite(to_lines=True)


def downgrade():
    _rewrite(to_lines=False)
