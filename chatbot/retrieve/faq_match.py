"""Answer a message that asks what an FAQ entry asks with that entry's answer, without the model.

The store wrote its FAQ answers itself, so when a shopper's message says the
same thing as an FAQ question (cosine of the two embeddings at or above
``threshold``) the stored answer is the best reply there is, and it costs
one dot product instead of a generation. The FAQ questions are embedded once
per index. Deciding whether to use a match (follow-ups, product pages) is
the pipeline's job.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass

import numpy as np

from chatbot.common.types import Chunk, Hit
from chatbot.ingest.embedding import Embedder
from chatbot.ingest.store import KnowledgeIndex
from chatbot.retrieve.judge.features import content_stems


@dataclass
class FaqMatch:
    hit: Hit  # the FAQ chunk, with the similarity as its relevance
    answer: str  # the stored answer text alone (no "Q:"/"A:")
    added: frozenset[str] = frozenset()  # stems the shopper's question adds to the FAQ's ("expedit")


def faq_answer(chunk: Chunk) -> str:
    """The answer part of an FAQ chunk ("Q: ...\\nA: ..."), or the whole text when it has no "A:"."""
    _, sep, answer = chunk.text.partition("\nA: ")
    return (answer if sep else chunk.text).strip()


class FaqMatcher:
    def __init__(self, index: KnowledgeIndex, embedder: Embedder, threshold: float):
        self.index = index
        self.embedder = embedder
        self.threshold = threshold
        self._chunks: list[Chunk] | None = None
        self._vectors: np.ndarray | None = None
        self._lock = threading.Lock()

    def _load(self) -> tuple[list[Chunk], np.ndarray]:
        with self._lock:
            if self._chunks is None:
                chunks = [c for c in self.index.chunks if c.kind == "faq" and faq_answer(c) and c.title.strip()]
                vectors = (self.embedder.embed([c.title for c in chunks]) if chunks
                           else np.zeros((0, self.embedder.dimension), np.float32))
                self._chunks, self._vectors = chunks, np.asarray(vectors, dtype=np.float32)
            return self._chunks, self._vectors

    def match(self, query_vector: np.ndarray, product_id: str | None = None) -> FaqMatch | None:
        """The closest FAQ entry at or above the threshold (store-wide or for ``product_id``), else None."""
        chunks, vectors = self._load()
        if not chunks:
            return None
        scores = vectors @ np.asarray(query_vector, dtype=np.float32)
        for pos in np.argsort(-scores, kind="stable"):
            if scores[pos] < self.threshold:
                return None
            chunk = chunks[int(pos)]
            if chunk.product_id in (None, "", product_id):  # another product's FAQ never answers for this one
                score = float(scores[pos])
                return FaqMatch(Hit(chunk=chunk, score=score, relevance=score, dense_score=score), faq_answer(chunk))
        return None


# a condition the shopper adds around a question ("..., if I just changed my mind?"): the FAQ's answer states
# its own cases, so the condition is the shopper's case, not another question
_LEADING_CONDITION = re.compile(r"^\W*(?:if|when)\b[^,?]*,\s*", re.IGNORECASE)
_TRAILING_CONDITION = re.compile(r"\s+\b(?:if|when|because|since)\b[^?]*", re.IGNORECASE)


def covering_faq(question: str, hit: Hit, least: float) -> FaqMatch | None:
    """The FAQ entry a longer question asks within ("do I have to pay for return shipping if I just changed my
    mind?" asks "Do I have to pay for return shipping?"), as a match, or None. ``hit`` is the judge's best
    passage, with its probability as relevance: it must be an FAQ entry rated at least ``least``, every content
    word of its question must be in the shopper's, and the shopper's other words (past an added condition) must
    be none, or some of them in the entry's answer ("... to Canada?" and "shipping to Canada is $19.99")."""
    chunk = hit.chunk
    answer = faq_answer(chunk)
    if chunk.kind != "faq" or hit.relevance < least or not answer or not chunk.title.strip():
        return None
    asked = content_stems(chunk.title)
    if not asked or not asked <= content_stems(question):
        return None
    extra = added_words(question, chunk)
    if extra and not extra & content_stems(answer):
        return None
    return FaqMatch(hit, answer, added=frozenset(extra))


def added_words(question: str, chunk: Chunk) -> set[str]:
    """The content stems of ``question`` (past a condition it adds around itself) that the FAQ entry's
    question lacks: "expedit" in "do you ship expedited to a PO box?" against "Can you ship to a PO box?"."""
    core = _TRAILING_CONDITION.sub("", _LEADING_CONDITION.sub("", question))
    return content_stems(core) - content_stems(chunk.title)


def answers_added(question: str, chunk: Chunk) -> bool:
    """Whether the FAQ entry's answer speaks to every case the question adds, all of its words there ("does
    the warranty cover a product I dropped?" is not answered by a list of what the warranty covers that
    never mentions drops). A time or amount ("5pm", "$20") is a case of the rule the answer states."""
    cases = {w for w in added_words(question, chunk) - _PLAIN_VERBS
             if not any(c.isdigit() for c in w)}  # "5pm": a case of the rule the answer states
    return cases <= content_stems(faq_answer(chunk))


_PLAIN_VERBS = content_stems("go goes get gets come comes use work make need want still also really")
