"""Split a message that asks two or three things into its questions, so each gets its own answer.

"Is the marble run good for a 5 year old and how much is shipping?" asks a catalog fact and a store
policy; routed whole, one of them is lost. A message is cut where a new question starts: after a
question mark, or at "and"/"also"/";" followed by a question word ("and how much...", "also do you...").
Sentences that are not questions ("I bought a tent last week.") stay with the question they explain.
No model is involved; a message with one question comes back whole.
"""

from __future__ import annotations

import re

from chatbot.common.text import sentences
from chatbot.common.types import Answer
from chatbot.config import Settings

MAX_PARTS = 3  # more than this is a long story, not a list of questions: answered whole
_QUESTION_WORD = (r"(?:how|what|what's|whats|when|where|which|who|why|do|does|did|is|are|was|can|could|will|"
                  r"would|should|may|have|has|any|shipping|returns?)")
_STARTS_QUESTION = re.compile(rf"^\s*(?:and\s+|also\s+|plus\s+|oh\s+and\s+)?{_QUESTION_WORD}\b", re.I)
_LEADING_JOIN = re.compile(r"^\s*(?:and|also|plus|oh and)\s+(?=\S)", re.I)  # "and what's..." asks on its own
_SENTENCE_END = re.compile(r"(?<=[?!.])\s+")
_JOINED_QUESTION = re.compile(rf"(?:,?\s+(?:and|also|plus)\s+|;\s*|,\s+also\s+)(?={_QUESTION_WORD}\b)", re.I)


def question_parts(message: str) -> list[str]:
    """The questions in ``message``, in order; ``[message]`` when it asks one thing (or too many)."""
    parts: list[str] = []
    context = ""  # statements waiting for the question they lead up to
    for sentence in _SENTENCE_END.split(message.strip()):
        if not _is_question(sentence):
            if parts and not context:
                parts[-1] = f"{parts[-1]} {sentence}"  # "where is order 48213? my email is ..."
            else:
                context = f"{context} {sentence}".strip()
            continue
        for piece in _JOINED_QUESTION.split(sentence):
            if len(piece.split()) < 2:  # "and?" is not a question of its own, nor the "ok" of "ok and how long ...?"
                if parts:
                    parts[-1] = f"{parts[-1]} {piece}"
                else:
                    context = f"{context} {piece}".strip()
                continue
            parts.append(f"{context} {piece}".strip())
            context = ""
    if context:
        parts = [*parts[:-1], f"{parts[-1]} {context}"] if parts else [context]
    parts = [_LEADING_JOIN.sub("", p).strip() for p in parts if p.strip()]
    return parts if 2 <= len(parts) <= MAX_PARTS else [message]


def _is_question(sentence: str) -> bool:
    return sentence.rstrip().endswith("?") or bool(_STARTS_QUESTION.match(sentence))


def combine_answers(message: str, parts: list[str], answers: list[Answer], settings: Settings,
                    notice: str | None, latency_ms: dict[str, float]) -> Answer:
    """One Answer for a message of several questions: each part's answer in turn, citations renumbered,
    and a part the store's information does not answer named by its place, with one offer of a person."""
    texts, citations, products, retrieved = [], [], [], []
    declined = []
    handed_off = False
    for number, (part, answer) in enumerate(zip(parts, answers)):
        if answer.handoff:
            if not handed_off:  # one hand-off message says it for every part that needs a person
                texts.append(answer.text)
            handed_off = True
        elif answer.origin == "declined":
            declined.append(part)
            texts.append(_declined_part(number, answer, settings))
        else:
            text = _CITATION.sub(lambda m: _renumbered(m, answer.citations, citations), answer.text)
            if answer.abstained:  # "the catalog doesn't list that...": the offer of a person comes once, below
                declined.append(part)
                text = _OFFER.sub("", text).strip()
            said = {s for earlier in texts for s in sentences(earlier)}
            if not set(sentences(text)) <= said:  # a part answered by what an earlier part's answer said already
                texts.append(text)
        products += [p for p in answer.products if p["id"] not in {q["id"] for q in products}]
        retrieved += [d for d in answer.retrieved if d not in retrieved]
    handoff = handed_off
    if declined and not handoff:
        texts.append(f"Would you like me to connect you with a person about {'that' if len(declined) == 1 else 'those'}"
                     f"? You can also reach us at {settings.support_contact}.")
    every_part_declined = len(declined) == len(answers)  # (a hand-off part is not declined)
    return Answer(question=message, text="\n\n".join(texts), citations=citations,
                  confidence=min(a.confidence for a in answers), abstained=all(a.abstained for a in answers),
                  handoff=handoff, retrieved=retrieved, latency_ms=latency_ms,
                  hits=[h for a in answers for h in a.hits], notices=[notice] if notice else [],
                  product_id=next((a.product_id for a in reversed(answers) if a.product_id), None),
                  reason=next((a.reason for a in answers if a.reason), None) if every_part_declined or handoff
                  else ("partly_answered" if declined else None),
                  removed_sentences=sum(a.removed_sentences for a in answers),
                  origin="+".join(dict.fromkeys(a.origin for a in answers)), products=products)


_CITATION = re.compile(r"\[(\d+)\]")
_OFFER = re.compile(r"\s*Would you like me to connect you with a person.*$", re.S)


def _renumbered(marker: re.Match, own: list, combined: list) -> str:
    """A part's "[n]" as its number in the combined list; a document already cited keeps its first number
    (one page is one source, whichever of its sections each part quoted)."""
    n = int(marker.group(1))
    if not 1 <= n <= len(own):
        return marker.group(0)
    citation = own[n - 1]
    for i, earlier in enumerate(combined, 1):
        if earlier.doc_id == citation.doc_id:
            return f"[{i}]"
    combined.append(citation)
    return f"[{len(combined)}]"


_ORDINALS = ("first", "second", "third")  # MAX_PARTS of them


def _declined_part(number: int, answer: Answer, settings: Settings) -> str:
    """What a part that nothing answers gets: named by its place, never quoted (whatever a shopper writes is
    not said back in the store's voice)."""
    which = f"your {_ORDINALS[number]} question"
    if answer.reason == "off_topic":
        return f"I can't help with {which}: I only answer questions about {settings.store_name}."
    return f"I couldn't find an answer to {which} in our store information, so I don't want to guess."
