"""BM25 keyword search over chunk texts, using the bm25s library.

Complements dense search: exact product names, SKUs, numbers and rare
words that embeddings blur. Built in memory from the chunks when an index is
opened (fast: thousands of chunks per second). Fusion is done elsewhere.
"""

from __future__ import annotations

import logging

import bm25s
import numpy as np
import Stemmer

logging.getLogger("bm25s").setLevel(logging.WARNING)  # it sets itself to DEBUG and logs every index build


class LexicalIndex:
    """BM25 scores for every chunk at once, so callers can mask by metadata before ranking."""

    def __init__(self, texts: list[str], language: str = "english"):
        self._stemmer = Stemmer.Stemmer(language)
        self.size = len(texts)
        self._bm25 = bm25s.BM25()
        self._vocab: set[str] = set()
        if texts:
            tokens = self._tokenize(texts)
            self._vocab = {t for doc in tokens for t in doc}
            if self._vocab:
                self._bm25.index(tokens, show_progress=False)

    def _tokenize(self, texts: list[str]) -> list[list[str]]:
        return bm25s.tokenize(texts, lower=True, stopwords="en", stemmer=self._stemmer, return_ids=False,
                              show_progress=False)

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of each chunk for ``query``; all zeros when no query word is in the index."""
        words = [t for t in self._tokenize([query])[0] if t in self._vocab]
        if not words:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._bm25.get_scores(words), dtype=np.float32)
