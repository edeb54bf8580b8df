"""The order conversation: who is asking, which order, what they ask, and the answer or request that follows.

``OrderDesk.reply(message, asker, about_order)`` returns an ``OrderReply`` or None (the message is not about the
shopper's orders; another responder takes it). In order:

1. a yes/no to the bot's last question ("Shall I ask our team to start a return for the puzzle?") files the
   request for staff (a ticket with the order and items in it; the shopper gets its reference) or drops it; the
   new address for an address change, when the bot asked for it, is read (``addresses``) and said back for a
   yes/no first;
2. the order: one this conversation proved (or a signed-in customer's own), or the number and email / postcode in
   this message or the last few turns, checked by ``identity.Gate``; nothing proved yet: ask for what is missing;
3. the answer from the record (``answers``), or a question before any request; damage, a delivered parcel that
   never came, or a shipment stuck past the store's limit go to a person at once with the order attached.

The bot never changes an order itself, and nothing here reads the language model's output.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable
from zoneinfo import ZoneInfo

from chatbot.common.types import Citation
from chatbot.data.order_records import LineItem, Order, number_digits, order_number_key
from chatbot.orders import addresses, answers
from chatbot.orders.answers import CHANGES, RETURNS, Rules, Sources
from chatbot.orders.asks import ask, asks_something, not_received, personal, store_wide, yes_no
from chatbot.orders.closed_days import ClosedDays
from chatbot.orders.dates import local, say_date
from chatbot.orders.identity import Asker, Gate, details
from chatbot.orders.staff import OrderFacts, facts

NOT_FOUND = ("I couldn't find an order with that number and email address (or ZIP/postcode). Please check both "
             "against your order confirmation email and try again.")
ASK_BOTH = "Sure, I can look that up. What's the order number, and the email address you used for it (or the " \
           "shipping ZIP/postcode)?"


@dataclass
class OrderReply:
    text: str
    citations: list[Citation] = field(default_factory=list)
    handoff: bool = False
    reason: str = "order"
    abstained: bool = False


class OrderDesk:
    """``orders``: an ``OrderStore``; ``proofs``: an ``OrderProofs``; ``tickets``: what opens a ticket for a
    conversation (the ``ConversationStore``), or None; ``final_sale(item)`` says whether the catalog marks an item
    final sale; ``policy(page)`` gives the citation of the shipping, returns or order-changes page; ``clock``
    gives "now" (aware), fixed in tests and the eval."""

    def __init__(self, orders, proofs, settings, tickets: Any = None,
                 final_sale: Callable[[LineItem], bool] | None = None,
                 policy: Callable[[str], Citation | None] | None = None,
                 clock: Callable[[], datetime] | None = None):
        self.orders = orders
        self.proofs = proofs
        self.settings = settings
        self.tickets = tickets
        self.final_sale = final_sale or (lambda item: False)
        self.policy = policy or (lambda page: None)
        self.clock = clock or (lambda: datetime.now(timezone.utc))
        self.gate = Gate(orders, proofs, settings.order_max_failures, settings.order_lockout_minutes)
        self.zone = ZoneInfo(settings.store_timezone)
        self.closed = ClosedDays(settings.store_holidays, settings.store_closed_days)  # public holidays
        self._count: tuple[float, int] = (0.0, 0)

    def active(self) -> bool:
        """Whether the store has any orders (counted at most every 30 s, or every 5 s while there are none, so a
        first import is seen soon): without, order questions go to a person as before."""
        at, count = self._count
        if time.monotonic() - at > (30 if count else 5):
            count = self.orders.count()
            self._count = (time.monotonic(), count)
        return count > 0

    def rules(self) -> Rules:
        s = self.settings
        return Rules(self.clock(), self.zone, s.ship_cutoff_hour, s.delivery_days, s.return_window_days,
                     s.order_stuck_days, self.closed)

    # ---- the conversation
    def reply(self, message: str, asker: Asker | None, about_order: bool) -> OrderReply | None:
        asker = asker or Asker()
        key = asker.conversation
        focus, pending = self.proofs.state(key) if key else (None, None)
        pending = pending or {}
        if pending.get("want") == "address":
            said = self._new_address(message, pending, asker, focus)
            if said is not None:
                return said
            pending = {}
        # "change the address to 9 Pine St, Portland, ME 04101": the address's numbers are no order details
        given = details(addresses.split(message)[0] if ask(message) == "address" else message)
        if pending.get("confirm"):
            answer = yes_no(message)
            if answer is not None:
                self._keep(key, focus, None)
                if not answer:
                    again = " If the new address needs correcting, ask me to change the address again." \
                        if pending.get("confirm") == "address" else ""
                    return OrderReply("Okay, I won't send that request." + again + " Is there anything else about "
                                      "your order I can help with?")
                return self._file(pending, asker)
        proved = self.gate.proved(asker)
        wanted = pending.get("want")
        engaged = (about_order or (given.numbers and (given.proof or wanted)) or (wanted and bool(given))
                   or (bool(proved) and asks_something(message) and not store_wide(message)
                       and ((focus and focus in {o.id for o in proved}) or
                            (personal(message) and (asker.email or given.numbers)))))
        if not engaged:
            if pending:
                self._keep(key, focus, None)
            return None
        intent = ask(message) if asks_something(message) else pending.get("ask", "status")
        number = given.numbers[0] if given.numbers else pending.get("number")
        email = given.email or pending.get("email")
        zip_code = given.zip_code or pending.get("zip")
        order = None
        if number:
            order = _matching(proved, number)
            if order is None:
                if not (email or zip_code):
                    self._keep(key, focus, {"want": "proof", "number": number, "ask": intent})
                    return OrderReply(f"To look up order #{_plain(number)}, I need the email address you used for it "
                                      "(or the shipping ZIP/postcode). What is it?")
                check = self.gate.check(asker, number, email, zip_code)
                if check.locked:
                    self._keep(key, focus, None)
                    return self._locked()
                if check.order is None:
                    self._keep(key, focus, {"want": "proof", "ask": intent})
                    return OrderReply(NOT_FOUND, abstained=True, reason="order_not_found")
                order = check.order
        elif email or zip_code:
            if self.gate.locked(asker):
                return self._locked()
            self._keep(key, focus, {"want": "number", "email": email, "zip": zip_code, "ask": intent})
            return OrderReply("Thanks. What's the order number? It's in your order confirmation email, like #1043.")
        else:
            by_id = {o.id: o for o in proved}
            if asker.email and (intent == "list" or (focus not in by_id and len(proved) > 1)):
                if not proved:
                    return OrderReply("I can't find any orders for the email you're signed in with. If you ordered "
                                      "with another email, tell me the order number and that email.")
                self._keep(key, focus, None)
                self._shown(key, proved[:answers.LIST_LIMIT])
                sources = Sources(self.policy)
                return self._reply(answers.orders_list(proved, self.rules(), sources), sources)
            order = by_id.get(focus) or (proved[0] if len(proved) == 1 else None)
            if order is None:
                self._keep(key, focus, {"want": "proof", "ask": intent})
                return OrderReply(ASK_BOTH)
        self._keep(key, order.id, None)
        self._shown(key, [order])
        return self._answer(order, intent, message, asker)

    # ---- for the agent working the conversation's ticket
    def ticket_orders(self, conversation_id: str | None) -> list[Order]:
        """The orders this conversation proved (by number with email or postcode, or a signed-in customer's own
        that the bot answered about), oldest first: all an agent working its ticket may see. Nothing is looked up
        by the shopper's email or by guess."""
        if not conversation_id:
            return []
        found = (self.orders.by_id(order_id) for order_id in self.proofs.proved(conversation_id))
        return [order for order in found if order is not None]

    def for_agent(self, conversation_id: str | None) -> list[OrderFacts]:
        """The conversation's proved orders as the agent's order panel shows them (``staff.facts``)."""
        rules = self.rules()
        return [facts(order, rules, self.final_sale) for order in self.ticket_orders(conversation_id)]

    def draft(self, message: str, conversation_id: str | None, about_order: bool = False) -> OrderReply | None:
        """An agent's draft reply to ``message`` from the record of an order the conversation proved: its status
        ("where is it?"), items and totals, refunds or return windows, cited as the shopper's answers are. None
        when the conversation proved no order, the message names another one, or it asks nothing of the
        shopper's order (``about_order``: the hand-off's own-order patterns; else words like "it", "my").
        Changes nothing: no ticket, no request, no remembered state (the agent acts, not the bot)."""
        proved = self.ticket_orders(conversation_id)
        if not proved:
            return None
        given = details(message)
        if given.numbers:
            order = _matching(proved, given.numbers[0])
            if order is None:
                return None  # another order: the agent checks it, the draft guesses nothing
        else:
            if not asks_something(message) or store_wide(message) or not (about_order or personal(message)):
                return None  # "how much is the blanket?" is about the catalog, not the order
            focus, _ = self.proofs.state(conversation_id)
            order = next((o for o in proved if o.id == focus), proved[-1])
        intent = ask(message) if asks_something(message) else "status"
        rules, sources = self.rules(), Sources(self.policy)
        if intent in ("contents", "list"):
            text = answers.contents(order, rules, sources).text
        elif intent == "refund":
            text = answers.refunds(order, rules, sources).text
        elif intent in ("eligibility", "return"):
            text = answers.returns_text(order, rules, sources, self.final_sale, _named_items(order, message) or None)[0]
        else:  # status, and a problem, a cancellation or an address change: where the order is, for the agent to act on
            text = ""
        text = text or answers.status(order, rules, sources).text
        return self._reply(text, sources)

    # ---- answers
    def _answer(self, order: Order, intent: str, message: str, asker: Asker) -> OrderReply:
        rules, sources = self.rules(), Sources(self.policy)
        if intent == "problem":
            written = answers.status(order, rules, sources)
            on_the_way = order.fulfillments and not written.handoff and not order.cancelled and \
                not any(f.shipment_status == "delivered" for f in order.fulfillments)
            if not_received(message) and (on_the_way or not order.fulfillments):
                return self._reply(written.text, sources)  # not delivered yet: when it should come is the answer
            return self._problem(order, message, asker, sources)
        if intent in ("contents", "list"):
            return self._reply(answers.contents(order, rules, sources).text, sources)
        if intent == "refund":
            return self._reply(answers.refunds(order, rules, sources).text, sources)
        if intent in ("eligibility", "return"):
            named = _named_items(order, message)
            text, eligible = answers.returns_text(order, rules, sources, self.final_sale, named or None)
            if not eligible:
                return self._reply(text or f"Nothing in your order {order.name} can be returned.", sources)
            what = answers.names(eligible)
            question = f"Shall I ask our team to start a return for {what} from order {order.name}? (yes/no)"
            self._keep(asker.conversation, order.id, {"confirm": "return", "order": order.id,
                                                      "items": [i.name for i in eligible]})
            return self._reply(f"{text} {question}", sources)
        if intent in ("cancel", "address"):
            return self._change(order, intent, asker, rules, sources, message)
        written = answers.status(order, rules, sources)
        if written.handoff:
            return self._problem(order, message, asker, sources, written.text, written.handoff)
        return self._reply(written.text, sources)

    def _change(self, order: Order, intent: str, asker: Asker, rules: Rules, sources: Sources,
                message: str = "") -> OrderReply:
        what = "cancel it" if intent == "cancel" else "change its delivery address"
        if order.cancelled:
            return self._reply(answers.status(order, rules, sources).text, sources)
        if order.fulfillments:
            later = " Once it arrives, you can return eligible items within " \
                    f"{rules.window_days} days." + sources.page(RETURNS) if intent == "cancel" else ""
            return self._reply(f"Your order {order.name} has already shipped, so it's too late to {what}."
                               + sources.order(order) + later, sources)
        if intent == "address":
            return self._ask_address(order, asker, message, sources, rules)
        placed = local(order.placed_at, self.zone) if order.placed_at else None
        when = f" (you placed it on {say_date(placed.date(), rules.today)})" if placed else ""
        question = (f"Your order {order.name} hasn't shipped yet{when}." + sources.order(order) +
                    " Orders can be changed or cancelled within 1 hour of placing them, so our team will check whether"
                    " it can still be done." + sources.page(CHANGES) +
                    f" Shall I ask our team to {what}? (yes/no)")
        self._keep(asker.conversation, order.id, {"confirm": intent, "order": order.id,
                                                  "items": [i.name for i in order.items]})
        return self._reply(question, sources)

    def _ask_address(self, order: Order, asker: Asker, message: str, sources: Sources, rules: Rules) -> OrderReply:
        """An unshipped order's address change: the new address, said back for a yes/no (asked for first when the
        request does not give it)."""
        given = addresses.in_request(message)
        if given is not None:
            return self._confirm_address(order, given, asker)
        placed = local(order.placed_at, self.zone) if order.placed_at else None
        when = f" (you placed it on {say_date(placed.date(), rules.today)})" if placed else ""
        self._keep(asker.conversation, order.id, {"want": "address", "order": order.id})
        return self._reply(f"Your order {order.name} hasn't shipped yet{when}." + sources.order(order) +
                           " Orders can be changed within 1 hour of placing them, so our team will check whether the "
                           "address can still be changed." + sources.page(CHANGES) +
                           " What's the new shipping address? Please write it in full: street and number, town or "
                           f"city, state or province and ZIP/postcode, like \"{addresses.EXAMPLE}\".", sources)

    def _new_address(self, message: str, pending: dict, asker: Asker, focus: str | None) -> OrderReply | None:
        """The shopper's reply to "what's the new address?": said back for a yes/no, asked again when it can't be
        an address, dropped on "no" or when they ask something else (None: the message is answered as usual)."""
        order = self.orders.by_id(pending.get("order") or "")
        if order is None or order.id not in {o.id for o in self.gate.proved(asker)}:
            self._keep(asker.conversation, focus, None)
            return None
        if yes_no(message) is False or addresses.keeps_it(message):
            self._keep(asker.conversation, focus, None)
            return OrderReply(f"Okay, I'll leave the address of order {order.name} as it is. Is there anything else "
                              "about your order I can help with?")
        if addresses.asks_instead(message):  # "where is it now?": a question, answered as usual
            self._keep(asker.conversation, focus, None)
            return None
        address = addresses.written(message)
        wrong = addresses.problem(address)
        if wrong is None:
            return self._confirm_address(order, address, asker)
        return OrderReply(f"Sorry, that doesn't look like a shipping address: {wrong}. Please write the new address "
                          f"in full, like \"{addresses.EXAMPLE}\", or say \"no\" to keep the one on the order.")

    def _confirm_address(self, order: Order, address: str, asker: Asker) -> OrderReply:
        self._keep(asker.conversation, order.id, {"confirm": "address", "order": order.id, "address": address,
                                                  "items": [i.name for i in order.items]})
        return OrderReply(f"Change the shipping address of order {order.name} to: {address}? (yes/no)")

    def awaits_address(self, asker: Asker | None) -> bool:
        """Whether the bot asked this conversation for a new shipping address (its next message is one, not a
        question to split, spell-check or read as another language)."""
        key = asker.conversation if asker is not None else None
        if not key:
            return False
        _, pending = self.proofs.state(key)
        return bool(pending) and pending.get("want") == "address"

    def _problem(self, order: Order, message: str, asker: Asker, sources: Sources, said: str = "",
                 why: str = "") -> OrderReply:
        kind = {"stuck": "shipment stuck", "not_shipped_late": "late to ship"}.get(why) or (
            "delivered but not received" if not_received(message) else "damaged or wrong item")
        ref = self._ticket(asker, f"Order problem ({kind}): {_summary(order)}")
        sources.order(order)
        lead = said + " " if said else "I'm sorry about that. "
        text = lead + f"I've passed this to our team with your order {order.name} attached, so a person can sort " \
                      "it out with you" + (f" (reference {ref})" if ref else "") + \
            f". You can also reach us at {self.settings.support_contact}."
        return self._reply(text, sources, handoff=True, reason="order_problem")

    def _file(self, pending: dict, asker: Asker) -> OrderReply:
        order = self.orders.by_id(pending.get("order") or "")
        proved = {o.id for o in self.gate.proved(asker)}
        if order is None or order.id not in proved:  # proofs are checked again: a stale question files nothing
            return OrderReply(ASK_BOTH)
        kind = {"return": "Return", "cancel": "Cancellation", "address": "Address change"}[pending["confirm"]]
        items = [i for i in order.items if i.name in set(pending.get("items") or [])]
        address = pending.get("address") if pending["confirm"] == "address" else None
        ref = self._ticket(asker, f"{kind} request: {_summary(order, items)}"
                                  + (f"; new shipping address: {address}" if address else ""))
        sources = Sources(self.policy)
        sources.order(order)
        if ref is None:
            return self._reply(f"I can't send requests from this chat, so please email "
                               f"{self.settings.support_contact} with your order number {order.name}.", sources,
                               handoff=True, reason="order_request")
        doing = {"return": f"start a return for {answers.names(items)}", "cancel": f"cancel order {order.name}",
                 "address": f"change the shipping address of order {order.name} to {address}"}[pending["confirm"]]
        return self._reply(f"Done: I've asked our team to {doing}. Your reference is {ref}. They'll email you at the "
                           "address on the order with the next steps; I can't change orders myself.", sources,
                           handoff=True, reason="order_request")

    def _ticket(self, asker: Asker, reason: str) -> str | None:
        if self.tickets is None or not asker.conversation:
            return None
        from chatbot.data.tickets import ticket_ref

        try:
            return ticket_ref(self.tickets.open_ticket(asker.conversation, reason))
        except Exception:  # a conversation the store does not know: the hand-off still happens
            return None

    def _locked(self) -> OrderReply:
        return OrderReply("I can't check any more order details in this chat right now. I'm passing you to a member "
                          "of our team, who can help with your order. You can also reach us at "
                          f"{self.settings.support_contact}.", handoff=True, abstained=True, reason="order_lockout")

    def _reply(self, text: str, sources: Sources, handoff: bool = False, reason: str = "order") -> OrderReply:
        return OrderReply(markers_inside(text.strip()), list(sources.cited), handoff=handoff, reason=reason)

    def _shown(self, key: str | None, orders: list[Order]) -> None:
        """Orders the shopper is shown count as proved in the conversation (a signed-in customer's own too), so
        the agent working its ticket sees them."""
        if key:
            for order in orders:
                self.proofs.prove(key, order.id)

    def _keep(self, key: str | None, focus: str | None, pending: dict | None) -> None:
        if key:
            self.proofs.set_state(key, focus, pending)


