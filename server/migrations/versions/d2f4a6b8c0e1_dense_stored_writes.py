"""changes store their writes in the dense form of a pull page (protocol version 3)

Revision ID: d2f4a6b8c0e1
Revises: c4e8a2f6b1d3
Create Date: 2026-12-03 09:00:00

A pull page carries each write as an array (docs/protocol.md, "Pull"), and the server serves the
stored text as it is: a live write becomes [field, n, ctx, nonce, ct], a covered one
[field, n, ctx, h], the dot's device being the change's and the context leaving out that
device's own entry (n - 1; every stored change was checked to hold it). Downgrading rebuilds the
objects. The texts are made as the server formats them (server/store/text.py): compact JSON,
ASCII only.
"""
import json

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'd2f4a6b8c0e1'
down_revision = 'c4e8a2f6b1d3'
branch_labels = None
depends_on = None

BATCH = 1000


def _dumps(value):
    return json.dumps(value, separators=(",", ":"), ensure_ascii=True)


def _dense(text, device):
    out = []
    for w in json.loads("[%s]" % text):
        n = w["dot"][1]
        ctx = {d: k for d, k in w["ctx"].items() if d != device}
        tail = [w["nonce"], w["ct"]] if "ct" in w else [w["h"]]
        out.append(_dumps([w["field"], n, ctx] + tail))
    return ",".join(out)


def _objects(text, device):
    out = []
    for w in json.loads("[%s]" % text):
        field, n, ctx = w[0], w[1], w[2]
        if n > 1:
            ctx[device] = n - 1
        item = {"field": field, "dot": [device, n], "ctx": ctx}
        item.update({"nonce": w[3], "ct": w[4]} if len(w) == 5 else {"h": w[3]})
        out.append(_dumps(item))
    return ",".join(out)


def _converted(convert, text, device):
    # A text that is not of the expected form (none the server wrote) is left as it is.
    try:
        return convert(text, device)
    except (ValueError, TypeError, KeyError, IndexError, AttributeError):
        return text


def _rewrite(convert):
    conn = op.get_bind()
    changes = sa.table("changes", sa.column("workspace_id"), sa.column("id"), sa.column("device_id"),
                       sa.column("writes"))
    last = ("", -1)
    while True:
        c = changes.c
        rows = conn.execute(sa.select(c.workspace_id, c.id, c.device_id, c.writes)
                            .where(sa.tuple_(c.workspace_id, c.id) > sa.tuple_(*last))
                            .order_by(c.workspace_id, c.id).limit(BATCH)).all()
        if not rows:
            return
        conn.execute(changes.update().where(changes.c.workspace_id == sa.bindparam("w"),
                                            changes.c.id == sa.bindparam("i"))
                     .values(writes=sa.bindparam("t")),
                     [{"w": r.workspace_id, "i": r.id, "t": _converted(convert, r.writes, r.device_id)}
                      for r in rows])
        last = (rows[-1].workspace_id, rows[-1].id)


def upgrade():
    _rewrite(_dense)


def downgrade():
    _rewrite(_objects)
