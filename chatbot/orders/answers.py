"""An order's answers, written from its record: status, delivery dates, items and totals, refunds, returns.

No model writes these: each sentence is a template filled from the stored order (``chatbot.data.orders``) and the
store's rules (``Rules``: its zone, the shipping cut-off, delivery days per method, the return window), and each
ends with a citation marker: ``[n]`` for the order itself (doc id ``order:#1043``) or for the policy page a rule
comes from. Shoppers read amounts and dates, never field names or status codes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Callable, Container
from zoneinfo import ZoneInfo

from chatbot.common.types import Citation
from chatbot.data.order_records import LineItem, Order
from chatbot.orders.dates import (
    OPEN,
    business_days_between,
    expected_arrival,
    local,
    say_date,
    say_time,
    ship_day,
    transit_days,
    zone_word,
)
from chatbot.orders.returns import ItemReturn, eligibility

SHIPPING, RETURNS, CHANGES = "shipping", "returns", "changes"  # the policy pages a rule comes from


@dataclass(frozen=True)
class Rules:
    now: datetime  # aware
    zone: ZoneInfo
    cutoff_hour: int = 14
    delivery_days: str = "*=3-5"
    window_days: int = 30
    stuck_days: int = 3
    closed: Container[date] = OPEN  # the store's public holidays and own closed days (``closed_days.ClosedDays``)

    @property
    def today(self) -> date:
        return self.now.astimezone(self.zone).date()


@dataclass
class Sources:
    """The citations of one answer, numbered as they are first used."""

    policy: Callable[[str], Citation | None] = lambda page: None  # SHIPPING / RETURNS / CHANGES -> the page
    cited: list[Citation] = field(default_factory=list)

    def _mark(self, citation: Citation | None) -> str:
        if citation is None:
            return ""
        for n, known in enumerate(self.cited, 1):
            if known.doc_id == citation.doc_id:
                return f" [{n}]"
        self.cited.append(citation)
        return f" [{len(self.cited)}]"

    def order(self, order: Order) -> str:
        return self._mark(order_citation(order))

    def page(self, page: str) -> str:
        return self._mark(self.policy(page))


def order_citation(order: Order) -> Citation:
    doc_id = f"order:{order.name}"
    return Citation(doc_id=doc_id, chunk_id=doc_id, title=f"Order {order.name}", score=1.0, url=None,
                    excerpt=f"Your order {order.name}, placed "
                            f"{order.placed_at:%b %d, %Y}" if order.placed_at else f"Your order {order.name}")


def money(cents: int | None, currency: str | None = "USD") -> str:
    amount = (cents or 0) / 100
    text = f"${amount:,.2f}"
    return text if (currency or "USD").upper() in ("USD", "CAD", "") else f"{text} {currency.upper()}"


def count_items(items: list[LineItem]) -> int:
    return sum(max(1, i.quantity or 1) for i in items)


def plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def names(items: list[LineItem]) -> str:
    said = [f"{i.quantity} × {i.name}" if (i.quantity or 1) > 1 else f"the {i.name}" for i in items]
    return said[0] if len(said) == 1 else ", ".join(said[:-1]) + " and " + said[-1]


def cap(text: str) -> str:
    """The first letter upper-cased, the rest as it is (``str.capitalize`` lowers product names)."""
    return text[:1].upper() + text[1:]


def placed_on(day: date, today: date) -> str:
    said = say_date(day, today)
    return "placed " + said.split(" (")[0] if said.startswith(("today", "tomorrow")) else "placed on " + said


def join(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


@dataclass
class Written:
    text: str
    handoff: str | None = None  # why a person must take it now ("stuck", "not_shipped_late"), else None


def title(order: Order) -> str:
    return f"Your order {order.name} ({plural(count_items(order.items), 'item')})"


def status(order: Order, rules: Rules, cite: Sources) -> Written:
    """Where the order is: cancelled, waiting to ship (and when it will), on its way (and when it should arrive),
    or delivered."""
    today, zone = rules.today, rules.zone
    if order.cancelled:
        text = f"Your order {order.name} was cancelled"
        if order.cancelled_at:
            text += f" on {say_date(local(order.cancelled_at, zone).date(), today)}"
        text += "." + cite.order(order)
        if order.refunded_cents:
            text += f" {money(order.refunded_cents, order.currency)} was refunded to you."
        elif order.financial_status in ("voided", "pending", None):
            text += " You weren't charged for it."
        return Written(text)
    shipped = [f for f in order.fulfillments if f.status not in ("cancelled", "error", "failure")]
    transit = transit_days(order.shipping_method, rules.delivery_days)
    method = order.shipping_method or "Shipping"
    if not shipped:
        placed = order.placed_at
        day = ship_day(placed, zone, rules.cutoff_hour, rules.closed) if placed else today
        text = f"{title(order)} was {placed_on(local(placed, zone).date(), today)} at " \
               f"{say_time(placed, zone)} and hasn't shipped yet." if placed else f"{title(order)} hasn't shipped yet."
        text += cite.order(order)
        if order.financial_status == "pending":
            text += " Its payment is still pending." + cite.order(order)
        if day < today:
            return Written(text + f" It was due to ship on {say_date(day, today)}, so I'm passing this to our team to "
                                  "check what is holding it up.", handoff="not_shipped_late")
        cutoff = f"{rules.cutoff_hour % 12 or 12}{'pm' if rules.cutoff_hour >= 12 else 'am'}"
        cutoff += " " + zone_word(zone, placed or rules.now)
        rule = (f"Orders placed before {cutoff} on a business day ship the same day"
                if placed and local(placed, zone).date() == day else
                f"Orders placed after {cutoff}, or on a weekend{' or holiday' if rules.closed else ''}, "
                "ship the next business day")
        low, high = expected_arrival(day, transit, rules.closed)
        closed = _closed(local(placed, zone).date() if placed else today, day, rules)
        text += f" {rule}, so it should ship {_on(day, today)}" + \
            (f" (we're closed for {join(closed)})" if closed else "") + "." + cite.page(SHIPPING)
        text += f" {method} takes {_days(transit.low, transit.high)}{_not_counted(day, high, rules)}, so it should " \
                f"arrive {_between(low, high, today)}." + cite.page(SHIPPING)
        return Written(text)
    parts, handoff = [], None
    delivered_all = all(f.shipment_status == "delivered" for f in shipped)
    for n, f in enumerate(shipped):
        items = _shipped_items(order, f)
        what = title(order) if n == 0 and len(shipped) == 1 and order.fulfillment_status != "partial" else \
            (cap(names(items)) if items else "Part of your order") + f" from order {order.name}"
        on = local(f.shipped_at, zone).date() if f.shipped_at else None
        carrier = f" with {f.tracking_company}" if f.tracking_company else ""
        tracking = _tracking(f)
        if f.shipment_status == "delivered":
            when = local(f.updated_at or f.shipped_at, zone).date() if (f.updated_at or f.shipped_at) else None
            text = f"{what} was delivered" + (f" on {say_date(when, today)}" if when else "") + \
                   (f" by {f.tracking_company}" if f.tracking_company else "") + "." + \
                   (f" Its {tracking}." if tracking else "")
            parts.append(text + cite.order(order))
            continue
        text = f"{what} shipped" + (f" on {say_date(on, today)}" if on else "") + carrier + "." + \
               (f" Its {tracking}." if tracking else "") + cite.order(order)
        if f.shipment_status == "out_for_delivery":
            text += " The carrier says it's out for delivery today." + cite.order(order)
        elif on is not None:
            low, high = expected_arrival(on, transit, rules.closed)
            if high >= today:
                text += f" {method} takes {_days(transit.low, transit.high)}{_not_counted(on, high, rules)}, so it " \
                        "should arrive " \
                        f"{'by ' + say_date(high, today, weekday=True) if low <= today else _between(low, high, today)}" \
                        "." + cite.page(SHIPPING)
            else:
                late = business_days_between(high, today, rules.closed)
                text += f" It was expected by {say_date(high, today)}." + cite.page(SHIPPING)
                if late > rules.stuck_days:
                    handoff = "stuck"
                    text += " That is longer than it should take, so I'm passing this to our team to trace it " \
                            "with the carrier."
                else:
                    text += " Carriers are sometimes a day or two late; if it hasn't come in a few days, ask me again."
        parts.append(text)
    waiting = [i for i in order.items if not any(i in _shipped_items(order, f) for f in shipped)]
    if waiting and order.fulfillment_status == "partial":
        parts.append(f"{cap(names(waiting))} {'hasn' if len(waiting) == 1 else 'haven'}'t shipped yet; "
                     "we'll email you the tracking when " + ("it does." if len(waiting) == 1 else "they do.")
                     + cite.order(order))
    if delivered_all and not order.cancelled and order.financial_status != "refunded":
        opened = [r for r in returns_of(order, rules) if r.eligible]
        if opened:
            last = max(r.closes for r in opened)
            parts.append(f"If anything isn't right, you can return eligible items until {say_date(last, rules.today)}."
                         + cite.page(RETURNS))
    return Written(" ".join(parts), handoff)


def _shipped_items(order: Order, fulfillment) -> list[LineItem]:
    if not fulfillment.items:
        return list(order.items)
    skus = {s.get("sku") for s in fulfillment.items if s.get("sku")}
    ids = {str(s.get("line_item_id") or s.get("id")) for s in fulfillment.items}
    named = {s.get("name") for s in fulfillment.items}
    return [i for i in order.items if (i.sku and i.sku in skus) or (i.platform_id and str(i.platform_id) in ids)
            or i.name in named]


def _tracking(f) -> str:
    if not f.tracking_number:
        return ""
    return f"tracking number is {f.tracking_number}" + (f", and you can follow it at {f.tracking_url}"
                                                         if f.tracking_url else "")


def _closed(after: date, last: date, rules: Rules) -> list[str]:
    """The names of the store's closed weekdays after ``after`` up to ``last`` ("Christmas Day"), each once."""
    if not rules.closed or last <= after:
        return []
    named = getattr(rules.closed, "name", None)
    days = [d for d in (after + timedelta(days=n) for n in range(1, (last - after).days + 1))
            if d.weekday() < 5 and d in rules.closed]
    return list(dict.fromkeys((named(d) if named else None) or "a holiday" for d in days))


