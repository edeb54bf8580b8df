"""Decline: nothing the store holds answers the question, so say so honestly and offer a person.

Always answers, so it ends every chain. Off-topic questions (nothing relevant, and no product page in
focus) hear what the bot can help with; a question naming something the store's pages never mention
hears that name back; anything else hears "I couldn't find that".
"""

from __future__ import annotations

from typing import Iterator

from chatbot.common.guards import quotable
from chatbot.common.types import Answer
from chatbot.config import Settings
from chatbot.converse.responders.base import PartsResponder
from chatbot.converse.responders.grounded import unknown_names
from chatbot.converse.turn import Turn


class DeclineResponder(PartsResponder):
    name = "decline"

    def respond(self, turn: Turn) -> Iterator[str | Answer]:
        settings = self.bot.settings
        found = self.bot.look_up(turn)
        # on a product page the question is about that product, never off-topic
        off_topic = found.relevance < settings.offtopic_relevance and not turn.product
        unknown = unknown_names(turn, settings.max_passages)
        text = decline_text(settings, off_topic, unknown if quotable(sorted(unknown), turn.message) else set())
        yield text
        confidence = found.judged.confidence if found.judged is not None else found.relevance
        yield turn.answer(text, turn.draft, found.hits, confidence, abstained=True, product=turn.product,
                          reason="off_topic" if off_topic else "not_in_sources", origin="declined")


def decline_text(settings: Settings, off_topic: bool, unknown: set[str]) -> str:
    if unknown and not off_topic:
        return (f"I couldn't find anything about {', '.join(sorted(unknown))} in our store information, so I "
                "don't want to guess. Would you like me to connect you with a person? "
                f"You can also reach us at {settings.support_contact}.")
    if off_topic:
        return (f"I can only help with questions about {settings.store_name}: our products, orders, shipping, "
                "returns and other store policies. Is there something like that I can help with?")
    return ("I couldn't find that in our store information, so I don't want to guess. "
            f"Would you like me to connect you with a person? You can also reach us at {settings.support_contact}.")
