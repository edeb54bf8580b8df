"""The database tables: conversations and their turns, feedback, hand-off tickets, staff messages, agent
replies, the admin audit log, staff accounts with their sessions, the store's orders with their items and
shipments, what order conversations have proved, the knowledge shared by the app's replicas and the webhook
deliveries applied. One place, so every store module (and the migrations,
``chatbot.data.migrations``) agrees on them.

Changing a table here is half the change: the other half is a migration that makes an existing database
match (``python -m chatbot db revision "what changed"``; docs/ARCHITECTURE.md, "The database and its
migrations"). ``tests/test_migrations.py`` fails while the two differ."""

from __future__ import annotations

from datetime import datetime, timezone

import sqlalchemy as sa

from chatbot.common.errors import InputError

# constraints are left unnamed, as databases made before migrations have them: PostgreSQL names them itself
# (conversations_id_key, messages_conversation_id_fkey), SQLite keeps them nameless (a revision that drops one
# there gives op.batch_alter_table a naming_convention)
metadata = sa.MetaData()


def naive_utc(value: datetime) -> datetime:
    """``value`` as the naive UTC time the database keeps; an aware time is converted, a naive one is UTC already."""
    return value.astimezone(timezone.utc).replace(tzinfo=None) if value.tzinfo is not None else value


