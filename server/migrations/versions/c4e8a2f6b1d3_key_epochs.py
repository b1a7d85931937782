"""key epochs: changes keep their signed epoch `e`, wraps their `epoch` and a longer `ct`

Revision ID: c4e8a2f6b1d3
Revises: 9b5a1c3e4d6f
Create Date: 2026-12-03 08:30:00

A record's key rotates when a device that could read it is revoked (docs/protocol.md, "Key
epochs"). `changes.e` is the key epoch a change signed (NULL on changes stored before epochs:
their header has no `e`, and they are at epoch 0). `wraps.epoch` is the epoch of a
`zapis/wrap/2` (NULL for a `zapis/wrap/1`, epoch 0), whose `ct` holds every key of the list, so
`ct` becomes text. Stored rows keep their meaning unchanged: nothing is rewritten.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c4e8a2f6b1d3'
down_revision = '9b5a1c3e4d6f'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('changes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('e', sa.Integer(), nullable=True))
    with op.batch_alter_table('wraps', schema=None) as batch_op:
        batch_op.add_column(sa.Column('epoch', sa.Integer(), nullable=True))
        batch_op.alter_column('ct', existing_type=sa.String(length=64), type_=sa.Text(),
                              existing_nullable=False)


def downgrade():
    # Back to one key per wrap: a wrap/2 cannot be kept as a wrap/1 (its ct holds a key list), so
    # it goes; the sender's next re-wrap or rotation gives the key again.
    op.execute("DELETE FROM wraps WHERE epoch IS NOT NULL")
    with op.batch_alter_table('wraps', schema=None) as batch_op:
        batch_op.alter_column('ct', existing_type=sa.Text(), type_=sa.String(length=64),
                              existing_nullable=False)
        batch_op.drop_column('epoch')
    with op.batch_alter_table('changes', schema=None) as batch_op:
        batch_op.drop_column('e')
