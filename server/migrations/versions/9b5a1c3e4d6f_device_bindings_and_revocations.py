"""devices keep their key-binding statement and the signed revocation orders naming them

Revision ID: 9b5a1c3e4d6f
Revises: e5a7c3d9b1f2
Create Date: 2026-12-03 05:00:00

`binding` is the device's own signed statement naming its two keys, id, workspace and role
(canonical JSON), or NULL for devices enrolled before it existed: those post it once through
PUT /api/devices/<own id>/binding. `revocations` is a JSON list of the signed revocation orders
naming the device; devices revoked before orders existed keep the flag and an empty list (their
token stays refused; clients treat the unsigned flag as "never wrap to it" but anchor no trust
decision on it).
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '9b5a1c3e4d6f'
down_revision = '8a4f0b2d3c5e'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('devices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('binding', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('revocations', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('devices', schema=None) as batch_op:
        batch_op.drop_column('revocations')
        batch_op.drop_column('binding')
