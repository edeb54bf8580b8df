"""knowledge_files, knowledge_state, webhook_deliveries, messages.request_id: the store's knowledge shared by every
app replica (chatbot/data/knowledge_share.py), the webhook deliveries already applied (chatbot/data/deliveries.py),
and the client's key of a chat message, so a retry on another replica is not stored twice.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07

Three new tables and one new nullable column (with a unique index); no existing row changes. Written by `python -m chatbot db revision` and read through.
"""

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('knowledge_files',
    sa.Column('seq', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('name', sa.String(length=500), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=True),
    sa.Column('sha256', sa.String(length=64), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('seq'),
    sa.UniqueConstraint('name')
    )
    with op.batch_alter_table('knowledge_files', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_knowledge_files_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_knowledge_files_version'), ['version'], unique=False)

    op.create_table('knowledge_state',
    sa.Column('seq', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('seq')
    )
    with op.batch_alter_table('knowledge_state', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_knowledge_state_created_at'), ['created_at'], unique=False)

    op.create_table('webhook_deliveries',
    sa.Column('seq', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('log', sa.String(length=32), nullable=False),
    sa.Column('delivery_id', sa.String(length=255), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('seq'),
    sa.UniqueConstraint('log', 'delivery_id')
    )
    with op.batch_alter_table('webhook_deliveries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_webhook_deliveries_created_at'), ['created_at'], unique=False)

    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('request_id', sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f('ix_messages_request_id'), ['request_id'], unique=True)


def downgrade() -> None:
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_messages_request_id'))
        batch_op.drop_column('request_id')

    with op.batch_alter_table('webhook_deliveries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_webhook_deliveries_created_at'))

    op.drop_table('webhook_deliveries')
    with op.batch_alter_table('knowledge_state', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_knowledge_state_created_at'))

    op.drop_table('knowledge_state')
    with op.batch_alter_table('knowledge_files', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_knowledge_files_version'))
        batch_op.drop_index(batch_op.f('ix_knowledge_files_created_at'))

    op.drop_table('knowledge_files')
