"""an index of records by creator, for field devices' pulls

Revision ID: c81d2e4f7a90
Revises: a3c1e9f0b2d4
Create Date: 2026-11-22 06:50:00

A field device's pull selects the values of the records it may read: those it holds a wrap for
(ix_wraps_recipient_seq) and those it created, which needed this index.
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c81d2e4f7a90'
down_revision = 'a3c1e9f0b2d4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('records', schema=None) as batch_op:
        batch_op.create_index('ix_records_workspace_creator', ['workspace_id', 'creator'], unique=False)


def downgrade():
    with op.batch_alter_table('records', schema=None) as batch_op:
        batch_op.drop_index('ix_records_workspace_creator')
