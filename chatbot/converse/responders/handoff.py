"""Hand-off: a shopper who asks for a person, or is upset, gets one at once, before anything is looked up."""

from __future__ import annotations

from typing import Iterator

from chatbot.common.types import Answer
from chatbot.converse.intents import detect_handoff
from chatbot.converse.responders.base import PartsResponder
from chatbot.converse.turn import Turn


class HandoffResponder(PartsResponder):
    name = "handoff"

    def respond(self, turn: Turn) -> Iterator[str | Answer]:
        handoff = detect_handoff(turn.message, self.bot.settings.support_contact)
        if handoff is None:
            return
        yield handoff.message
        yield turn.answer(handoff.message, abstained=True, handoff=True, reason=handoff.reason, origin="handoff")
