"""The database tables: conversations and their turns, feedback, hand-off tickets, staff messages, agent
replies, the admin audit log, the store's orders with their items and shipments, and what order conversations
have proved. One place, so every store module agrees on them."""

from __future__ import annotations

from datetime import datetime, timezone

import sqlalchemy as sa

from chatbot.common.errors import InputError

metadata = sa.MetaData()


def _table(name: str, *columns: sa.Column) -> sa.Table:
    # every table: an insertion counter (turn order, newest first) and a naive-UTC creation time
    return sa.Table(name, metadata, sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True), *columns,
                    sa.Column("created_at", sa.DateTime, nullable=False, index=True))


def _id() -> sa.Column:
    return sa.Column("id", sa.String(32), unique=True, nullable=False)


conversations = _table("conversations", _id(), sa.Column("channel", sa.String(32)))
messages = _table(
    "messages", _id(), sa.Column("conversation_id", sa.ForeignKey("conversations.id"), index=True, nullable=False),
    sa.Column("question", sa.Text), sa.Column("answer", sa.Text), sa.Column("abstained", sa.Boolean),
    sa.Column("handoff", sa.Boolean), sa.Column("reason", sa.String(64)), sa.Column("confidence", sa.Float),
    # citations: [{doc_id, title, url, excerpt}]; products: the answer's product cards, so a conversation that is
    # shown again (a reload, another tab) looks as it did
    sa.Column("citations", sa.JSON), sa.Column("product_id", sa.String(128)), sa.Column("products", sa.JSON))
feedback = _table("feedback", sa.Column("message_id", sa.ForeignKey("messages.id"), index=True, nullable=False),
                   sa.Column("rating", sa.Integer), sa.Column("comment", sa.Text))
tickets = _table(
    "tickets", _id(), sa.Column("conversation_id", sa.ForeignKey("conversations.id"), nullable=False),
    sa.Column("reason", sa.Text), sa.Column("status", sa.String(16)),
    # the conversation id while open, NULL once closed: a plain unique column (unlike a partial index, it works
    # on every database) keeps "one open ticket per conversation" true even between processes
    sa.Column("open_for", sa.String(32), unique=True))
audit_log = _table("audit_log", sa.Column("actor", sa.String(64), nullable=False),
                sa.Column("action", sa.String(64), nullable=False), sa.Column("detail", sa.Text))
agent_replies = _table("agent_replies", _id(), sa.Column("ticket_id", sa.String(32)),
                  sa.Column("customer_message", sa.Text), sa.Column("draft_text", sa.Text),
                  sa.Column("final_text", sa.Text), sa.Column("sent", sa.Boolean))
# what staff say to the shopper in a handed-off conversation: "joined", "reply" or "closed" ("left": the shopper
# cleared the chat, a note for staff only); ``dedupe`` makes a second click on Send store nothing (it is unique,
# and a repeated send carries the same key)
staff_messages = _table(
    "staff_messages", _id(), sa.Column("conversation_id", sa.ForeignKey("conversations.id"), index=True,
                                       nullable=False),
    sa.Column("ticket_id", sa.ForeignKey("tickets.id"), index=True, nullable=False),
    sa.Column("author", sa.String(64), nullable=False), sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("text", sa.Text, nullable=False), sa.Column("dedupe", sa.String(64), unique=True))

# the store's orders (chatbot/data/orders.py), from the platforms' exports and webhooks. ``created_at`` is when the
# row was first stored; the order's own times are ``placed_at`` and the rest, naive UTC. Money is in cents. Only
# what finding and explaining an order needs is kept: the email and shipping postcode that match a shopper to
# it, never names, street addresses, phone numbers or payment details. ``number`` is the order number as written
# without "#" ("1043"), ``number_key`` its letters and digits upper-cased, which lookups compare
orders = _table(
    "orders", _id(), sa.Column("platform", sa.String(16), nullable=False),
    sa.Column("platform_id", sa.String(64)), sa.Column("name", sa.String(64), nullable=False),
    sa.Column("number", sa.String(64), nullable=False), sa.Column("number_key", sa.String(64), nullable=False,
                                                                  index=True),
    sa.Column("email", sa.String(254), index=True), sa.Column("financial_status", sa.String(32)),
    sa.Column("fulfillment_status", sa.String(32)), sa.Column("platform_status", sa.String(32)),
    sa.Column("currency", sa.String(8)), sa.Column("subtotal_cents", sa.Integer),
    sa.Column("shipping_cents", sa.Integer), sa.Column("tax_cents", sa.Integer),
    sa.Column("discount_cents", sa.Integer), sa.Column("total_cents", sa.Integer),
    sa.Column("refunded_cents", sa.Integer), sa.Column("shipping_method", sa.String(255)),
    sa.Column("shipping_zip", sa.String(32)), sa.Column("shipping_country", sa.String(8)),
    sa.Column("placed_at", sa.DateTime, index=True), sa.Column("paid_at", sa.DateTime),
    sa.Column("fulfilled_at", sa.DateTime), sa.Column("cancelled_at", sa.DateTime),
    sa.Column("cancel_reason", sa.String(64)),
    # the platform's last change; an update older than this is not applied (webhooks arrive out of order)
    sa.Column("updated_at", sa.DateTime), sa.Column("source", sa.String(64)),
    sa.Column("fingerprint", sa.String(32)),  # of the record as last stored: an import that brings nothing new
    sa.UniqueConstraint("platform", "number_key"), sa.UniqueConstraint("platform", "platform_id"))
