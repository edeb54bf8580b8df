"""order_proofs, order_attempts, order_chats: what an order conversation has proved, its checks (for the
lock-out) and where it stands (chatbot/data/order_proofs.py).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07

Three new tables; nothing existing changes. Written by `python -m chatbot db revision` and read through.
"""

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('order_attempts',
    sa.Column('seq', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('conversation_id', sa.String(length=64), nullable=True),
    sa.Column('client', sa.String(length=64), nullable=True),
    sa.Column('ok', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('seq')
    )
    with op.batch_alter_table('order_attempts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_order_attempts_client'), ['client'], unique=False)
        batch_op.create_index(batch_op.f('ix_order_attempts_conversation_id'), ['conversation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_order_attempts_created_at'), ['created_at'], unique=False)

    op.create_table('order_chats',
    sa.Column('seq', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('conversation_id', sa.String(length=64), nullable=False),
    sa.Column('focus', sa.String(length=32), nullable=True),
    sa.Column('pending', sa.JSON(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('seq'),
    sa.UniqueConstraint('conversation_id')
    )
    with op.batch_alter_table('order_chats', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_order_chats_created_at'), ['created_at'], unique=False)

    op.create_table('order_proofs',
    sa.Column('seq', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('conversation_id', sa.String(length=64), nullable=False),
    sa.Column('order_id', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('seq'),
    sa.UniqueConstraint('conversation_id', 'order_id')
    )
    with op.batch_alter_table('order_proofs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_order_proofs_conversation_id'), ['conversation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_order_proofs_created_at'), ['created_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('order_proofs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_order_proofs_created_at'))
        batch_op.drop_index(batch_op.f('ix_order_proofs_conversation_id'))

    op.drop_table('order_proofs')
    with op.batch_alter_table('order_chats', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_order_chats_created_at'))

    op.drop_table('order_chats')
    with op.batch_alter_table('order_attempts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_order_attempts_created_at'))
        batch_op.drop_index(batch_op.f('ix_order_attempts_conversation_id'))
        batch_op.drop_index(batch_op.f('ix_order_attempts_client'))

    op.drop_table('order_attempts')
