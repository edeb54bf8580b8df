"""Grounded answer: the retrieved passages, judged, turned into a verified, cited answer.

When the judge (or, without one, the retrieval score) says the passages answer the question and the
question names nothing they lack, the best evidence sentences go to the language model; every sentence it
writes is checked against the passage it cites, and unsupported ones are dropped. If nothing survives, or
no model is free in time, the sources are quoted instead, framed by who says them. An answer that rests
on something near what was asked says what the store's pages never mention. When nothing is kept, the
turn passes on (to the decline), with what verification removed left on ``turn.draft``.
"""

from __future__ import annotations

import logging
import re
from typing import Iterator

from chatbot.answer.drafting import add_note, extractive_answer, generated_answer
from chatbot.answer.extractive import gather_evidence
from chatbot.answer.generation import GenerationOptions
from chatbot.answer.grounding import names, unmatched_names, unused_terms
from chatbot.common.guards import quotable
from chatbot.common.polarity import asks_yes_no
from chatbot.common.types import Answer, Hit
from chatbot.converse.responders.base import PartsResponder
from chatbot.converse.turn import Turn
from chatbot.retrieve.judge.ranking import Judged

log = logging.getLogger(__name__)


class GroundedResponder(PartsResponder):
    name = "grounded"

    def respond(self, turn: Turn) -> Iterator[str | Answer]:
        bot, s = self.bot, self.bot.settings
        found = bot.look_up(turn)
        judged, draft = found.judged, turn.draft
        sure = judged.answers if judged is not None else found.relevance >= s.min_relevance
        if not sure or unknown_names(turn, s.max_passages):
            return
        kept = answering(found.top, judged, turn.query)[: s.max_passages]
        summed_up = summed_up_policies(found.top, kept, judged)
        evidence = gather_evidence(turn.query, kept + summed_up, bot.phrases, len(kept) + len(summed_up),
                                   s.evidence_sentences)
        # of a policy an FAQ sums up, only the sentences that limit what it says
        evidence = [ev.only(_CONDITION) if ev.hit in summed_up else ev for ev in evidence]
        evidence = [ev for ev in evidence if ev.sentences]
        # the sources must hold a sentence close to the question, whoever writes the answer (the judge, when
        # there is one, has already read the passages whole)
        best = max((x for ev in evidence for x in ev.scores), default=0.0)
        quote = judged is not None or best >= s.min_evidence
        # a small model flips a yes or no that turns on a condition ("3 hours after placing it"): for a yes/no
        # question the sources are quoted, opening with a verdict only when one is computed from them
        generator = None if asks_yes_no(turn.query) else bot.generator
        if quote and generator is not None:
            options = GenerationOptions(s.max_new_tokens, start_by=turn.start_by)
            yield from generated_answer(turn.query, evidence, generator, bot.phrases, s, draft, options,
                                        bot.verifier_support())
            # the model read the sources and found no answer: quote them only if they match strongly
            quote = (not draft.said_unknown or judged.confidence >= s.judge_strong if judged is not None else
                     best >= (s.strong_evidence if draft.said_unknown else s.min_evidence))
            if not draft.kept:
                log.info("no generated sentence kept (model said unknown: %s); %s", draft.said_unknown,
                         "quoting the sources" if quote else "abstaining")
        if quote and not draft.kept:
            yield from extractive_answer(evidence, s, draft, question=turn.query)
        if not draft.kept:
            return
        confidence = judged.confidence if judged is not None else found.relevance * (draft.support or 1.0)
        unused = unused_terms(turn.message, bot.retriever.lexical.unused_words(turn.message))
        if unused:  # "student" in "do you offer a student discount?": say the answer above is not about it
            yield add_note(draft, not_mentioned(unused, turn.message))
        answer = turn.answer(draft.text, draft, found.hits, confidence, product=turn.product,
                             origin="quoted" if draft.quoted else "model",
                             reason="model_unavailable" if draft.interrupted else None)
        # an answer cut short by a model failure is not kept: the model's own answer is better next time
        if turn.standalone and not draft.interrupted:
            bot.cache.put(turn.message, turn.product, answer, version=turn.knowledge_version)
        yield answer


def not_mentioned(terms: list[str], message: str) -> str:
    """The note that the store's information never uses some words of the question: naming them when they are
    plain words ("student"), else without repeating the shopper's words."""
    if quotable(terms, message):
        return "Our store information doesn't mention " + " or ".join(f'"{w}"' for w in terms) + "."
    return "Our store information doesn't cover the rest of your question."


def unknown_names(turn: Turn, passages: int) -> set[str]:
    """Names in the question (a brand, a product line) that none of the best passages has: the sources are
    about something else, so the bot must not answer from them."""
    return unmatched_names(turn.message, [h.chunk.embed_text for h in turn.found.top[:passages]])


# a sentence that limits the one before it: "This applies to the price on our own site only"
_CONDITION = re.compile(r"^(?:this|that|these|it|they)\b.{0,80}\b(?:only|except|excluding|excludes?|"
                        r"not (?:valid|eligible|included)|does(?:n't| not) (?:apply|cover|include))\b", re.I)


def summed_up_policies(top: list[Hit], kept: list[Hit], judged: Judged | None) -> list[Hit]:
    """Beside a best FAQ entry, the policies the judge rates at a quarter of it that ``answering`` left out: an
    FAQ sums up its policy and may drop a condition ("Can I get a price drop refunded?" without "on
    harborandpine.example only"), so the policy's conditions may still be quoted."""
    if judged is None or not top or top[0].chunk.kind != "faq":
        return []
    return [h for h in top if h not in kept and h.chunk.kind == "policy" and h.relevance >= top[0].relevance / 4]


def answering(top: list[Hit], judged: Judged | None, question: str = "") -> list[Hit]:
    """The passages an answer may rest on: with a judge, those it rates at least half as likely to answer as
    its best (the best first), and any that names what the question names when the best does not ("Do you
    ship to Alaska?": the rates for Alaska, beside the FAQ on shipping outside the US); without, the
    retrieval order."""
    if judged is None or not top:
        return top
    asked = {n.lower() for n in names(question)}
    missing = {n for n in asked if n not in top[0].chunk.text.lower()}
    return [h for h in top if h.relevance >= top[0].relevance / 2
            or any(n in h.chunk.text.lower() for n in missing)]
