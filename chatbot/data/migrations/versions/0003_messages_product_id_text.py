"""messages.product_id as TEXT: a product page's id as the page or an API caller names it, at any length.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07

It was VARCHAR(128), which SQLite never enforced and PostgreSQL does: there, a turn on a product whose id (a
Shopify handle may have 255 characters) was longer could not be stored at all. SQLite rebuilds the table (batch
mode), keeping every row.
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.alter_column("product_id", existing_type=sa.String(128), type_=sa.Text(), existing_nullable=True)


def downgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.alter_column("product_id", existing_type=sa.Text(), type_=sa.String(128), existing_nullable=True)
