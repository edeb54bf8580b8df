"""Baseline: the tables as they stood when migrations began (messages without products).

Revision ID: 0001
Revises:
Create Date: 2026-12-07

A database made before migrations (by ``metadata.create_all``: tables, no ``alembic_version``) already has some
or all of these tables, with its rows: each table is created only when it is missing, so such a database is
adopted as it is, and the revisions after this one bring it the rest. Constraints are unnamed, as ``create_all``
made them (PostgreSQL names them ``<table>_<column>_key`` / ``_fkey`` / ``_pkey``). Written out here, not read
from ``schema.py``, so it stays what it was when the schema changes.
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    present = set(sa.inspect(op.get_bind()).get_table_names())

    def table(name: str, *columns: sa.Column, unique: tuple[str, ...] = (), indexed: tuple[str, ...] = (),
              foreign: tuple[tuple[str, str], ...] = ()) -> None:
        # every table but users and sessions: an insertion counter and a naive-UTC creation time (indexed)
        if name in present:
            return
        op.create_table(
            name, sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False), *columns,
            sa.Column("created_at", sa.DateTime(), nullable=False),
            sa.PrimaryKeyConstraint("seq"), *(sa.UniqueConstraint(column) for column in unique),
            *(sa.ForeignKeyConstraint([column], [target]) for column, target in foreign))
        for column in ("created_at", *indexed):
            op.create_index(f"ix_{name}_{column}", name, [column])

    def ident() -> sa.Column:
        return sa.Column("id", sa.String(32), nullable=False)

    table("conversations", ident(), sa.Column("channel", sa.String(32)), unique=("id",))
    table("messages", ident(), sa.Column("conversation_id", sa.String(32), nullable=False),
          sa.Column("question", sa.Text()), sa.Column("answer", sa.Text()), sa.Column("abstained", sa.Boolean()),
          sa.Column("handoff", sa.Boolean()), sa.Column("reason", sa.String(64)), sa.Column("confidence", sa.Float()),
          sa.Column("citations", sa.JSON()), sa.Column("product_id", sa.String(128)),
          unique=("id",), indexed=("conversation_id",), foreign=(("conversation_id", "conversations.id"),))
    table("feedback", sa.Column("message_id", sa.String(32), nullable=False), sa.Column("rating", sa.Integer()),
          sa.Column("comment", sa.Text()), indexed=("message_id",), foreign=(("message_id", "messages.id"),))
    table("tickets", ident(), sa.Column("conversation_id", sa.String(32), nullable=False),
          sa.Column("reason", sa.Text()), sa.Column("status", sa.String(16)), sa.Column("open_for", sa.String(32)),
          unique=("id", "open_for"), foreign=(("conversation_id", "conversations.id"),))
    table("audit_log", sa.Column("actor", sa.String(64), nullable=False),
          sa.Column("action", sa.String(64), nullable=False), sa.Column("detail", sa.Text()))
    table("agent_replies", ident(), sa.Column("ticket_id", sa.String(32)), sa.Column("customer_message", sa.Text()),
          sa.Column("draft_text", sa.Text()), sa.Column("final_text", sa.Text()), sa.Column("sent", sa.Boolean()),
          unique=("id",))
    table("staff_messages", ident(), sa.Column("conversation_id", sa.String(32), nullable=False),
          sa.Column("ticket_id", sa.String(32), nullable=False), sa.Column("author", sa.String(64), nullable=False),
          sa.Column("kind", sa.String(16), nullable=False), sa.Column("text", sa.Text(), nullable=False),
          sa.Column("dedupe", sa.String(64)), unique=("id", "dedupe"), indexed=("conversation_id", "ticket_id"),
          foreign=(("conversation_id", "conversations.id"), ("ticket_id", "tickets.id")))
    if "users" not in present:
        op.create_table(
            "users", sa.Column("name", sa.String(64), nullable=False), sa.Column("role", sa.String(16), nullable=False),
            sa.Column("password_hash", sa.String(255), nullable=False), sa.Column("failures", sa.Integer()),
            sa.Column("locked_until", sa.DateTime()), sa.Column("created_at", sa.DateTime(), nullable=False),
            sa.PrimaryKeyConstraint("name"))
    if "sessions" not in present:
        op.create_table(
            "sessions", sa.Column("token_hash", sa.String(64), nullable=False),
            sa.Column("user_name", sa.String(64), nullable=False),
            sa.Column("expires_at", sa.DateTime(), nullable=False),
            sa.Column("created_at", sa.DateTime(), nullable=False),
            sa.PrimaryKeyConstraint("token_hash"),
            sa.ForeignKeyConstraint(["user_name"], ["users.name"], ondelete="CASCADE"))
        op.create_index("ix_sessions_user_name", "sessions", ["user_name"])


def downgrade() -> None:
    for name in ("sessions", "users", "staff_messages", "agent_replies", "audit_log", "tickets", "feedback", "messages",
                 "conversations"):
        op.drop_table(name)
