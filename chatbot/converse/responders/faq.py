"""FAQ: a question the store's FAQ asks gets the FAQ's own answer, quoted whole, with no model.

Two ways in: the message is close to an FAQ question (``faq_match``), or the judge rates an FAQ entry first
and the message asks that entry's question with an added condition ("do I have to pay for return shipping
if I just changed my mind?", ``faq_within``). Either way the search runs too, so the answer lists what
else was relevant. A follow-up on a product page ("is it waterproof?") is about the product, not the FAQ.
"""

from __future__ import annotations

from typing import Iterator

from chatbot.answer.drafting import Draft, extractive_answer_text
from chatbot.answer.grounding import names
from chatbot.common.polarity import asks_yes_no, settled
from chatbot.common.types import Answer
from chatbot.converse.conversation import leans_on_context
from chatbot.converse.responders.base import PartsResponder
from chatbot.converse.turn import Turn
from chatbot.retrieve.faq_match import FaqMatch, answers_added, covering_faq


class FaqResponder(PartsResponder):
    name = "faq"

    def respond(self, turn: Turn) -> Iterator[str | Answer]:
        bot, settings = self.bot, self.bot.settings
        vector = bot.vector(turn)
        asked = turn.standalone and not (turn.product and leans_on_context(turn.message))
        faq = bot.faq.match(vector, turn.product) if asked else None
        found = bot.look_up(turn, judge=faq is None)  # the store's own answer needs no judge
        if faq is None and found.judged is not None and turn.standalone and found.top and settings.faq_match <= 1:
            faq = covering_faq(turn.message, found.top[0], settings.faq_within)
        if faq is None or not self._fits(turn, faq):
            return
        draft = Draft()
        # the FAQ's own "Yes" holds for its own question: "Yes, for standard shipping" is not the answer to
        # "expedited to a PO box?", and "a $20 order" gets the verdict of the FAQ's "$30 to $1,500"
        yield extractive_answer_text(settled(turn.query, faq.answer, faq.added, faq.hit.chunk.title), faq.hit, draft)
        hits = [faq.hit, *(h for h in found.hits if h.chunk.id != faq.hit.chunk.id)]
        answer = turn.answer(draft.text, draft, hits, faq.hit.relevance, product=turn.product, origin="faq")
        bot.cache.put(turn.message, turn.product, answer, version=turn.knowledge_version)
        yield answer

    @staticmethod
    def _fits(turn: Turn, faq: FaqMatch) -> bool:
        """An FAQ answer is for its own question: not when the shopper names a place or thing it never does
        ("Do you ship to Alaska?" is not "Do you ship outside the US and Canada?"), nor for a yes/no question
        whose added case its answer never speaks to."""
        said = f"{faq.hit.chunk.title} {faq.answer}".lower()
        if any(name.lower()[:5] not in said for name in names(turn.message)):  # "Canadian" is "Canada"'s
            return False
        return not asks_yes_no(turn.query) or answers_added(turn.query, faq.hit.chunk)
