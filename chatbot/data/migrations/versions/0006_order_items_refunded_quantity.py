"""order_items.refunded_quantity: how many of a line item were refunded, so a returned item no longer counts as
the shopper's (purchase history) nor as returnable.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07

One new column, 0 for every existing row (nothing was known to be refunded per item before).
"""

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('order_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('refunded_quantity', sa.Integer(), server_default='0', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('order_items', schema=None) as batch_op:
        batch_op.drop_column('refunded_quantity')
