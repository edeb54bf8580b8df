"""The Chatbot object every face uses: question in, grounded Answer out.

It owns the embedder, the loaded index and the retriever, all created on
first use. For now it answers extractively (the best supporting passage,
cited) and abstains when nothing relevant enough was found. Loading files
and building the index live in ``indexer``.
"""

from __future__ import annotations

import threading
import time

from .config import Settings
from .embedding import Embedder, SentenceTransformerEmbedder
from .errors import ConfigError, InputError
from .extractive import quote_best_passage
from .retrieval import Filters, HybridRetriever
from .store import KnowledgeIndex
from .types import Answer, Citation, Hit

ABSTAIN_TEXT = ("I couldn't find that in our store information, so I don't want to guess. "
                "Would you like me to connect you with a person?")
GENERATORS = ("extractive",)


def make_embedder(settings: Settings) -> Embedder:
    return SentenceTransformerEmbedder(settings.embedder, batch_size=settings.embed_batch_size,
                                       device=settings.device)


class Chatbot:
    def __init__(self, settings: Settings | None = None, embedder: Embedder | None = None,
                 index: KnowledgeIndex | None = None):
        self.settings = settings or Settings.load()
        if self.settings.generator not in GENERATORS:
            raise ConfigError(f"unknown generator {self.settings.generator!r}; available: {', '.join(GENERATORS)}")
        self.embedder = embedder or make_embedder(self.settings)
        self._index = index
        self._retriever: HybridRetriever | None = None
        self._lock = threading.Lock()

    @property
    def retriever(self) -> HybridRetriever:
        with self._lock:
            if self._retriever is None:
                if self._index is None:
                    self._index = KnowledgeIndex.load(self.settings.index_dir, self.embedder.name,
                                                      self.embedder.dimension)
                self._retriever = HybridRetriever(self._index, self.embedder, self.settings)
            return self._retriever

    def warm_up(self) -> None:
        """Load the index and the embedder now rather than on the first question."""
        self.retriever.search("warm up", k=1)

    def ask(self, question: str, product_id: str | None = None) -> Answer:
        question = _clean_question(question, self.settings.max_question_chars)
        retriever = self.retriever  # loads the index and model on first use, outside the timings
        started = time.perf_counter()
        hits = retriever.search(question, filters=Filters(product_id=product_id))
        retrieved_at = time.perf_counter()
        top = hits[: self.settings.top_k]
        confidence = top[0].relevance if top else 0.0
        if not top or confidence < self.settings.min_relevance:
            text, citations, abstained = ABSTAIN_TEXT, [], True
        else:
            text = quote_best_passage(question, top[0], self.settings.max_answer_chars)
            citations, abstained = [_citation(top[0])], False
        done = time.perf_counter()
        return Answer(question=question, text=text, citations=citations, confidence=confidence,
                      abstained=abstained, handoff=False, retrieved=_doc_ids(hits),
                      latency_ms={"retrieve": (retrieved_at - started) * 1000, "generate": (done - retrieved_at) * 1000,
                                  "total": (done - started) * 1000},
                      ttft_ms=(done - started) * 1000, hits=top)


def _clean_question(question: str, limit: int) -> str:
    if not isinstance(question, str) or not question.strip():
        raise InputError("the question is empty; type what you would like to know")
    return question.strip()[:limit]


def _citation(hit: Hit) -> Citation:
    c = hit.chunk
    return Citation(doc_id=c.doc_id, chunk_id=c.id, title=c.title, score=hit.relevance, url=c.url,
                    excerpt=c.text[:300])


def _doc_ids(hits: list[Hit]) -> list[str]:
    seen: dict[str, None] = {}
    for hit in hits:
        seen.setdefault(hit.chunk.doc_id, None)
    return list(seen)
