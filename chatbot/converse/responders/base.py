"""The one interface every responder has, and what responders read of the Chatbot.

A responder gets a ``Turn`` and either answers it (yields the answer's text pieces, then its ``Answer``)
or passes (yields nothing and returns). It may leave what it found on the turn (``turn.found``,
``turn.draft``) for the responders after it.
"""

from __future__ import annotations

from typing import Any, Iterator, Protocol

from chatbot.common.types import Answer, Citation
from chatbot.config import Settings
from chatbot.converse.answer_cache import AnswerCache
from chatbot.converse.turn import Found, Turn


class Responder(Protocol):
    name: str  # how the settings name it (``responders_off``)

    def respond(self, turn: Turn) -> Iterator[str | Answer]:
        """The answer's pieces, then its Answer; nothing at all to leave the turn to the next responder."""


class PartsResponder:
    """The base of the built-in responders: each reads the Chatbot's parts (``bot``) and has a ``name``."""

    name = ""

    def __init__(self, bot: Parts):
        self.bot = bot


class Parts(Protocol):
    """What responders use of the Chatbot: its settings, its lazily loaded parts and the one look-up."""

    settings: Settings
    cache: AnswerCache
    shop: Any  # ShopAssistant
    faq: Any  # FaqMatcher
    retriever: Any  # HybridRetriever
    generator: Any  # Generator | None
    phrases: Any  # the caching Embedder for questions and sentences
    live_chunks: frozenset[str]

    def vector(self, turn: Turn) -> Any: ...

    def look_up(self, turn: Turn, judge: bool = True) -> Found: ...

    def verifier_support(self) -> Any: ...

    def doc_citation(self, doc_id: str) -> Citation | None: ...
