"""key commitments on changes; one wrap per (record, recipient, sender)

Revision ID: 8a4f0b2d3c5e
Revises: e5a7c3d9b1f2
Create Date: 2026-12-03 05:00:00

A change now carries `kc`, the commitment to its record key, inside its signed header: stored
in its own column, absent (NULL) for changes stored before. A wrap is kept per sender, so a
wrap from the record's creator or a coordinator is never blocked by an earlier one from someone
else, and a sender's later wrap replaces its own earlier one. Existing wraps keep their rows:
(record, recipient) was unique, so it stays unique with the sender added.
"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '8a4f0b2d3c5e'
down_revision = 'e5a7c3d9b1f2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('changes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kc', sa.String(length=43), nullable=True))
    with op.batch_alter_table('wraps', schema=None) as batch_op:
        batch_op.drop_constraint('pk_wraps', type_='primary')
        batch_op.create_primary_key('pk_wraps', ['workspace_id', 'record_id', 'recipient', 'sender'])


def downgrade():
    # Keep the newest wrap of each (record, recipient): the old key allows one.
    op.execute("DELETE FROM wraps WHERE EXISTS (SELECT 1 FROM wraps AS w WHERE w.workspace_id = wraps.workspace_id "
               "AND w.record_id = wraps.record_id AND w.recipient = wraps.recipient AND w.seq > wraps.seq)")
    with op.batch_alter_table('wraps', schema=None) as batch_op:
        batch_op.drop_constraint('pk_wraps', type_='primary')
        batch_op.create_primary_key('pk_wraps', ['workspace_id', 'record_id', 'recipient'])
    with op.batch_alter_table('changes', schema=None) as batch_op:
        batch_op.drop_column('kc')
