"""Verified answers kept by question, so the same question is answered at once the next time.

The key is the normalised question (case, punctuation and spacing ignored),
its scope (the product in focus, or the whole store) and the knowledge
version the answer came from: a re-index on any replica raises the shared
version, so once this replica answers from it no earlier answer is replayed
(``chatbot.data.knowledge_share``). An entry is served
only while every chunk it cites is still in the live index: chunk ids are
content hashes, so re-indexing a changed document drops exactly the answers
that cited it, and answers citing untouched documents stay. Only answers
worth repeating are stored (the pipeline decides: no abstentions, hand-offs,
follow-ups or answers cut short by a model failure). In memory, bounded,
least recently used out first; thread-safe.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import replace
from typing import Callable

from chatbot.common.types import Answer

_NOT_WORD = re.compile(r"[^\w$%.]+|(?<!\d)\.|\.(?!\d)")


def normalise(question: str) -> str:
    """``"  What's your RETURN policy??"`` -> ``"what s your return policy"``; numbers keep their dots."""
    return " ".join(_NOT_WORD.sub(" ", question.lower()).split())


class AnswerCache:
    def __init__(self, max_entries: int = 2000):
        self.max_entries = max_entries
        self._entries: OrderedDict[tuple[str, str, int], Answer] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    @staticmethod
    def key(question: str, product_id: str | None, version: int = 0) -> tuple[str, str, int]:
        return normalise(question), product_id or "", version

    def get(self, question: str, product_id: str | None, is_live: Callable[[str], bool],
            version: int = 0) -> Answer | None:
        """The stored answer of knowledge ``version`` if every chunk it cites passes ``is_live``; a stale one is
        dropped."""
        key = self.key(question, product_id, version)
        with self._lock:
            answer = self._entries.get(key)
            if answer is not None and not all(is_live(c.chunk_id) for c in answer.citations):
                del self._entries[key]
                answer = None
            if answer is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return answer

    def put(self, question: str, product_id: str | None, answer: Answer, version: int = 0) -> None:
        if self.max_entries <= 0 or not answer.citations:
            return
        stored = replace(answer, hits=[], notices=[])  # the hits are large; the citations are what is checked
        key = self.key(question, product_id, version)
        with self._lock:
            self._entries[key] = stored
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def stats(self) -> dict[str, float]:
        with self._lock:
            looked = self.hits + self.misses
            return {"entries": len(self._entries), "max_entries": self.max_entries, "hits": self.hits,
                    "misses": self.misses, "hit_rate": self.hits / looked if looked else 0.0}
