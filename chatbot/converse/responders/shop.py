"""Shop skills: a catalog question answered from the store's structured data, with product cards.

The skills router (``chatbot.shop.skills``) reads the message; a skill that can answer from the catalog
and reviews does, citing the product or review, with no retrieval and no model. A question the router
takes for an order question is handed off only when it is about one of the shopper's own purchases (an
order number, "my package", "I ordered"); "change the order of my wishlist" or "my payout" goes on to the
store's pages. For a verified shopper (``chatbot.orders.history``) the skills get what they bought, so
recommendations leave it out and can start from it. "And gift cards?" after a policy answer goes on with that
question (the store's pages answer it), so the skills leave it alone.
"""

from __future__ import annotations

from typing import Iterator

from chatbot.common.types import Answer
from chatbot.converse.conversation import continues_store_answer, previous_question, shopper_questions
from chatbot.converse.intents import about_purchase, asks_for_ideas, asks_store_rule, own_order_handoff
from chatbot.converse.responders.base import PartsResponder
from chatbot.converse.turn import Turn
from chatbot.orders.history import verified_purchases
from chatbot.shop.option_follow_up import with_other_option
from chatbot.shop.skills.plan import SURE


class ShopResponder(PartsResponder):
    name = "shop"

    def respond(self, turn: Turn) -> Iterator[str | Answer]:
        if continues_store_answer(turn.message, turn.history):
            return
        answer = self.answer(turn)
        if answer is not None:
            yield answer.text
            yield answer

    def answer(self, turn: Turn) -> Answer | None:
        """The catalog skill's Answer when the message asks for one and a skill can answer, else None."""
        bot = self.bot
        if not bot.settings.shop_skills:
            return None
        message = self._asked(turn)
        # what a verified shopper bought (a signed-in customer's, or orders proved in this conversation); read only
        # through the order desk's gate, so an anonymous shopper's recommendations use no order data
        owned = verified_purchases(getattr(bot, "orders", None), turn.asker,
                                   (item.product for item in bot.shop.catalog.listings))
        routed = bot.shop.answer(message, bot.phrases.embed([message])[0], turn.product, turn.shown, owned)
        if routed.route.skill == "order" and routed.route.confidence >= SURE and about_purchase(message) \
                and not asks_store_rule(message) and not asks_for_ideas(message):
            handoff = own_order_handoff(bot.settings.support_contact)  # the shopper's own order: a person checks it
            return turn.answer(handoff.message, abstained=True, handoff=True, reason=handoff.reason, origin="handoff")
        reply = routed.reply
        if reply is None:
            return None
        turn.clock.retrieved()
        answer = turn.answer(reply.text, confidence=routed.route.confidence, abstained=reply.abstained,
                             product=reply.focus or turn.product, reason=reply.reason,
                             origin="smalltalk" if routed.route.skill == "smalltalk" else "catalog")
        answer.citations = [c for c in map(bot.doc_citation, reply.sources) if c is not None]
        answer.products = [item.card() for item in reply.products]
        answer.retrieved = list(reply.sources)
        return answer

    def _asked(self, turn: Turn) -> str:
        """The message, or for "and in L?" about the product in focus the previous question asked for L."""
        item = self.bot.shop.catalog.by_id.get(turn.product or "")
        if item is None or not previous_question(turn.history):
            return turn.message
        asked = ""  # each earlier question as it was meant: "and in L?" then "what about Forest?" build on one
        for question in shopper_questions(turn.history) + [turn.message]:
            asked = with_other_option(question, asked, item.product) or question
        return asked
