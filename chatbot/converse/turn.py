"""One question on its way through the responders: what it asks, what was found for it, and its clock.

A ``Turn`` is made once per question (each part of a several-question message is its own turn). It
carries what every responder reads (the message, the standalone question, the product in focus, the
history) and what the first responder to search leaves for the next (``found``: the retrieved and
judged passages, looked up once). ``Turn.answer`` makes the ``Answer`` every responder returns, so
timings, citations and logging are the same whoever answers. It does not decide who answers.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any

from chatbot.answer.drafting import Draft
from chatbot.common.privacy import mask_pii
from chatbot.common.types import Answer, Citation, Hit
from chatbot.converse.conversation import focus_product, shown_products, standalone_question
from chatbot.retrieve.judge.ranking import Judged

log = logging.getLogger(__name__)


class Clock:
    """Stage timings of one answer: retrieve, generate, total, and time to the first piece shown."""

    def __init__(self, started: float | None = None):
        self.started = time.perf_counter() if started is None else started
        self.retrieved_at = self.started
        self.finished = self.started
        self.ttft_ms: float | None = None

    def retrieved(self) -> None:
        self.retrieved_at = time.perf_counter()

    def first(self, piece: str) -> str:
        if self.ttft_ms is None:
            self.ttft_ms = (time.perf_counter() - self.started) * 1000
        return piece

    def done(self) -> None:
        self.finished = time.perf_counter()
        if self.retrieved_at == self.started:
            self.retrieved_at = self.finished

    def latency(self) -> dict[str, float]:
        return {"retrieve": (self.retrieved_at - self.started) * 1000,
                "generate": (self.finished - self.retrieved_at) * 1000,
                "total": (self.finished - self.started) * 1000}


@dataclass
class Found:
    """The passages retrieved for a turn, reranked by the judge when it read them."""

    hits: list[Hit]  # every hit, the judged top ones first
    top: list[Hit]  # the hits an answer may draw on (``top_k``), best first
    relevance: float  # the retrieval relevance of the best hit before judging
    judged: Judged | None  # the judge's reading of ``top``; None without a judge (or when it was not asked)


@dataclass
class Turn:
    message: str  # the question as the shopper wrote it (or one part of their message)
    notice: str | None  # a note to show with the answer (the message was cut), or None
    product_id: str | None  # the product page the shopper is on
    history: list  # the conversation so far (turns, or role/content messages)
    clock: Clock
    model_wait_s: float = 0.0  # how long to wait for a free model before quoting the sources
    asker: Any = None  # who is asking (chatbot.orders.identity.Asker: conversation, client, signed-in email), or None
    knowledge_version: int = 0  # the shared knowledge version answers come from (the answer cache's key)
    query: str = field(init=False)  # the message as a standalone question (a follow-up completed from the history)
    product: str | None = field(init=False)  # the product in focus: the page's, or the one the talk is about
    shown: tuple[str, ...] = field(init=False)  # the products the last list showed ("the second one")
    start_by: float = field(init=False)  # monotonic time by which a model must have started, else sources are quoted
    vector: Any = None  # the embedded query, once something needed it
    found: Found | None = None  # retrieval and judging, once some responder looked
    draft: Draft = field(default_factory=Draft)  # what the grounded responder wrote and verification removed

    def __post_init__(self) -> None:
        self.query = standalone_question(self.message, self.history)
        self.product = focus_product(self.product_id, self.history)
        self.shown = shown_products(self.history)
        self.start_by = time.monotonic() + self.model_wait_s

    def leave_products(self) -> None:
        """Answer this question as one about the store, not about the product in focus or the products shown."""
        self.product, self.shown = None, ()

    @property
    def standalone(self) -> bool:
        """A question that stands on its own (not a follow-up, not cut): the cache and the FAQ may answer it."""
        return self.query == self.message and self.notice is None

    def answer(self, text: str, draft: Draft | None = None, hits: list[Hit] | None = None, confidence: float = 0.0,
               abstained: bool = False, handoff: bool = False, product: str | None = None, reason: str | None = None,
               origin: str = "") -> Answer:
        """The Answer for this turn, its clock stopped now."""
        draft = draft or Draft()
        hits = hits or []
        self.clock.done()
        log.info("answered %r: abstained=%s handoff=%s reason=%s", mask_pii(self.message)[:200], abstained, handoff,
                 reason)
        answered_product = product or next((h.chunk.product_id for h in draft.cited if h.chunk.product_id), None)
        return Answer(question=self.message, text=text, citations=[citation(h) for h in draft.cited],
                      confidence=max(0.0, min(1.0, confidence)), abstained=abstained, handoff=handoff,
                      retrieved=doc_ids(hits), latency_ms=self.clock.latency(), ttft_ms=self.clock.ttft_ms, hits=hits,
                      notices=[self.notice] if self.notice else [], product_id=answered_product, reason=reason,
                      removed_sentences=draft.removed, origin=origin)


def citation(hit: Hit) -> Citation:
    c = hit.chunk
    return Citation(doc_id=c.doc_id, chunk_id=c.id, title=c.title, score=hit.relevance, url=c.url,
                    excerpt=c.text[:300])


def doc_ids(hits: list[Hit]) -> list[str]:
    return list(dict.fromkeys(hit.chunk.doc_id for hit in hits))
