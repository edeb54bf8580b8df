"""Purchase history: the catalog products a verified shopper has bought, for recommendations.

``owned_products(orders, catalog)`` turns orders into catalog product ids, the latest order's first, each once: an
item's SKU when it is a catalog id (as the demo's and most stores' are), else the product whose name is the item's
name. Cancelled orders, orders refunded in full, items whose every unit was refunded (returned: the shopper no
longer has them; one of two refunded still leaves one) and items the catalog no longer has are left out. ``verified_purchases(desk, asker,
catalog)`` reads only the orders the order desk's gate lets this asker read (a signed-in customer's own, or those
proved in this conversation); an anonymous asker, or a store without orders, gets nothing and no order is read.
Only product ids leave this module: no order number, date, amount or address.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Iterable

from chatbot.data.order_records import Order


def owned_products(orders: Iterable[Order], catalog: Iterable[Any]) -> tuple[str, ...]:
    """The catalog ids (``catalog``: products with ``id`` and ``name``) of the items in ``orders``, latest order
    first and each item in its order's order, each product once."""
    products = list(catalog)
    ids = {p.id for p in products}
    by_name = {p.name.strip().lower(): p.id for p in products}
    latest = sorted((o for o in orders if not o.cancelled and o.financial_status != "refunded"),
                    key=lambda o: o.placed_at or datetime.min, reverse=True)
    found: dict[str, None] = {}
    for order in latest:
        for item in order.items:
            if item.refunded:
                continue
            pid = item.sku if item.sku in ids else by_name.get((item.name or "").strip().lower())
            if pid is not None:
                found.setdefault(pid, None)
    return tuple(found)


def verified_purchases(desk: Any, asker: Any, catalog: Iterable[Any]) -> tuple[str, ...]:
    """What ``asker`` has bought, when the desk (an ``OrderDesk``, or None) proves them the buyer; else ()."""
    if desk is None or asker is None or not (getattr(asker, "email", None) or getattr(asker, "conversation", None)):
        return ()
    if not desk.active():
        return ()
    return owned_products(desk.gate.proved(asker), catalog)
