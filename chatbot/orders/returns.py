"""Which items of an order can still be returned, and until when.

The return window (``return_window_days``, 30 by default) runs from the day the item was delivered, or the day it
shipped when the carrier never reported a delivery. An item cannot be returned when its order was cancelled or
refunded in full, when every one of it was refunded already, when the catalog marks it final sale (engraved, personalised, clearance), when it has not shipped
or arrived yet, or when its window has closed. Dates are the store's (``chatbot.orders.dates``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Callable
from zoneinfo import ZoneInfo

from chatbot.data.order_records import Fulfillment, LineItem, Order
from chatbot.orders.dates import local


@dataclass(frozen=True)
class ItemReturn:
    item: LineItem
    eligible: bool
    why: str  # "open", "final_sale", "refunded", "cancelled", "not_shipped", "not_delivered", "closed"
    closes: date | None = None  # the last day a return is accepted
    days_left: int | None = None  # whole days from today to ``closes`` (0: today is the last day)


def shipment_of(order: Order, item: LineItem) -> Fulfillment | None:
    """The shipment that carried ``item`` (by line item id or SKU), or the order's only one."""
    for fulfillment in order.fulfillments:
        for shipped in fulfillment.items or []:
            if (item.platform_id and str(shipped.get("line_item_id") or shipped.get("id")) == str(item.platform_id)) \
                    or (item.sku and shipped.get("sku") == item.sku) or shipped.get("name") == item.name:
                return fulfillment
    if len(order.fulfillments) == 1 and not order.fulfillments[0].items and order.fulfillment_status == "fulfilled":
        return order.fulfillments[0]
    return None


def delivered_on(fulfillment: Fulfillment, zone: ZoneInfo) -> date | None:
    """The day the carrier reported it delivered (its last update), or None."""
    if fulfillment.shipment_status == "delivered" and (fulfillment.updated_at or fulfillment.shipped_at):
        return local(fulfillment.updated_at or fulfillment.shipped_at, zone).date()
    return None


def window_start(order: Order, item: LineItem, zone: ZoneInfo) -> tuple[date | None, bool]:
    """``(the day the window starts, whether that is a delivery)``; ``(None, False)`` when the item has not
    shipped. Without a delivery the day it shipped counts (or the order's fulfilment time)."""
    shipment = shipment_of(order, item)
    if shipment is not None:
        delivered = delivered_on(shipment, zone)
        if delivered is not None:
            return delivered, True
        if shipment.shipment_status in (None, "", "confirmed", "in_transit", "out_for_delivery", "label_printed",
                                        "label_purchased", "ready_for_pickup", "attempted_delivery"):
            return None, True  # on its way: the window starts when it arrives
        if shipment.shipped_at:
            return local(shipment.shipped_at, zone).date(), False
    if order.fulfilled_at and item.fulfillment_status == "fulfilled" and not order.fulfillments:
        return local(order.fulfilled_at, zone).date(), False
    return None, False


def eligibility(order: Order, today: date, zone: ZoneInfo, window_days: int,
                final_sale: Callable[[LineItem], bool]) -> list[ItemReturn]:
    """Each item of the order with whether it can be returned today, and why."""
    out = []
    for item in order.items:
        if order.cancelled:
            out.append(ItemReturn(item, False, "cancelled"))
            continue
        if order.financial_status == "refunded" or item.refunded:
            out.append(ItemReturn(item, False, "refunded"))
            continue
        if final_sale(item):
            out.append(ItemReturn(item, False, "final_sale"))
            continue
        start, shipped = window_start(order, item, zone)
        if start is None:
            out.append(ItemReturn(item, False, "not_delivered" if shipped else "not_shipped"))
            continue
        closes = start + timedelta(days=window_days)
        left = (closes - today).days
        out.append(ItemReturn(item, left >= 0, "open" if left >= 0 else "closed", closes, left))
    return out
