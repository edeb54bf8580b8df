"""Orders: the shopper's own order questions answered from the store's orders, once the shopper proves the order
is theirs (``chatbot.orders``).

It answers only when the bot has a store with orders (``Chatbot.orders``, an ``OrderDesk`` with at least one
order); without, it passes and the hand-off responder hands such questions to a person as before. A message is
the desk's when it is about one of the shopper's purchases (the hand-off's own patterns), gives order details,
answers the bot's last order question, or asks about the order already in focus; a request for product ideas that
names a purchase ("he loved the marble run we bought") is the shop's. Asking for a person and upset
shoppers are the hand-off's, which comes first.
"""

from __future__ import annotations

from typing import Iterator

from chatbot.common.types import Answer
from chatbot.converse.intents import about_purchase, asks_for_ideas, asks_store_rule, own_order
from chatbot.converse.responders.base import PartsResponder
from chatbot.converse.turn import Turn


class OrderResponder(PartsResponder):
    name = "orders"

    def respond(self, turn: Turn) -> Iterator[str | Answer]:
        desk = getattr(self.bot, "orders", None)
        if desk is None or not desk.active():
            return
        message = turn.message
        if asks_for_ideas(message):  # "he loved the marble run we bought, any ideas?": the shop recommends
            return
        about = (own_order(message) or about_purchase(message)) and not asks_store_rule(message)
        reply = desk.reply(message, turn.asker, about)
        if reply is None:
            return
        turn.clock.retrieved()
        answer = turn.answer(reply.text, confidence=1.0, abstained=reply.abstained, handoff=reply.handoff,
                             reason=reply.reason, origin="orders")
        answer.citations = list(reply.citations)
        answer.retrieved = [c.doc_id for c in reply.citations]
        yield answer.text
        yield answer
