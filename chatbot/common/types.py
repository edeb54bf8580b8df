"""Plain dataclasses that travel between the pipeline stages.

Document -> Chunk (after splitting) -> Hit (after retrieval) -> Answer.
They hold data only; no stage logic lives here.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Document:
    """One unit of store knowledge: a policy page, a product, a review, an FAQ pair."""

    id: str  # stable id: relative path for files, "product:<id>", "review:<id>", "faq:<slug>"
    title: str
    text: str
    kind: str  # policy, faq, product, review, help, or any source label
    product_id: str | None = None  # set for products and the reviews/snippets about one
    url: str | None = None
    source: str | None = None  # the file (or file:line) it came from
    meta: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Chunk:
    """A retrievable piece of a Document, with the document's metadata copied in."""

    id: str  # content hash of doc_id + embed_text: same input, same id
    doc_id: str
    text: str  # what is shown and quoted
    embed_text: str  # what is embedded and searched: title and section path + text
    title: str
    kind: str
    section: str = ""  # heading path inside the document, e.g. "Refunds > Timing"
    product_id: str | None = None
    url: str | None = None
    source: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass
class Hit:
    """A chunk returned by retrieval, with its scores."""

    chunk: Chunk
    score: float  # fused ranking score (higher is better); only comparable within one search
    relevance: float  # calibrated-ish relevance in [0, 1] for the answer/abstain decision
    dense_score: float | None = None  # cosine similarity to the query, when dense search saw it
    lexical_score: float | None = None  # BM25 score, when lexical search saw it


@dataclass
class Citation:
    """A source an answer relies on."""

    doc_id: str
    chunk_id: str
    title: str
    score: float
    url: str | None = None
    excerpt: str = ""


@dataclass
class Answer:
    """What every face of the bot receives for one question."""

    question: str
    text: str
    citations: list[Citation]
    confidence: float
    abstained: bool
    handoff: bool
    retrieved: list[str]  # document ids, best first, deduplicated
    latency_ms: dict[str, float]
    ttft_ms: float | None = None
    hits: list[Hit] = field(default_factory=list, repr=False)
    notices: list[str] = field(default_factory=list)  # e.g. "your message was cut to 2,000 characters"
    product_id: str | None = None  # the product this answer was about, to carry into the next turn
    reason: str | None = None  # why it abstained or handed off (off_topic, not_in_sources, asked_for_person, ...),
    #                            or model_unavailable when the model failed or was busy and the answer was quoted
    removed_sentences: int = 0  # generated sentences that verification dropped
    origin: str = ""  # how it was answered: model, quoted, faq, cache, catalog, handoff or declined
    products: list[dict[str, Any]] = field(default_factory=list)  # product cards: {id, name, price, url?, rating?}

    def to_result(self, question_id: str | None = None) -> dict[str, Any]:
        """The result JSON contract of DESIGN.md (``ask --json``, ``eval --out``)."""
        return {
            "id": question_id,
            "question": self.question,
            "answer": self.text,
            "abstained": self.abstained,
            "handoff": self.handoff,
            "confidence": round(self.confidence, 4),
            "citations": [
                {"doc_id": c.doc_id, "chunk_id": c.chunk_id, "title": c.title, "score": round(c.score, 4)}
                for c in self.citations
            ],
            "retrieved": self.retrieved,
            "latency_ms": {k: round(v, 2) for k, v in self.latency_ms.items()},
            "ttft_ms": None if self.ttft_ms is None else round(self.ttft_ms, 2),
            "products": self.products,
        }
