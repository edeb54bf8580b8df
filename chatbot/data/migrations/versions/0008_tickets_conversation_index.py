"""ix_tickets_conversation_id: a conversation's tickets found by its id, not by reading every ticket.

Each chat turn asks whether its conversation is known and has a ticket (``tickets.latest_ticket``); without the
index that read scans the tickets table, which grows with every hand-off the store ever had.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07

One new index; no row changes.
"""

from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tickets_conversation_id'), ['conversation_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tickets_conversation_id'))
