"""changes hold their writes; records hold their live sets

A change is now one row holding the text a pull delivers (live writes with nonce and ciphertext,
covered ones as their hash), and a record holds the merge metadata of its fields' live sets in
`records.state`. The table of values (eight rows a record, each with its own sequence number)
goes: a push writes a third of the rows it did, and a pull reads one row a change.

Each change takes as its new number the highest sequence number of its live values, so that a
device whose cursor lay between a change's values (a page could end there) gets the whole change
again; merging it twice is harmless. Those numbers were only ever given to values, so they
collide with no other change.

Revision ID: e5a7c3d9b1f2
Revises: c81d2e4f7a90
Create Date: 2026-12-01 07:10:00
"""
import base64
import hashlib
import json

import sqlalchemy as sa
from alembic import op

revision = "e5a7c3d9b1f2"
down_revision = "c81d2e4f7a90"
branch_labels = None
depends_on = None

J = dict(separators=(",", ":"))

changes = sa.table("changes", sa.column("workspace_id", sa.String), sa.column("id", sa.BigInteger),
                   sa.column("record_id", sa.String), sa.column("writes", sa.Text))
records = sa.table("records", sa.column("workspace_id", sa.String), sa.column("id", sa.String),
                   sa.column("state", sa.Text))
values = sa.table("field_values", *(sa.column(c) for c in (
    "workspace_id", "record_id", "field", "device", "n", "ctx", "nonce", "ct", "change_id", "idx", "seq")))


def _values_table():
    op.create_table(
        "field_values",
        sa.Column("workspace_id", sa.String(length=36), nullable=False),
        sa.Column("record_id", sa.String(length=36), nullable=False),
        sa.Column("field", sa.String(length=40), nullable=False),
        sa.Column("device", sa.String(length=22), nullable=False),
        sa.Column("n", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("ctx", sa.Text(), nullable=False),
        sa.Column("nonce", sa.String(length=16), nullable=False),
        sa.Column("ct", sa.Text(), nullable=False),
        sa.Column("change_id", sa.BigInteger(), nullable=False),
        sa.Column("idx", sa.Integer(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"],
                                name=op.f("fk_field_values_workspace_id_workspaces")),
        sa.PrimaryKeyConstraint("workspace_id", "record_id", "field", "device", "n",
                                name=op.f("pk_field_values")))
    with op.batch_alter_table("field_values", schema=None) as batch_op:
        batch_op.create_index("ix_field_values_change", ["workspace_id", "change_id"], unique=False)
        batch_op.create_index("ix_field_values_workspace_seq", ["workspace_id", "seq"], unique=False)


def upgrade():
    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.add_column(sa.Column("state", sa.Text(), nullable=True))
    bind = op.get_bind()
    live = {}
    for v in bind.execute(sa.select(values)).all():
        live.setdefault((v.workspace_id, v.change_id), {})[v.idx] = v
    states = {}
    for c in bind.execute(sa.select(changes)).all():
        found = live.get((c.workspace_id, c.id))
        if not found:
            bind.execute(changes.delete().where(changes.c.workspace_id == c.workspace_id,
                                                changes.c.id == c.id))
            continue
        new_id = max(v.seq for v in found.values())
        writes = []
        for idx, line in enumerate(c.writes.split("\n")):
            w = json.loads(line)
            v = found.get(idx)
            if v is None:
                writes.append(json.dumps({"field": w["field"], "dot": w["dot"], "ctx": w["ctx"],
                                          "h": w["h"]}, **J))
                continue
            writes.append(json.dumps({"field": w["field"], "dot": w["dot"], "ctx": w["ctx"], "nonce": v.nonce,
                                      "ct": v.ct}, **J))
            states.setdefault((c.workspace_id, c.record_id), {}).setdefault(w["field"], []).append(
                [w["dot"][0], w["dot"][1], w["ctx"], new_id, idx, w["h"]])
        bind.execute(changes.update().where(changes.c.workspace_id == c.workspace_id, changes.c.id == c.id)
                     .values(id=new_id, writes=",".join(writes)))
    for (ws, record), state in states.items():
        bind.execute(records.update().where(records.c.workspace_id == ws, records.c.id == record)
                     .values(state=json.dumps(state, **J)))
    with op.batch_alter_table("field_values", schema=None) as batch_op:
        batch_op.drop_index("ix_field_values_workspace_seq")
        batch_op.drop_index("ix_field_values_change")
    op.drop_table("field_values")
    with op.batch_alter_table("changes", schema=None) as batch_op:
        batch_op.create_index("ix_changes_workspace_record", ["workspace_id", "record_id"], unique=False)


def _hash(nonce, ct):
    raw = b"".join(base64.urlsafe_b64decode(t + "=" * (-len(t) % 4)) for t in (nonce, ct))
    return base64.urlsafe_b64encode(hashlib.sha256(raw).digest()).rstrip(b"=").decode("ascii")


def downgrade():
    _values_table()
    bind = op.get_bind()
    for c in bind.execute(sa.select(changes)).all():
        lines = []
        for idx, w in enumerate(json.loads("[%s]" % c.writes)):
            h = w.get("h")
            if "ct" in w:
                h = _hash(w["nonce"], w["ct"])
                bind.execute(values.insert().values(
                    workspace_id=c.workspace_id, record_id=c.record_id, field=w["field"], device=w["dot"][0],
                    n=w["dot"][1], ctx=json.dumps(w["ctx"], **J), nonce=w["nonce"], ct=w["ct"],
                    change_id=c.id,
                    idx=idx, seq=c.id))
            lines.append(json.dumps({"field": w["field"], "dot": w["dot"], "ctx": w["ctx"], "h": h}, **J))
        bind.execute(changes.update().where(changes.c.workspace_id == c.workspace_id, changes.c.id == c.id)
                     .values(writes="\n".join(lines)))
    with op.batch_alter_table("changes", schema=None) as batch_op:
        batch_op.drop_index("ix_changes_workspace_record")
    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.drop_column("state")
