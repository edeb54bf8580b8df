"""The store's orders in the database: stored from exports and webhooks, found by what a shopper knows.

``OrderStore.put`` stores an ``Order`` (``chatbot.data.order_records``) with its line items and shipments, keyed by
the platform and the order's number, or the platform's order id when it has one, so the same order from an
export and later from a webhook is one row. It returns what happened:

- ``"created"``, ``"updated"``;
- ``"unchanged"`` when everything stored is the same (importing a file twice changes nothing);
- ``"outdated"`` when the stored order was changed later (by ``updated_at``) than the one given: webhooks arrive
  out of order, and an old export must not undo what a newer webhook said;
- ``"conflict"`` when another order (another platform id) already has this number; nothing is stored.

``put_fulfillment`` stores one shipment by the platform's order id, also before its order arrives (it is joined
when the order comes). Lookups: ``find`` (an order number with the email or the shipping postcode),
``for_email`` (a customer's orders, newest first), ``get`` (by the platform's id), ``by_id`` (by the
database's key). This module knows nothing of
files or HTTP; ``chatbot.ingest.platforms.order_exports`` and ``chatbot.ingest.live_orders`` feed it.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from types import SimpleNamespace
from typing import Any, Callable, Iterable

import sqlalchemy as sa

from chatbot.data.order_records import (
    Fulfillment,
    LineItem,
    Order,
    normal_email,
    number_digits,
    order_number_key,
    zips_match,
)
from chatbot.data.migrations import open_current
from chatbot.data.schema import fulfillments as _fulfillments
from chatbot.data.schema import order_items as _items
from chatbot.data.schema import orders as _orders
from chatbot.data.schema import utc_now

_ORDER_FIELDS = ("platform", "platform_id", "name", "email", "financial_status", "fulfillment_status",
                 "platform_status", "currency", "subtotal_cents", "shipping_cents", "tax_cents", "discount_cents",
                 "total_cents", "refunded_cents", "shipping_method", "shipping_zip", "shipping_country", "placed_at",
                 "paid_at", "fulfilled_at", "cancelled_at", "cancel_reason", "updated_at", "source")
_ITEM_FIELDS = ("name", "quantity", "price_cents", "sku", "platform_id", "product_id", "variant_id",
                "fulfillment_status", "requires_shipping", "refunded_quantity")
_FULFILLMENT_FIELDS = ("status", "shipment_status", "tracking_company", "tracking_number", "tracking_url",
                       "shipped_at", "updated_at", "items")


class OrderStore:
    """Thread-safe; ``clock`` (naive UTC) is for tests that need fixed times."""

    def __init__(self, url: str, clock: Callable[[], datetime] | None = None):
        self._now = clock or utc_now
        self._engine, self._lock = open_current(url)

    def close(self) -> None:
        self._engine.dispose()

    # ---- writing
    def put(self, order: Order) -> str:
        """Store ``order`` (see the module docstring for what is returned)."""
        return self.put_many([order])[0]

    def put_many(self, orders: Iterable[Order]) -> list[str]:
        """Store several orders in one transaction (an import: all of it or, on a database error, none). The stored
        orders are looked up once and new rows are inserted together, so a big export is a few statements."""
        orders = list(orders)
        outcomes: list[str] = []
        with self._lock, self._engine.begin() as db:
            known = _Known(db, orders)
            new_orders: dict[str, dict] = {}  # by id, written together
            new_items: list[dict] = []

            def flush() -> None:
                if new_orders:
                    db.execute(_orders.insert(), list(new_orders.values()))
                if new_items:
                    db.execute(_items.insert(), new_items)
                new_orders.clear()
                new_items.clear()

            for order in orders:
                row = known.row(order)
                if row not in (None, "conflict") and row.id in new_orders:
                    flush()  # the same order twice in one file (created, then updated): the first is written first
                outcome, values, items = self._put(db, order, known)
                outcomes.append(outcome)
                if outcome == "created":
                    new_orders[values["id"]] = values
                new_items += items
            flush()
            for order, outcome in zip(orders, outcomes):
                if outcome in ("created", "updated"):
                    for fulfillment in order.fulfillments:
                        self._put_fulfillment(db, order.platform, known.platform_id(order), fulfillment)
            # shipments that came before their order (a fulfillment webhook names only the order's platform id)
            db.execute(_fulfillments.update().where(_fulfillments.c.order_id.is_(None),
                                                    _fulfillments.c.order_platform_id.is_not(None))
                       .values(order_id=sa.select(_orders.c.id).where(
                           _orders.c.platform == _fulfillments.c.platform,
                           _orders.c.platform_id == _fulfillments.c.order_platform_id).scalar_subquery()))
        return outcomes

    def _put(self, db: sa.Connection, order: Order, known: "_Known") -> tuple[str, dict, list[dict]]:
        """What to do with one order: ``(outcome, the order's row when new, its item rows when written)``. An
        existing order that changed is updated here; new ones are inserted together by ``put_many``."""
        row = known.row(order)
        if row == "conflict":
            return "conflict", {}, []
        fingerprint = order.fingerprint()
        values = {f: getattr(order, f) for f in _ORDER_FIELDS}
        values.update(number=order.number, number_key=order.number_key, fingerprint=fingerprint)
        if row is not None and order.platform_id is None:
            values["platform_id"] = row.platform_id  # an export without the Id column keeps the one a webhook gave
        if row is None:
            order_id = uuid.uuid4().hex
            values.update(id=order_id, created_at=self._now())
            outcome = "created"
        else:
            order_id = row.id
            if row.fingerprint == fingerprint and row.platform_id == values["platform_id"]:
                return "unchanged", {}, []
            if _older(order.updated_at, row.updated_at):
                return "outdated", {}, []
            db.execute(_orders.update().where(_orders.c.id == order_id).values(**values))
            db.execute(_items.delete().where(_items.c.order_id == order_id))
            outcome = "updated"
        known.add(order, order_id, values)
        order.id = order_id
        items = [{"order_id": order_id, "position": i, "created_at": self._now(),
                  **{f: getattr(item, f) for f in _ITEM_FIELDS}} for i, item in enumerate(order.items)]
        return outcome, values, items

    def put_fulfillment(self, platform: str, order_platform_id: str | None, fulfillment: Fulfillment) -> str:
        """Store one shipment of the order the platform knows as ``order_platform_id``: "created", "updated",
        "unchanged" or "outdated" (an update older than the stored one)."""
        return self.put_fulfillments(platform, [(order_platform_id, fulfillment)])[0]

    def put_fulfillments(self, platform: str, shipments: Iterable[tuple[str | None, Fulfillment]]) -> list[str]:
        """Several ``(order_platform_id, fulfillment)`` in one transaction (an import)."""
        with self._lock, self._engine.begin() as db:
            return [self._put_fulfillment(db, platform, order_id, fulfillment) for order_id, fulfillment in shipments]

    def _put_fulfillment(self, db: sa.Connection, platform: str, order_platform_id: str | None,
                         fulfillment: Fulfillment) -> str:
        order = None
        if order_platform_id is not None:
            order = db.execute(sa.select(_orders.c.id).where(_orders.c.platform == platform,
                                                             _orders.c.platform_id == order_platform_id)).first()
        values = {f: getattr(fulfillment, f) for f in _FULFILLMENT_FIELDS}
        values.update(order_platform_id=order_platform_id, order_id=order.id if order else None)
        row = db.execute(sa.select(_fulfillments).where(_fulfillments.c.platform == platform,
                                                        _fulfillments.c.platform_id == fulfillment.platform_id)).first()
        if row is None:
            db.execute(_fulfillments.insert().values(id=uuid.uuid4().hex, platform=platform,
                                                     platform_id=fulfillment.platform_id, created_at=self._now(),
                                                     **values))
            return "created"
        if all(getattr(row, k) == v for k, v in values.items()):
            return "unchanged"
        if _older(fulfillment.updated_at, row.updated_at):
            return "outdated"
        db.execute(_fulfillments.update().where(_fulfillments.c.id == row.id).values(**values))
        return "updated"

    def remove(self, platform: str, platform_id: str) -> str:
        """Delete an order the platform deleted, with its items and shipments: "removed" or "ignored"."""
        with self._lock, self._engine.begin() as db:
            row = db.execute(sa.select(_orders.c.id).where(_orders.c.platform == platform,
                                                           _orders.c.platform_id == platform_id)).first()
            db.execute(_fulfillments.delete().where(_fulfillments.c.platform == platform,
                                                    _fulfillments.c.order_platform_id == platform_id))
            if row is None:
                return "ignored"
            db.execute(_items.delete().where(_items.c.order_id == row.id))
            db.execute(_orders.delete().where(_orders.c.id == row.id))
            return "removed"

    # ---- reading
    def count(self) -> int:
        with self._engine.connect() as db:
            return db.execute(sa.select(sa.func.count()).select_from(_orders)).scalar_one()

    def get(self, platform: str, platform_id: str) -> Order | None:
        with self._engine.connect() as db:
            rows = db.execute(sa.select(_orders).where(_orders.c.platform == platform,
                                                       _orders.c.platform_id == str(platform_id))).all()
            return self._orders(db, rows)[0] if rows else None

    def by_id(self, order_id: str) -> Order | None:
        """By the database's own key (``Order.id``), as a conversation's proofs name orders."""
        with self._engine.connect() as db:
            rows = db.execute(sa.select(_orders).where(_orders.c.id == order_id)).all()
            return self._orders(db, rows)[0] if rows else None

    def find(self, number: str, email: str | None = None, zip_code: str | None = None) -> Order | None:
        """The order with this number whose email (or else shipping postcode) is the one given; None when there
        is none, or when neither is given. The number may be written any way a shopper writes it ("#1043",
        "order 1043", "hp-1043"); a number without the store's prefix matches when only one order fits."""
        key = order_number_key(number)
        try:
            wanted_email = normal_email(email)
        except ValueError:
            return None
        if not key or (wanted_email is None and not (zip_code or "").strip()):
            return None
        with self._engine.connect() as db:
            query = sa.select(_orders)
            query = query.where(_orders.c.email == wanted_email) if wanted_email else query
            rows = db.execute(query.where(_orders.c.number_key == key)).all()
            if not rows and number_digits(number):
                digits = number_digits(number)
                candidates = db.execute(query.where(_orders.c.number_key.like(f"%{digits}"))).all()
                rows = [r for r in candidates if number_digits(r.number_key) == digits]
            if wanted_email is None:
                rows = [r for r in rows if zips_match(r.shipping_zip, zip_code)]
            if len(rows) != 1:
                return None
            return self._orders(db, rows)[0]

    def for_email(self, email: str, limit: int = 50) -> list[Order]:
        """A customer's orders, newest first."""
        try:
            wanted = normal_email(email)
        except ValueError:
            return []
        if wanted is None:
            return []
        with self._engine.connect() as db:
            rows = db.execute(sa.select(_orders).where(_orders.c.email == wanted)
                              .order_by(_orders.c.placed_at.desc(), _orders.c.seq.desc()).limit(limit)).all()
            return self._orders(db, rows)

    def _orders(self, db: sa.Connection, rows) -> list[Order]:
        ids = [r.id for r in rows]
        items: dict[str, list[LineItem]] = {i: [] for i in ids}
        for item in db.execute(sa.select(_items).where(_items.c.order_id.in_(ids))
                               .order_by(_items.c.order_id, _items.c.position)).all():
            items[item.order_id].append(LineItem(**{f: getattr(item, f) for f in _ITEM_FIELDS}))
        shipments: dict[str, list[Fulfillment]] = {i: [] for i in ids}
        for row in db.execute(sa.select(_fulfillments).where(_fulfillments.c.order_id.in_(ids))
                              .order_by(_fulfillments.c.shipped_at, _fulfillments.c.seq)).all():
            shipments[row.order_id].append(Fulfillment(platform_id=row.platform_id,
                                                       **{f: getattr(row, f) for f in _FULFILLMENT_FIELDS}))
        return [Order(**{f: getattr(r, f) for f in _ORDER_FIELDS}, items=items[r.id], fulfillments=shipments[r.id],
                      id=r.id) for r in rows]


def _older(given: datetime | None, stored: datetime | None) -> bool:
    """Whether an update is older than what is stored (either time unknown: it is not)."""
    return given is not None and stored is not None and given < stored


class _Known:
    """The stored orders that ``orders`` may be, read once for an import: found by the platform's id or the number.

    A few orders (a webhook's one) read only the rows with their ids or numbers, so a delivery costs the same in a
    store of 200 orders or 100,000; an import reads its platforms' rows in one query."""

    FEW = 200  # up to this many orders are looked up by their ids and numbers

    def __init__(self, db: sa.Connection, orders: list[Order]):
        self.by_id: dict[tuple[str, str], Any] = {}
        self.by_number: dict[tuple[str, str], Any] = {}
        columns = (_orders.c.id, _orders.c.platform, _orders.c.platform_id, _orders.c.number_key,
                   _orders.c.fingerprint, _orders.c.updated_at)
        where = _orders.c.platform.in_({o.platform for o in orders})
        if len(orders) <= self.FEW:
            ids = {o.platform_id for o in orders if o.platform_id is not None}
            where = where & sa.or_(_orders.c.platform_id.in_(ids), _orders.c.number_key.in_({o.number_key
                                                                                             for o in orders}))
        for row in db.execute(sa.select(*columns).where(where)).all():
            self._index(row)

    def _index(self, row) -> None:
        if row.platform_id is not None:
            self.by_id[(row.platform, row.platform_id)] = row
        self.by_number[(row.platform, row.number_key)] = row

    def row(self, order: Order):
        """The stored row of this order: by the platform's id, else by its number; "conflict" when its number
        belongs to another of the platform's orders."""
        if order.platform_id is not None and (order.platform, order.platform_id) in self.by_id:
            return self.by_id[(order.platform, order.platform_id)]
        row = self.by_number.get((order.platform, order.number_key))
        if row is not None and order.platform_id is not None and row.platform_id not in (None, order.platform_id):
            return "conflict"
        return row

    def add(self, order: Order, order_id: str, values: dict) -> None:
        """What was just written, so a later order of the same import sees it."""
        self._index(SimpleNamespace(id=order_id, platform=order.platform, platform_id=values["platform_id"],
                                    number_key=values["number_key"], fingerprint=values["fingerprint"],
                                    updated_at=values["updated_at"]))

    def platform_id(self, order: Order) -> str | None:
        row = self.by_number.get((order.platform, order.number_key))
        return row.platform_id if row is not None else order.platform_id