_MARKS = re.compile(r"([.?!])((?: \[\d+\])+)")


def markers_inside(text: str) -> str:
    """"It shipped. [1]" -> "It shipped [1]." (the project's citation style), each marker once per sentence."""
    def inside(m: re.Match) -> str:
        marks = list(dict.fromkeys(m.group(2).split()))
        return " " + " ".join(marks) + m.group(1)
    return _MARKS.sub(inside, text)


def _matching(orders: list[Order], number: str) -> Order | None:
    key, digits = order_number_key(number), number_digits(number)
    exact = [o for o in orders if o.number_key == key]
    if exact:
        return exact[0]
    loose = [o for o in orders if digits and number_digits(o.number_key) == digits]
    return loose[0] if len(loose) == 1 else None


def _plain(number: str) -> str:
    return re.sub(r"^#\s*", "", number.strip())


_WORD = re.compile(r"[a-z]{4,}")
_COMMON = {"order", "with", "from", "that", "this", "return", "want", "like", "would", "could", "please", "start",
           "items", "item", "them", "back", "send", "still", "exchange", "size", "wrong"}


def _named_items(order: Order, message: str) -> list[LineItem]:
    """The order's items the message names by a word of their name ("the puzzle")."""
    words = {w.rstrip("s") for w in _WORD.findall(message.lower())} - _COMMON
    return [i for i in order.items if words & {w.rstrip("s") for w in _WORD.findall(i.name.lower())}]


