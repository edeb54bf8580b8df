"""Hand-off: a shopper who asks for a person, is upset or asks about their own purchase gets one at once,
before anything is looked up (their own purchase only when the store has no orders for the order responder to
read). Trouble with their own account goes to a person too, unless the store's best passages speak of that very
trouble (a page on resetting a password answers "I can't log in")."""

from __future__ import annotations

from typing import Iterator

from chatbot.common.types import Answer
from chatbot.converse.intents import account_trouble, detect_handoff, own_account_handoff
from chatbot.converse.responders.base import PartsResponder
from chatbot.converse.turn import Turn


class HandoffResponder(PartsResponder):
    name = "handoff"

    def respond(self, turn: Turn) -> Iterator[str | Answer]:
        desk = getattr(self.bot, "orders", None)  # a store with orders: the order responder reads the shopper's own
        handoff = detect_handoff(turn.message, self.bot.settings.support_contact,
                                 own_orders=desk is None or not desk.active())
        if handoff is None and (covered := account_trouble(turn.message)) is not None:
            passages = self.bot.look_up(turn).hits[: self.bot.settings.max_passages]
            if not any(covered.search(hit.chunk.text) for hit in passages):
                handoff = own_account_handoff(self.bot.settings.support_contact)
        if handoff is None:
            return
        yield handoff.message
        yield turn.answer(handoff.message, abstained=True, handoff=True, reason=handoff.reason, origin="handoff")