def _not_counted(after: date, last: date, rules: Rules) -> str:
    """" (Christmas Day doesn't count)" when closed days fall in the transit days, else ""."""
    names = _closed(after, last, rules)
    return f" ({join(names)} {'doesn' if len(names) == 1 else 'don'}'t count)" if names else ""


def _days(low: int, high: int) -> str:
    return f"{low}–{high} business days" if low != high else plural(low, "business day")


def _on(day: date, today: date) -> str:
    said = say_date(day, today, weekday=True)
    return said if said.startswith(("today", "tomorrow")) else "on " + said


def _between(low: date, high: date, today: date) -> str:
    if low == high:
        return "on " + say_date(low, today, weekday=True)
    return f"between {say_date(low, today, weekday=True)} and {say_date(high, today, weekday=True)}"


def contents(order: Order, rules: Rules, cite: Sources) -> Written:
    """What was ordered and what it came to: each item with its price, the discount, shipping, tax, total."""
    c = order.currency
    lines = [f"{i.quantity} × {i.name}" + (f" ({money(i.price_cents, c)} each)" if i.price_cents is not None
                                           and (i.quantity or 1) > 1 else
                                           f" ({money(i.price_cents, c)})" if i.price_cents is not None else "")
             for i in order.items]
    placed = f", {placed_on(local(order.placed_at, rules.zone).date(), rules.today)}," if order.placed_at else ""
    text = f"Your order {order.name}{placed} has {join(lines)}." + cite.order(order)
    money_parts = []
    if order.subtotal_cents is not None:
        money_parts.append(f"the items come to {money(order.subtotal_cents, c)}")
    if order.discount_cents:
        money_parts.append(f"a discount took off {money(order.discount_cents, c)}")
    if order.shipping_cents is not None:
        ship = "free" if order.shipping_cents == 0 else money(order.shipping_cents, c)
        money_parts.append(f"shipping ({order.shipping_method or 'shipping'}) was {ship}")
    if order.tax_cents:
        money_parts.append(f"tax was {money(order.tax_cents, c)}")
    if money_parts:
        text += " " + cap(join(money_parts)) + "."
    if order.total_cents is not None:
        text += f" The total was {money(order.total_cents, c)}." + cite.order(order)
    refund = refunds(order, rules, cite, lead=False).text
    return Written(text + (" " + refund if refund else ""))