def _summary(order: Order, items: list[LineItem] | None = None) -> str:
    items = order.items if items is None else items
    placed = f", placed {order.placed_at:%Y-%m-%d}" if order.placed_at else ""
    listed = "; ".join(f"{i.quantity} × {i.name}" + (f" (SKU {i.sku})" if i.sku else "") for i in items)
    return f"order {order.name} ({order.platform}{placed}): {listed}"


_PAGES = {answers.SHIPPING: ("shipping", "delivery"), RETURNS: ("return", "refund"), CHANGES: ("cancel", "change")}


def for_bot(bot, orders, proofs, tickets: Any = None, clock: Callable[[], datetime] | None = None) -> OrderDesk:
    """An ``OrderDesk`` over a Chatbot's index: final sale read from the catalog's records (by SKU, else by name),
    the shipping, returns and order-changes pages cited from the store's own policy pages."""

    def documents() -> dict:
        return bot.documents

    def final_sale(item: LineItem) -> bool:
        docs = documents()
        doc = docs.get(f"product:{item.sku}") if item.sku else None
        if doc is None:
            doc = next((d for d in docs.values() if d.kind == "product" and d.title == item.name), None)
        attributes = (doc.meta or {}).get("attributes") or {} if doc is not None else {}
        return bool(attributes.get("final_sale"))

    def policy(page: str) -> Citation | None:
        words = _PAGES[page]
        pages = sorted((d for d in documents().values() if d.kind == "policy"), key=lambda d: d.id)
        for d in pages:
            name = f"{d.id} {d.title}".lower()
            if words[0] in name and (page != CHANGES or "order" in name):
                return bot.doc_citation(d.id) or Citation(doc_id=d.id, chunk_id=d.id, title=d.title, score=1.0,
                                                          url=d.url, excerpt=d.text[:300])
        return None

    return OrderDesk(orders, proofs, bot.settings, tickets=tickets, final_sale=final_sale, policy=policy, clock=clock)
