"""An order as the agent working a ticket reads it: number, status in words, items, tracking, return windows.

Written by the same functions as the shopper's answers (``answers.status``, ``answers.short_state``,
``returns.eligibility`` through ``answers.returns_of``), at the same "now" and with the same rules, so the agent
and the shopper read the same facts. ``OrderDesk.ticket_orders`` decides which orders an agent may see (those the
ticket's conversation proved); this module only words them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable

from chatbot.data.order_records import LineItem, Order
from chatbot.orders.answers import Rules, Sources, money, plural, returns_of, short_state, status
from chatbot.orders.dates import local, say_date


@dataclass(frozen=True)
class Shipment:
    carrier: str | None
    number: str | None
    url: str | None
    state: str  # the carrier's status in words: "in transit", "delivered"


@dataclass(frozen=True)
class ItemFacts:
    name: str
    quantity: int
    sku: str | None
    price: str | None  # one, as the shopper paid: "$24.00"
    returns: str  # its return window in words: "returnable until Jan 2 (26 days left)", "final sale"


@dataclass
class OrderFacts:
    name: str  # "#1043"
    state: str  # a few words: "on its way", "delivered Dec 3"
    status: str  # the sentences the shopper reads for "where is it?", without citation markers
    placed: str | None
    total: str | None
    items: list[ItemFacts] = field(default_factory=list)
    shipments: list[Shipment] = field(default_factory=list)


_MARKER = re.compile(r" \[\d+\]")


def facts(order: Order, rules: Rules, final_sale: Callable[[LineItem], bool] | None = None) -> OrderFacts:
    """The order's facts for the agent, in the words of the shopper's answers."""
    today = rules.today
    windows = {id(r.item): r for r in returns_of(order, rules, final_sale)}
    items = []
    for item in order.items:
        r = windows.get(id(item))
        items.append(ItemFacts(item.name, item.quantity or 1, item.sku,
                               money(item.price_cents, order.currency) if item.price_cents is not None else None,
                               _window(r, rules) if r is not None else "unknown"))
    shipments = [Shipment(f.tracking_company, f.tracking_number, f.tracking_url,
                          (f.shipment_status or f.status or "shipped").replace("_", " "))
                 for f in order.fulfillments if f.status not in ("cancelled", "error", "failure")]
    placed = say_date(local(order.placed_at, rules.zone).date(), today) if order.placed_at else None
    return OrderFacts(order.name, short_state(order, rules), _MARKER.sub("", status(order, rules, Sources()).text),
                      placed, money(order.total_cents, order.currency) if order.total_cents is not None else None,
                      items, shipments)


def _window(r, rules: Rules) -> str:
    if r.eligible:
        left = "last day today" if r.days_left == 0 else f"{plural(r.days_left, 'day')} left"
        return f"returnable until {say_date(r.closes, rules.today)} ({left})"
    if r.why == "closed":
        return f"{rules.window_days}-day window closed on {say_date(r.closes, rules.today)}"
    return {"final_sale": "final sale: not returnable", "refunded": "already refunded",
            "cancelled": "cancelled with the order", "not_shipped": "not shipped yet: the window has not started",
            "not_delivered": f"on its way: the {rules.window_days} days start at delivery"}.get(r.why, r.why)
