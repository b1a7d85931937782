"""key commitments on changes; one wrap per (record, recipient, sender)

Revision ID: 8a4f0b2d3c5e
Revises: e5a7c3d9b1f2
Create Date: 2026-12-03 05:00:00

A change now carries `kc`, the commitment to its record key, inside its signed header: stored
in its own column, absent (NULL) for changes stored before. A wrap is kept per sender, so a
wrap from the record's creator or a coordinator is never blocked by an earlier one from someone
else, and a sender's later wrap replaces its own earlier one. Existing wraps keep their rows:
(record, recipient) was unique, so it stays unique with the sender added.

Verifiers now accept only low-s ECDSA signatures. About half the signatures stored so far are
high-s; (r, s) and (r, n - s) sign the same bytes, so each is replaced by its low-s twin (a pure
rewrite of the same signature, no key needed): changes, wraps, certificates and purge orders.
A device whose certificate was rewritten gets a new sequence number, so every client pulls its
entry again and its trust evaluation holds. Nothing else changes; the downgrade leaves the low-s
signatures, which the old rule also accepts.
"""
import base64
import json

import sqlalchemy as sa
from alembic import op

ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


def low_s(sig):
    """The low-s twin of a base64url P1363 signature; the text itself if it is low-s or not one."""
    try:
        raw = base64.urlsafe_b64decode(sig + "=" * (-len(sig) % 4))
    except (ValueError, TypeError):
        return sig
    if len(raw) != 64:
        return sig
    s = int.from_bytes(raw[32:], "big")
    if not ORDER // 2 < s < ORDER:
        return sig
    return base64.urlsafe_b64encode(raw[:32] + (ORDER - s).to_bytes(32, "big")).rstrip(b"=").decode("ascii")


def _signed_text(text):
    """A stored signed object's canonical JSON text with its signature made low-s, or None."""
    try:
        obj = json.loads(text)
    except (ValueError, TypeError):
        return None
    if not isinstance(obj, dict) or not isinstance(obj.get("sig"), str) or low_s(obj["sig"]) == obj["sig"]:
        return None
    obj["sig"] = low_s(obj["sig"])
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _normalise_signatures():
    conn = op.get_bind()
    for table, keys in (("changes", ("workspace_id", "id")),
                        ("wraps", ("workspace_id", "record_id", "recipient"))):
        rows = conn.execute(sa.text("SELECT %s, sig FROM %s" % (", ".join(keys), table))).all()
        where = " AND ".join("%s = :%s" % (k, k) for k in keys)
        for row in rows:
            fixed = low_s(row.sig)
            if fixed != row.sig:
                conn.execute(sa.text("UPDATE %s SET sig = :sig WHERE %s" % (table, where)),
                             {"sig": fixed, **{k: getattr(row, k) for k in keys}})
    purged = sa.text("SELECT workspace_id, id, purge FROM records WHERE purge IS NOT NULL")
    for row in conn.execute(purged).all():
        fixed = _signed_text(row.purge)
        if fixed is not None:
            conn.execute(sa.text("UPDATE records SET purge = :p WHERE workspace_id = :w AND id = :i"),
                         {"p": fixed, "w": row.workspace_id, "i": row.id})
    for row in conn.execute(sa.text("SELECT workspace_id, id, cert FROM devices WHERE cert IS NOT NULL "
                                    "ORDER BY workspace_id, seq")).all():
        fixed = _signed_text(row.cert)
        if fixed is None:
            continue
        seq = conn.execute(sa.text("SELECT seq FROM workspaces WHERE id = :w"),
                           {"w": row.workspace_id}).scalar_one()
        conn.execute(sa.text("UPDATE workspaces SET seq = :s WHERE id = :w"),
                     {"s": seq + 1, "w": row.workspace_id})
        conn.execute(sa.text("UPDATE devices SET cert = :c, seq = :s WHERE id = :i"),
                     {"c": fixed, "s": seq + 1, "i": row.id})


# revision identifiers, used by Alembic.
revision = '8a4f0b2d3c5e'
down_revision = '0b7d9e1f2a3c'
branch_labels = None
depends_on = None


def upgrade():
    _normalise_signatures()
    with op.batch_alter_table('changes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kc', sa.String(length=43), nullable=True))
    with op.batch_alter_table('wraps', schema=None) as batch_op:
        batch_op.drop_constraint('pk_wraps', type_='primary')
        batch_op.create_primary_key('pk_wraps', ['workspace_id', 'record_id', 'recipient', 'sender'])


def downgrade():
    # Keep the newest wrap of each (record, recipient): the old key allows one.
    op.execute("DELETE FROM wraps WHERE EXISTS (SELECT 1 FROM wraps AS w "
               "WHERE w.workspace_id = wraps.workspace_id "
               "AND w.record_id = wraps.record_id AND w.recipient = wraps.recipient AND w.seq > wraps.seq)")
    with op.batch_alter_table('wraps', schema=None) as batch_op:
        batch_op.drop_constraint('pk_wraps', type_='primary')
        batch_op.create_primary_key('pk_wraps', ['workspace_id', 'record_id', 'recipient'])
    with op.batch_alter_table('changes', schema=None) as batch_op:
        batch_op.drop_column('kc')
