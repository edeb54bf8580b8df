"""The tables as the app made them before migrations, frozen here as tests/test_migrations.py's starting points.

Copied from chatbot/data/schema.py and chatbot/data/accounts.py at the last commit before migrations (2d674db):
``metadata.create_all`` of these, with no ``alembic_version``, is what every existing store's database is.
``products=False`` gives the messages table as it was before commit 31cc34b added ``products``. Never change
these to follow the schema: they are what the migrations must accept.
"""

from __future__ import annotations

import sqlalchemy as sa


def legacy_metadata(products: bool = True, accounts: bool = True) -> sa.MetaData:
    metadata = sa.MetaData()

    def _table(name: str, *columns: sa.Column) -> sa.Table:
        return sa.Table(name, metadata, sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True), *columns,
                        sa.Column("created_at", sa.DateTime, nullable=False, index=True))

    def _id() -> sa.Column:
        return sa.Column("id", sa.String(32), unique=True, nullable=False)

    _table("conversations", _id(), sa.Column("channel", sa.String(32)))
    _table("messages", _id(),
           sa.Column("conversation_id", sa.ForeignKey("conversations.id"), index=True, nullable=False),
           sa.Column("question", sa.Text), sa.Column("answer", sa.Text), sa.Column("abstained", sa.Boolean),
           sa.Column("handoff", sa.Boolean), sa.Column("reason", sa.String(64)), sa.Column("confidence", sa.Float),
           sa.Column("citations", sa.JSON), sa.Column("product_id", sa.String(128)),
           *([sa.Column("products", sa.JSON)] if products else []))
    _table("feedback", sa.Column("message_id", sa.ForeignKey("messages.id"), index=True, nullable=False),
           sa.Column("rating", sa.Integer), sa.Column("comment", sa.Text))
    _table("tickets", _id(), sa.Column("conversation_id", sa.ForeignKey("conversations.id"), nullable=False),
           sa.Column("reason", sa.Text), sa.Column("status", sa.String(16)),
           sa.Column("open_for", sa.String(32), unique=True))
    _table("audit_log", sa.Column("actor", sa.String(64), nullable=False),
           sa.Column("action", sa.String(64), nullable=False), sa.Column("detail", sa.Text))
    _table("agent_replies", _id(), sa.Column("ticket_id", sa.String(32)),
           sa.Column("customer_message", sa.Text), sa.Column("draft_text", sa.Text),
           sa.Column("final_text", sa.Text), sa.Column("sent", sa.Boolean))
    _table("staff_messages", _id(),
           sa.Column("conversation_id", sa.ForeignKey("conversations.id"), index=True, nullable=False),
           sa.Column("ticket_id", sa.ForeignKey("tickets.id"), index=True, nullable=False),
           sa.Column("author", sa.String(64), nullable=False), sa.Column("kind", sa.String(16), nullable=False),
           sa.Column("text", sa.Text, nullable=False), sa.Column("dedupe", sa.String(64), unique=True))
    if accounts:  # accounts.py's own MetaData, created by AccountStore on the same database
        sa.Table("users", metadata, sa.Column("name", sa.String(64), primary_key=True),
                 sa.Column("role", sa.String(16), nullable=False),
                 sa.Column("password_hash", sa.String(255), nullable=False),
                 sa.Column("failures", sa.Integer, default=0), sa.Column("locked_until", sa.DateTime),
                 sa.Column("created_at", sa.DateTime, nullable=False))
        sa.Table("sessions", metadata, sa.Column("token_hash", sa.String(64), primary_key=True),
                 sa.Column("user_name", sa.ForeignKey("users.name", ondelete="CASCADE"), nullable=False, index=True),
                 sa.Column("expires_at", sa.DateTime, nullable=False),
                 sa.Column("created_at", sa.DateTime, nullable=False))
    return metadata
