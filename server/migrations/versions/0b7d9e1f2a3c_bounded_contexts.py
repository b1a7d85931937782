"""records remember the highest dot accepted per field and device

A write's context may only name counters the server accepted for that record and field (refusal
`unseen_context`), so each field of `records.state` now carries, beside its live set, the highest
dot of every device ever accepted for it: `{field: [[live value, ...], {device: n}]}`.

What was accepted before this migration is taken as it is: the highest counter is built from
everything still stored, the live values' dots and contexts and every write (live or hash form)
of the stored changes. Contexts count as well as dots because a covered value's change may have
been deleted, and the context of what covered it is then the only trace of its dot; an inflated
context accepted before the rule existed is therefore grandfathered, not undone.

Revision ID: 0b7d9e1f2a3c
Revises: e5a7c3d9b1f2
Create Date: 2026-12-03 05:00:00
"""
import json

import sqlalchemy as sa
from alembic import op

revision = "0b7d9e1f2a3c"
down_revision = "7f3e9a1c2b4d"
branch_labels = None
depends_on = None

J = dict(separators=(",", ":"))

changes = sa.table("changes", sa.column("workspace_id", sa.String), sa.column("id", sa.BigInteger),
                   sa.column("record_id", sa.String), sa.column("writes", sa.Text))
records = sa.table("records", sa.column("workspace_id", sa.String), sa.column("id", sa.String),
                   sa.column("state", sa.Text))


def _see(top, device, n):
    if n > top.get(device, 0):
        top[device] = n


def _see_write(top, dot, ctx):
    _see(top, dot[0], dot[1])
    for device, n in ctx.items():
        _see(top, device, n)


def upgrade():
    bind = op.get_bind()
    seen = {}   # (workspace, record) -> {field: {device: n}}
    result = bind.execute(sa.select(changes.c.workspace_id, changes.c.record_id, changes.c.writes))
    while True:
        rows = result.fetchmany(1000)
        if not rows:
            break
        for c in rows:
            fields = seen.setdefault((c.workspace_id, c.record_id), {})
            for w in json.loads("[%s]" % c.writes):
                _see_write(fields.setdefault(w["field"], {}), w["dot"], w["ctx"])
    stored = bind.execute(sa.select(records.c.workspace_id, records.c.id, records.c.state)
                          .where(records.c.state.is_not(None))).all()
    for r in stored:
        fields = seen.setdefault((r.workspace_id, r.id), {})
        state = {}
        for field, vals in json.loads(r.state).items():
            top = fields.setdefault(field, {})
            for v in vals:
                _see_write(top, [v[0], v[1]], v[2])
            state[field] = [vals, top]
        bind.execute(records.update().where(records.c.workspace_id == r.workspace_id, records.c.id == r.id)
                     .values(state=json.dumps(state, **J)))


def downgrade():
    bind = op.get_bind()
    stored = bind.execute(sa.select(records.c.workspace_id, records.c.id, records.c.state)
                          .where(records.c.state.is_not(None))).all()
    for r in stored:
        state = {field: pair[0] for field, pair in json.loads(r.state).items() if pair[0]}
        bind.execute(records.update().where(records.c.workspace_id == r.workspace_id, records.c.id == r.id)
                     .values(state=json.dumps(state, **J)))