def refunds(order: Order, rules: Rules, cite: Sources, lead: bool = True) -> Written:
    """What was refunded or cancelled; with ``lead``, also says when nothing was."""
    c = order.currency
    if order.cancelled:
        when = f" on {say_date(local(order.cancelled_at, rules.zone).date(), rules.today)}" if order.cancelled_at else ""
        text = f"Your order {order.name} was cancelled{when}" + (
            f" and {money(order.refunded_cents, c)} was refunded." if order.refunded_cents else
            ", so you weren't charged for it.")
        return Written(text + cite.order(order))
    if order.financial_status == "refunded" or (order.refunded_cents and order.total_cents
                                                and order.refunded_cents >= order.total_cents):
        return Written(f"Your order {order.name} was refunded in full: {money(order.refunded_cents or order.total_cents, c)}"
                       f" went back to your original payment method." + cite.order(order))
    if order.refunded_cents:
        return Written(f"{money(order.refunded_cents, c)} of your order {order.name}'s {money(order.total_cents, c)} "
                       "was refunded to your original payment method." + cite.order(order))
    if not lead:
        return Written("")
    return Written(f"Nothing has been refunded on your order {order.name}; it came to {money(order.total_cents, c)}."
                   + cite.order(order) + " Refunds go back to your original payment method 5–7 business days after a "
                   "return reaches us." + cite.page(RETURNS))


