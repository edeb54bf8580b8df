"""BM25 keyword search over chunk texts, using the bm25s library.

Complements dense search: exact product names, SKUs, numbers and rare
words that embeddings blur. Built in memory from the chunks when an index is
opened (fast: thousands of chunks per second). Fusion is done elsewhere.
"""

from __future__ import annotations

import logging
import re

import bm25s
import numpy as np
import Stemmer
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

# words of a message that say nothing about what it asks
_FILLER = frozenset("hey hello hiya guys folks please pls thanks thank info question questions wondering curious "
                    "anyone somebody someone okay yeah monday tuesday wednesday thursday friday saturday sunday "
                    "january february march april may june july august september october november december "
                    "today tomorrow tonight morning afternoon evening weekend".split())

# the word after "how" in a question of degree ("how long does delivery take?"): what is asked, not a topic the
# store's pages must name
_HOW_MUCH = re.compile(r"\bhow\s+(?:long|soon|far|big|large|small|late|early|old|fast|quick(?:ly)?|heavy|tall|"
                       r"wide|often|hot|warm|cold)\b", re.IGNORECASE)

# stop words as shoppers type them without the apostrophe ("whats", "dont"): never what a question is about
_SAID_WITHOUT_APOSTROPHE = frozenset(w.replace("'", "") for w in (
    "what's how's where's who's when's why's that's there's it's i'm i've i'd i'll you're you've we're they're "
    "don't doesn't didn't can't won't isn't aren't wasn't weren't couldn't shouldn't wouldn't haven't hasn't "
    "let's".split()))

logging.getLogger("bm25s").setLevel(logging.WARNING)  # it sets itself to DEBUG and logs every index build


def _one_edit_away(word: str, vocabulary: set[str]) -> bool:
    """Whether a word one letter dropped, added, changed or swapped away is in ``vocabulary`` (a few hundred
    lookups, however large the store's vocabulary is)."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    edits = ([a + b[1:] for a, b in splits if b] + [a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1]
             + [a + c + b[1:] for a, b in splits if b for c in letters] + [a + c + b for a, b in splits for c in letters])
    return any(e in vocabulary for e in edits if e != word)


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

    def unused_words(self, text: str) -> list[str]:
        """The words of ``text`` (as written) that no indexed chunk uses in any form: "student" in
        "Do you offer a student discount?" when the store's pages never say it. Stop words, greetings and
        adverbs ("hey", "internationally") never count, nor a word one letter away from one the pages use (a
        typo: "Canda")."""
        written = {}
        text = _HOW_MUCH.sub("how", text)  # "how long", "how soon": asking how much, not about length or soon
        for word in re.findall(r"[A-Za-z][A-Za-z'-]{2,}", text):
            lower = word.lower()
            if lower not in written and lower not in _FILLER and lower not in ENGLISH_STOP_WORDS \
                    and lower not in _SAID_WITHOUT_APOSTROPHE and not lower.endswith("ly"):
                written[lower] = word
        if not written:
            return []
        out = []
        for (lower, word), stems in zip(written.items(), self._tokenize(list(written))):  # one call for all
            if stems and not any(t in self._vocab or _one_edit_away(t, self._vocab) for t in stems):
                out.append(word)
        return out

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of each chunk for ``query``; all zeros when no query word is in the index."""
        words = [t for t in self._tokenize([query])[0] if t in self._vocab]
        if not words:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._bm25.get_scores(words), dtype=np.float32)