order_items = _table(
    "order_items", sa.Column("order_id", sa.ForeignKey("orders.id", ondelete="CASCADE"), index=True,
                             nullable=False),
    sa.Column("position", sa.Integer, nullable=False), sa.Column("platform_id", sa.String(64)),
    sa.Column("name", sa.String(255), nullable=False), sa.Column("sku", sa.String(128), index=True),
    sa.Column("quantity", sa.Integer, nullable=False), sa.Column("price_cents", sa.Integer),
    sa.Column("product_id", sa.String(64)), sa.Column("variant_id", sa.String(64)),
    sa.Column("fulfillment_status", sa.String(32)), sa.Column("requires_shipping", sa.Boolean))
# a shipment with its tracking. It names its order by the platform's order id (a fulfillment webhook carries no
# more), so one that arrives before its order waits with ``order_id`` NULL and is joined when the order comes
fulfillments = _table(
    "fulfillments", _id(), sa.Column("platform", sa.String(16), nullable=False),
    sa.Column("platform_id", sa.String(64), nullable=False), sa.Column("order_platform_id", sa.String(64)),
    sa.Column("order_id", sa.ForeignKey("orders.id", ondelete="CASCADE"), index=True),
    sa.Column("status", sa.String(32)), sa.Column("shipment_status", sa.String(32)),
    sa.Column("tracking_company", sa.String(128)), sa.Column("tracking_number", sa.String(128)),
    sa.Column("tracking_url", sa.String(1024)), sa.Column("shipped_at", sa.DateTime),
    sa.Column("updated_at", sa.DateTime), sa.Column("items", sa.JSON),
    sa.UniqueConstraint("platform", "platform_id"), sa.Index("ix_fulfillments_order", "platform", "order_platform_id"))


# what a conversation has proved of the store's orders (chatbot/data/order_proofs.py): a shopper proves an order is
# theirs with its number and the email or postcode on it, and only that conversation may then read it. Keyed by the
# conversation id (and the client's address for tries), so proofs and failed tries hold across requests and
# replicas. Nothing here repeats the order: ``order_id`` is the orders table's key
order_proofs = _table(
    "order_proofs", sa.Column("conversation_id", sa.String(64), nullable=False, index=True),
    sa.Column("order_id", sa.String(32), nullable=False), sa.UniqueConstraint("conversation_id", "order_id"))
# each check of a number with an email or postcode: ``ok`` False counts towards the lock-out (per conversation, and
# per client address within a time window)
order_attempts = _table(
    "order_attempts", sa.Column("conversation_id", sa.String(64), index=True),
    sa.Column("client", sa.String(64), index=True), sa.Column("ok", sa.Boolean, nullable=False))
# where an order conversation stands: the order being talked about and what the bot asked last (the details it
# needs, or a yes/no before a request for staff), so the next message is read as its answer
order_chats = _table(
    "order_chats", sa.Column("conversation_id", sa.String(64), nullable=False, unique=True),
    sa.Column("focus", sa.String(32)), sa.Column("pending", sa.JSON), sa.Column("updated_at", sa.DateTime))

def add_missing_columns(engine: sa.Engine) -> None:
    """Add the columns a table gained after a database was created (``create_all`` only adds whole tables).

    Each such column may be NULL, so older rows simply lack what it holds."""
    inspector = sa.inspect(engine)
    for table in metadata.sorted_tables:
        if not inspector.has_table(table.name):
            continue
        present = {column["name"] for column in inspector.get_columns(table.name)}
        for column in table.columns:
            if column.name not in present:
                kind = column.type.compile(engine.dialect)
                with engine.begin() as db:
                    db.execute(sa.text(f"ALTER TABLE {table.name} ADD COLUMN {column.name} {kind}"))


def utc_now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)  # stored naive UTC: the one form every database keeps


def iso(value: datetime) -> str:
    return value.replace(tzinfo=timezone.utc).isoformat()


def require_row(db: sa.Connection, table: sa.Table, key: str, what: str) -> None:
    if db.execute(sa.select(table.c.id).where(table.c.id == key)).first() is None:
        raise InputError(f"unknown {what} id {key!r}; use an id this store returned")
