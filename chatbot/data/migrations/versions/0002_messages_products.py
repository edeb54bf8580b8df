"""messages.products: each answer's product cards, so a conversation shown again looks as it did.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-07

Added before migrations existed (at start-up, by an ALTER TABLE of its own), so a database adopted by 0001 may
have the column already: it is added only where it is missing. Older rows keep NULL: no cards.
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if "products" not in {column["name"] for column in sa.inspect(op.get_bind()).get_columns("messages")}:
        op.add_column("messages", sa.Column("products", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("products")
