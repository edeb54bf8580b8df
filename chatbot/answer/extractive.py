"""Answer without a language model: compose the answer from the sources' best sentences.

Sentences of the top passages (their evidence) are scored by embedding similarity to the
question (plus a little word overlap), and the best ones are quoted, each
with its source; ``framing`` says who is speaking (the store, a reviewer, another
customer). Nothing is written that a source does not say, so it cannot
invent a policy, a price or a spec. It is the ``extractive`` generator and the
fallback when a model's answer does not survive verification. Deciding
whether to answer at all is the pipeline's job.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from chatbot.answer.framing import clean_passage_text, source_type
from chatbot.common.guards import strip_instructions
from chatbot.common.text import LIST_ITEM, cut_at_clause, join_lists, sentences, whole_sentence
from chatbot.common.types import Hit
from chatbot.ingest.embedding import Embedder
from chatbot.retrieve.judge.support import OPPOSITES

_WORD = re.compile(r"[a-z0-9]+")
_HEADER = re.compile(r"Product( ID)?: ")
# When two sources say the same thing, quote the one that is the source of truth.
AUTHORITY = {"policy": 0.04, "product": 0.04, "faq": 0.02}
# the same, by who is speaking (``framing.source_type``): a listed fact over a customer's word for it
_SPEAKER_AUTHORITY = {"policy": 0.04, "description": 0.04, "attribute": 0.04, "faq": 0.02}
_STOP = frozenset("a an and are as at be by can do does for from has have how i if in is it its of on or our "
                  "the their this to we what when where which who why will with you your".split())


_SELF_CONTAINED = re.compile(r"^[A-Z][\w&'-]*(?: [\w&'-]+)? (?:is|are|can|can't|cannot|will|won't|must|may|do|don't|"
                             r"does|doesn't|has|have|ship|ships|get|gets)\b")


def _words(text: str) -> set[str]:
    return {w[:6] for w in _WORD.findall(text.lower()) if w not in _STOP}  # crude stem: first 6 letters


def _shared(asked: set[str], said: set[str]) -> int:
    """Words of the question the sentence says. A negated form counts twice: "unused" speaks to the very case
    "an item I've used" turns on, "non-refundable" to "refundable"."""
    return len(asked & said) + 2 * len({w for w in asked - said if f"un{w}"[:6] in said or f"non{w}"[:6] in said})


# a name inside the question ("Alaska", "Canada"): capitalised, not the sentence's first word
_NAMED = re.compile(r"(?<=[a-z,] )[A-Z][a-z]+")


_ASIDE = re.compile(r"^\s*[(\[][^()\[\]]*[)\]][.!?]?\s*$")


def source_sentences(hit: Hit) -> list[str]:
    """The quotable sentences of a hit: FAQ answers without their question, no planted instructions, and
    (``framing.clean_passage_text``) no embedded question, markup or raw attribute notation."""
    text = hit.chunk.text
    if hit.chunk.kind == "faq" and "\nA: " in text:
        text = text.split("\nA: ", 1)[1]  # the question is the title; quote the answer half
    text = clean_passage_text(strip_instructions(text), source_type(hit.chunk))
    # a list item that says its own subject ("Gift cards are final sale and can't be returned.") is quotable on
    # its own too: folded into its list's one long sentence, it matches the question it answers only weakly
    whole_items = [m.group(1).strip() for m in map(LIST_ITEM.match, text.split("\n"))
                   if m and _SELF_CONTAINED.search(m.group(1)) and len(m.group(1).split()) >= 5]
    text = join_lists(text, hit.chunk.section.rsplit(" > ", 1)[-1])
    # a product record's "Product: name" / "Product ID: …" header lines name it, they answer nothing
    # ... nor does an aside in brackets standing alone ("(trailhead merino tee, order 1012)")
    found = [s for s in sentences(text) if len(_WORD.findall(s.lower())) >= 2 and not _HEADER.match(s)
             and not _ASIDE.match(s)]
    return found + [item if item.endswith((".", "!", "?")) else item + "." for item in whole_items]


@dataclass
class Evidence:
    """The sentences of one hit that best match the question, in source order, with their embeddings."""

    hit: Hit
    sentences: list[str]
    vectors: np.ndarray  # one row per sentence, unit length
    scores: list[float]  # match to the question, same order as ``sentences``

    @property
    def heading(self) -> str:
        c = self.hit.chunk
        return f"{c.title} > {c.section}" if c.section else c.title

    @property
    def text(self) -> str:
        return f"{self.heading}: {' '.join(self.sentences)}"

    def without(self, pattern: re.Pattern) -> "Evidence":
        """This evidence without the sentences ``pattern`` finds (the store's own address, in an agent's draft)."""
        return self._keeping([i for i, sentence in enumerate(self.sentences) if not pattern.search(sentence)])

    def only(self, pattern: re.Pattern) -> "Evidence":
        """This evidence with only the sentences ``pattern`` finds (a policy's conditions)."""
        return self._keeping([i for i, sentence in enumerate(self.sentences) if pattern.search(sentence)])

    def best(self, n: int) -> "Evidence":
        """This evidence cut to its ``n`` best sentences, still in source order."""
        return self._keeping(sorted(sorted(range(len(self.sentences)), key=lambda i: -self.scores[i])[:n]))

    def _keeping(self, keep: list[int]) -> "Evidence":
        return Evidence(self.hit, [self.sentences[i] for i in keep], self.vectors[keep], [self.scores[i] for i in keep])


def gather_evidence(question: str, hits: list[Hit], embedder: Embedder, passages: int = 3,
                    per_passage: int = 3) -> list[Evidence]:
    """For the top ``passages`` hits, their ``per_passage`` best sentences; one embedding call for all.

    Short evidence keeps a small model on topic, its prompt quick to read, and verification cheap.
    """
    pools = [(hit, source_sentences(hit)) for hit in hits[:passages]]
    pools = [(hit, sents) for hit, sents in pools if sents]
    flat = [s for _, sents in pools for s in sents]
    if not flat:
        return []
    vectors = embedder.embed([question] + flat)
    asked = _words(question)
    named = {w.lower() for w in _NAMED.findall(question)}
    evidence, offset = [], 1
    for hit, sents in pools:
        block = vectors[offset: offset + len(sents)]
        offset += len(sents)
        # a sentence about the opposite case ("after 2pm" for "if I order before 2pm") comes after the asked one
        scores = [float(v @ vectors[0]) + 0.05 * _shared(asked, _words(s)) + 0.02 * hit.relevance
                  + 0.1 * len(named & set(_WORD.findall(s.lower())))  # "Alaska" asked, "Alaska" said
                  + AUTHORITY.get(hit.chunk.kind, 0.0) - 0.05 * _contrasts(question, s) for v, s in zip(block, sents)]
        keep = sorted(sorted(range(len(sents)), key=lambda i: -scores[i])[:per_passage])  # best, in source order
        evidence.append(Evidence(hit, [sents[i] for i in keep], block[keep], [scores[i] for i in keep]))
    return evidence


@dataclass
class Quote:
    text: str
    hit: Hit
    score: float


def compose(evidence: list[Evidence], max_chars: int = 700, max_sentences: int = 3, question: str = "") -> list[Quote]:
    """The best-matching evidence sentences, best first, within ``max_chars``, without repeats.

    Each is a whole sentence: one longer than ``max_chars`` is passed over for the next good one, and cut
    (at a clause, with "…") only when nothing else fits."""
    candidates = [(s, ev.hit, v, score) for ev in evidence for s, v, score in zip(ev.sentences, ev.vectors, ev.scores)]
    if not candidates:
        return []
    order = sorted(range(len(candidates)), key=lambda i: -candidates[i][3])
    best = candidates[order[0]][3]
    quotes: list[Quote] = []
    chosen: list[int] = []
    length = 0
    for i in order:
        text, hit, vector, score = candidates[i]
        twin = next((k for k, j in enumerate(chosen) if float(vector @ candidates[j][2]) > 0.85
                     and not _contrasts(text, candidates[j][0])), None)
        if twin is not None:
            # the same statement again (a policy and its FAQ often agree): cite the source of truth
            if _authority(hit) > _authority(quotes[twin].hit):
                quotes[twin] = Quote(_sentence(text, max_chars), hit, quotes[twin].score)
                chosen[twin] = i
            continue
        if any(_restates(text, candidates[j][0]) for j in chosen):
            continue  # said already, in other words or inside a longer list ("never expire" and the card's list)
        # a weaker match still counts when it says a phrase of the question no quote says yet: "a different
        # product" is what "Can I exchange it for a different product?" turns on, not "a different size"
        asked = score >= best - 0.3 and _says_asked_phrase(question, text, [q.text for q in quotes])
        if (score < best - 0.12 and not asked) or len(quotes) >= max_sentences:
            continue
        if length + len(text) > max_chars:  # too long to quote whole: another sentence may say it
            continue
        chosen.append(i)
        quotes.append(Quote(_sentence(text, max_chars), hit, score))
        length += len(text) + 1
    if not quotes:  # every good sentence is over the limit: the best one, cut at a clause
        text, hit, _, score = candidates[order[0]]
        quotes.append(Quote(_sentence(text, max_chars), hit, score))
    return quotes


def _says_asked_phrase(question: str, text: str, said: list[str]) -> bool:
    """Whether ``text`` holds two words that stand together in the question ("different product") and no
    sentence in ``said`` does."""
    words = [w for w in _WORD.findall(question.lower())]
    pairs = {f"{a} {b}" for a, b in zip(words, words[1:]) if a not in _STOP and b not in _STOP}
    plain = " ".join(_WORD.findall(text.lower()))
    return any(p in plain and not any(p in " ".join(_WORD.findall(s.lower())) for s in said) for p in pairs)


def _restates(one: str, other: str) -> bool:
    """Whether the shorter sentence's words are nearly all in the longer ("email us your order number and a
    photo" and "email support@... with your order number and a photo"): the same statement, worded apart."""
    a, b = _words(one), _words(other)
    small = min(len(a), len(b))
    return small >= 4 and len(a & b) >= 0.8 * small


def _contrasts(one: str, other: str) -> bool:
    """Whether two close sentences state opposite cases ("Orders placed before 2pm ... ship the same day" and
    "Orders placed after 2pm ... ship the next business day"): both may answer, neither stands for the other."""
    a, b = set(_WORD.findall(one.lower())), set(_WORD.findall(other.lower()))
    return any((x in a and y in b and x not in b) or (y in a and x in b and y not in b)
               for x, y in OPPOSITES if " " not in x + y)


def _authority(hit: Hit) -> float:
    return _SPEAKER_AUTHORITY.get(source_type(hit.chunk), 0.0)


def _sentence(text: str, max_chars: int) -> str:
    return whole_sentence(cut_at_clause(text, max_chars))