def returns_of(order: Order, rules: Rules, final_sale: Callable[[LineItem], bool] | None = None) -> list[ItemReturn]:
    return eligibility(order, rules.today, rules.zone, rules.window_days, final_sale or (lambda item: False))


# why an item can't be returned now, for one item and for several that share the reason
_WHY = {"final_sale": ("is final sale, so it can't be returned", "are final sale, so they can't be returned"),
        "refunded": ("was already refunded", "were already refunded"),
        "cancelled": ("was cancelled with the order", "were cancelled with the order"),
        "not_shipped": ("hasn't shipped yet", "haven't shipped yet"),
        "not_delivered": ("is still on its way; the {days} days start when it's delivered",
                          "are still on their way; the {days} days start when they're delivered")}


def returns_text(order: Order, rules: Rules, cite: Sources, final_sale: Callable[[LineItem], bool],
                 only: list[LineItem] | None = None) -> tuple[str, list[LineItem]]:
    """Each item's return eligibility (items that share a reason said together), and the items that can be
    returned now."""
    said, eligible, waiting = [], [], {}
    for r in returns_of(order, rules, final_sale):
        if only is not None and r.item not in only:
            continue
        name = f"the {r.item.name}"
        if r.eligible:
            eligible.append(r.item)
            left = "today is the last day" if r.days_left == 0 else f"{plural(r.days_left, 'day')} left"
            said.append(f"{cap(name)} can be returned until {say_date(r.closes, rules.today)} ({left})")
        elif r.why == "closed":
            said.append(f"{cap(name)}'s {rules.window_days}-day return window closed on "
                        f"{say_date(r.closes, rules.today)}")
        else:
            waiting.setdefault(r.why, []).append(name)
    for why, items in waiting.items():
        one, several = _WHY[why]
        said.append(f"{cap(join(items))} " + (one if len(items) == 1 else several).format(days=rules.window_days))
    if not said:
        return "", []
    text = f"For your order {order.name}: " + ". ".join(said) + "." + cite.order(order) + \
        f" Returns are accepted within {rules.window_days} days of delivery, unused and in the original " \
        "packaging, and final-sale items can't be returned." + cite.page(RETURNS)
    if order.financial_status == "partially_refunded" and order.refunded_cents:
        text += f" {money(order.refunded_cents, order.currency)} of this order was already refunded for a return, " \
                "and an item already returned can't be returned again." + cite.order(order)
    return text, eligible


LIST_LIMIT = 5  # the recent orders a signed-in customer's list shows


def orders_list(orders: list[Order], rules: Rules, cite: Sources, limit: int = LIST_LIMIT) -> str:
    """A signed-in customer's recent orders, one short line each."""
    lines = []
    for order in orders[:limit]:
        state = short_state(order, rules)
        placed = f"placed {say_date(local(order.placed_at, rules.zone).date(), rules.today)}" if order.placed_at \
            else ""
        lines.append(f"- {order.name} ({plural(count_items(order.items), 'item')}, {placed}): {state}"
                     + cite.order(order))
    more = f" (and {len(orders) - limit} older)" if len(orders) > limit else ""
    return f"Here are your recent orders{more}:\n" + "\n".join(lines) + \
        "\n\nAsk me about any of them by number, for example \"where is " + orders[0].name + "?\""


def short_state(order: Order, rules: Rules) -> str:
    """The order's state in a few words: "cancelled", "not shipped yet", "delivered Dec 3", "on its way"."""
    if order.cancelled:
        return "cancelled"
    if order.financial_status == "refunded":
        return "refunded"
    shipped = order.fulfillments
    if not shipped:
        return "not shipped yet"
    if all(f.shipment_status == "delivered" for f in shipped):
        last = max(local(f.updated_at or f.shipped_at, rules.zone).date() for f in shipped)
        return f"delivered {say_date(last, rules.today)}"
    if order.fulfillment_status == "partial":
        return "partly shipped"
    return "on its way"