class UtcDateTime(sa.types.TypeDecorator):
    """A timestamp stored as naive UTC (``TIMESTAMP WITHOUT TIME ZONE``), the one form every database keeps.

    An aware value is converted to UTC on the way in: PostgreSQL would otherwise read it in the session's time
    zone and SQLite would drop its offset, each storing a different wrong time. Values come back naive."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return naive_utc(value) if isinstance(value, datetime) else value


def _table(name: str, *columns: sa.Column) -> sa.Table:
    # every table: an insertion counter (turn order, newest first) and a naive-UTC creation time
    return sa.Table(name, metadata, sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True), *columns,
                    sa.Column("created_at", UtcDateTime, nullable=False, index=True))


def _id() -> sa.Column:
    return sa.Column("id", sa.String(32), unique=True, nullable=False)


conversations = _table("conversations", _id(), sa.Column("channel", sa.String(32)))
messages = _table(
    "messages", _id(), sa.Column("conversation_id", sa.ForeignKey("conversations.id"), index=True, nullable=False),
    sa.Column("question", sa.Text), sa.Column("answer", sa.Text), sa.Column("abstained", sa.Boolean),
    sa.Column("handoff", sa.Boolean), sa.Column("reason", sa.String(64)), sa.Column("confidence", sa.Float),
    # citations: [{doc_id, title, url, excerpt}]; products: the answer's product cards, so a conversation that is
    # shown again (a reload, another tab) looks as it did
    # product_id: the product page the shopper was on, as the page (or an API caller) names it: any length
    sa.Column("citations", sa.JSON), sa.Column("product_id", sa.Text), sa.Column("products", sa.JSON),
    # the client's key for this message (``request_id`` of POST /api/chat): a retry with it, after a lost
    # connection or a replica that died mid-answer, is answered from this row instead of being stored twice
    sa.Column("request_id", sa.String(64), unique=True, index=True))
feedback = _table("feedback", sa.Column("message_id", sa.ForeignKey("messages.id"), index=True, nullable=False),
                   sa.Column("rating", sa.Integer), sa.Column("comment", sa.Text))
tickets = _table(
    "tickets", _id(), sa.Column("conversation_id", sa.ForeignKey("conversations.id"), nullable=False, index=True),
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
# staff accounts (chatbot.data.accounts): a scrypt hash, never the password; sessions by their token's SHA-256
users = sa.Table(
    "users", metadata, sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("password_hash", sa.String(255), nullable=False), sa.Column("failures", sa.Integer, default=0),
    sa.Column("locked_until", UtcDateTime), sa.Column("created_at", UtcDateTime, nullable=False))
sessions = sa.Table(
    "sessions", metadata, sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("user_name", sa.ForeignKey("users.name", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("expires_at", UtcDateTime, nullable=False), sa.Column("created_at", UtcDateTime, nullable=False))

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
    sa.Column("placed_at", UtcDateTime, index=True), sa.Column("paid_at", UtcDateTime),
    sa.Column("fulfilled_at", UtcDateTime), sa.Column("cancelled_at", UtcDateTime),
    sa.Column("cancel_reason", sa.String(64)),
    # the platform's last change; an update older than this is not applied (webhooks arrive out of order)
    sa.Column("updated_at", UtcDateTime), sa.Column("source", sa.String(64)),
    sa.Column("fingerprint", sa.String(32)),  # of the record as last stored: an import that brings nothing new
    sa.UniqueConstraint("platform", "number_key"), sa.UniqueConstraint("platform", "platform_id"))
order_items = _table(
    "order_items", sa.Column("order_id", sa.ForeignKey("orders.id", ondelete="CASCADE"), index=True,
                             nullable=False),
    sa.Column("position", sa.Integer, nullable=False), sa.Column("platform_id", sa.String(64)),
    sa.Column("name", sa.String(255), nullable=False), sa.Column("sku", sa.String(128), index=True),
    sa.Column("quantity", sa.Integer, nullable=False), sa.Column("price_cents", sa.Integer),
    sa.Column("product_id", sa.String(64)), sa.Column("variant_id", sa.String(64)),
    sa.Column("fulfillment_status", sa.String(32)), sa.Column("requires_shipping", sa.Boolean),
    # how many of the item were refunded (a returned item is no longer the shopper's); 0 when not known
    sa.Column("refunded_quantity", sa.Integer, nullable=False, server_default="0"))
# a shipment with its tracking. It names its order by the platform's order id (a fulfillment webhook carries no
# more), so one that arrives before its order waits with ``order_id`` NULL and is joined when the order comes
fulfillments = _table(
    "fulfillments", _id(), sa.Column("platform", sa.String(16), nullable=False),
    sa.Column("platform_id", sa.String(64), nullable=False), sa.Column("order_platform_id", sa.String(64)),
    sa.Column("order_id", sa.ForeignKey("orders.id", ondelete="CASCADE"), index=True),
    sa.Column("status", sa.String(32)), sa.Column("shipment_status", sa.String(32)),
    sa.Column("tracking_company", sa.String(128)), sa.Column("tracking_number", sa.String(128)),
    sa.Column("tracking_url", sa.String(1024)), sa.Column("shipped_at", UtcDateTime),
    sa.Column("updated_at", UtcDateTime), sa.Column("items", sa.JSON),
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
    sa.Column("focus", sa.String(32)), sa.Column("pending", sa.JSON), sa.Column("updated_at", UtcDateTime))
# the store's knowledge shared by every app replica (chatbot/data/knowledge_share.py): each file an admin uploaded
# or a webhook changed, by its name under the replica's folders ("uploads/uploaded/policies/returns.md"), with its
# bytes (NULL: removed) and the knowledge version that last changed it
knowledge_files = _table(
    "knowledge_files", sa.Column("name", sa.String(500), nullable=False, unique=True),
    sa.Column("content", sa.LargeBinary), sa.Column("sha256", sa.String(64)),
    sa.Column("version", sa.Integer, nullable=False, index=True), sa.Column("updated_at", UtcDateTime))
# one row: the knowledge version, raised by every upload, removal, re-index and catalog change on any replica
knowledge_state = _table("knowledge_state", sa.Column("version", sa.Integer, nullable=False))
# webhook deliveries already applied, per log ("catalog", "orders"), so a platform's retry is applied once whichever
# replica it reaches
webhook_deliveries = _table(
    "webhook_deliveries", sa.Column("log", sa.String(32), nullable=False),
    sa.Column("delivery_id", sa.String(255), nullable=False), sa.UniqueConstraint("log", "delivery_id"))



def utc_now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)  # stored naive UTC: the one form every database keeps


def iso(value: datetime) -> str:
    return value.replace(tzinfo=timezone.utc).isoformat()


def usable_key(key: object, column: sa.Column) -> bool:
    """Whether ``key`` could be a value of ``column``: a string that fits it and holds no NUL character.

    Ids come from requests; PostgreSQL refuses a NUL in any string it is sent, so such a key is reported as
    unknown (as SQLite answers it) instead of failing as a database error."""
    length = getattr(column.type, "length", None)
    return isinstance(key, str) and "\x00" not in key and (length is None or len(key) <= length)


def require_row(db: sa.Connection, table: sa.Table, key: str, what: str) -> None:
    if not usable_key(key, table.c.id) or \
            db.execute(sa.select(table.c.id).where(table.c.id == key)).first() is None:
        raise InputError(f"unknown {what} id {key!r}; use an id this store returned")
