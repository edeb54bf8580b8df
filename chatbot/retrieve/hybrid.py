"""Hybrid retrieval: dense (FAISS) and lexical (BM25) rankings fused by weighted reciprocal rank.

Filters narrow the pool before ranking: ``product_id`` keeps that product's
documents plus every store-wide document (no product_id, e.g. policies and
the FAQ), which is what a shopper on a product page needs; ``kinds`` keeps
only the listed document kinds. Each Hit carries a fused rank score and a
relevance in [0, 1] (cosine similarity to the query) for the answer/abstain
decision. Choosing to answer is not done here.
"""

from __future__ import annotations

from dataclasses import dataclass

import faiss
import numpy as np

from chatbot.common.types import Hit
from chatbot.config import Settings
from chatbot.ingest.embedding import Embedder
from chatbot.ingest.store import KnowledgeIndex
from chatbot.retrieve.lexical import LexicalIndex


@dataclass(frozen=True)
class Filters:
    product_id: str | None = None  # this product's documents + store-wide ones
    kinds: tuple[str, ...] | None = None  # only these document kinds


class HybridRetriever:
    def __init__(self, index: KnowledgeIndex, embedder: Embedder, settings: Settings | None = None):
        self.index = index
        self.embedder = embedder
        self.settings = settings or Settings()
        chunks = index.chunks
        self.lexical = LexicalIndex([c.embed_text for c in chunks])
        self._product_ids = np.array([c.product_id or "" for c in chunks], dtype=object)
        self._kinds = np.array([c.kind for c in chunks], dtype=object)
        self.kinds = frozenset(self._kinds.tolist())  # the document kinds the index holds

    def allowed(self, filters: Filters | None) -> np.ndarray:
        """Boolean mask over chunk positions that the filters let through."""
        mask = np.ones(len(self.index.chunks), dtype=bool)
        if filters and filters.product_id:
            mask &= (self._product_ids == filters.product_id) | (self._product_ids == "")
        if filters and filters.kinds:
            mask &= np.isin(self._kinds, list(filters.kinds))
        return mask

    def search(self, query: str, k: int | None = None, filters: Filters | None = None,
               vector: np.ndarray | None = None) -> list[Hit]:
        """Up to ``k`` chunk hits (default: the candidate pool), best first. ``vector``: the query's embedding,
        when the caller already has it."""
        s = self.settings
        mask = self.allowed(filters)
        pool = int(mask.sum())
        if pool == 0 or not query.strip():
            return []
        depth = min(s.candidate_k, pool)
        qv = self.embedder.embed([query])[0] if vector is None else vector
        dense = self._dense(qv, depth, mask, pool)
        lex_scores = np.where(mask, self.lexical.scores(query), 0.0)
        lexical = self._lexical(lex_scores, depth)
        fused: dict[int, float] = {}
        for weight, ranking in ((s.dense_weight, dense), (s.lexical_weight, lexical)):
            for rank, pos in enumerate(ranking):
                fused[pos] = fused.get(pos, 0.0) + weight / (s.rrf_k + rank + 1)
        if filters and filters.product_id:
            # On a product page the page itself is the first place to look: each of its chunks
            # counts as ranked first in a third ranking (all tied, so no order among them is implied).
            page = mask & (self._product_ids == filters.product_id) & (self._kinds == "product")
            for pos in np.flatnonzero(page).tolist():
                fused[pos] = fused.get(pos, 0.0) + s.focus_weight / (s.rrf_k + 1)
        order = sorted(fused, key=lambda p: (-fused[p], p))[: k or depth]
        cosines = self._cosines(qv, order)
        relevance = cosines
        product_name = self._focus_name(filters)
        if product_name:
            # "Does it need batteries?" is about the product in focus: judge relevance with its name in.
            named = self.embedder.embed([f"{product_name}: {query}"])[0]
            relevance = np.maximum(cosines, self._cosines(named, order))
        hits = []
        for pos, cosine, rel in zip(order, cosines, relevance):
            hits.append(Hit(chunk=self.index.chunks[pos], score=fused[pos], relevance=float(np.clip(rel, 0.0, 1.0)),
                            dense_score=float(cosine),
                            lexical_score=float(lex_scores[pos])))
        return hits

    def _dense(self, qv: np.ndarray, depth: int, mask: np.ndarray, pool: int) -> list[int]:
        params = None
        if pool < len(mask):
            params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(np.flatnonzero(mask).astype(np.int64)))
        _, ids = self.index.faiss.search(qv[None, :], depth, params=params)
        return [int(i) for i in ids[0] if i >= 0]

    @staticmethod
    def _lexical(scores: np.ndarray, depth: int) -> list[int]:
        top = np.argsort(-scores, kind="stable")[:depth]
        return [int(p) for p in top if scores[p] > 0]

    def _cosines(self, qv: np.ndarray, positions: list[int]) -> np.ndarray:
        if not positions:
            return np.zeros(0, dtype=np.float32)
        return np.stack([self.index.faiss.reconstruct(p) for p in positions]) @ qv

    def _focus_name(self, filters: Filters | None) -> str | None:
        """The name of the product in focus, when the question is scoped to one the index knows."""
        if not filters or not filters.product_id:
            return None
        doc = self.index.documents.get(f"product:{filters.product_id}")
        return doc.title if doc is not None else None
