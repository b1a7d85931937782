"""attachment chunks: encrypted bytes per workspace, record, attachment and index

Revision ID: d4b6f8a0c2e1
Revises: d2f4a6b8c0e1
Create Date: 2026-12-03 09:00:00

One new table; nothing else changes. `data` is the chunk as its device made it (nonce ‖
AES-256-GCM ciphertext ‖ tag); `size` its length, summed for the workspace's quota; `count` the
attachment's number of chunks and `total` its size, so every chunk of one attachment agrees on
them and an oversize file is refused at its first chunk. Index -1 is the
thumbnail. Downgrading drops the table and every attachment with it.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'd4b6f8a0c2e1'
down_revision = 'd2f4a6b8c0e1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'attachment_chunks',
        sa.Column('workspace_id', sa.String(length=36), nullable=False),
        sa.Column('record_id', sa.String(length=36), nullable=False),
        sa.Column('attachment_id', sa.String(length=22), nullable=False),
        sa.Column('idx', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.Column('total', sa.BigInteger(), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id']),
        sa.PrimaryKeyConstraint('workspace_id', 'record_id', 'attachment_id', 'idx'),
    )


def downgrade():
    op.drop_table('attachment_chunks')
