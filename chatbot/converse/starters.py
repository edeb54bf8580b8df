"""Example questions for an empty chat, taken from the store's own documents.

A greeting that suggests questions helps a shopper start, but only if the
questions fit the store: a furniture shop must not suggest asking about toys.
So they come from the store's FAQ (questions it already answers well), spread
over the list, since an FAQ is usually grouped by topic. A store without an
FAQ gets questions about its products instead. This module does not answer
them, and it suggests nothing about a shopper's own order or account: those
go to a person.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from chatbot.common.types import Document

MAX_CHARS = 48  # a suggestion fits on one line of a phone
# questions about the shopper's own order, account or data: a person answers those, not a good first try
_PERSONAL = re.compile(r"\b(?:my|I|me|mine)\b")


def example_questions(documents: Iterable[Document], count: int = 3) -> list[str]:
    """Up to ``count`` short questions the store's documents answer: FAQ questions spread over the FAQ, else
    questions about products. Same documents, same questions."""
    documents = list(documents)
    faq = [d.title.strip() for d in documents if d.kind == "faq"]
    suitable = [q for q in faq if q.endswith("?") and len(q) <= MAX_CHARS and not _PERSONAL.search(q)]
    if suitable:
        return _spread(suitable, count)
    products = sorted(d.title.strip() for d in documents if d.kind == "product" and d.title)
    asked = [f"Tell me about the {name}" for name in products if len(name) <= MAX_CHARS - 18]
    return _spread(asked, count)


def _spread(items: list[str], count: int) -> list[str]:
    """``count`` items evenly spaced over the list, first included; all of them when there are fewer."""
    if len(items) <= count:
        return list(items)
    step = len(items) / count
    return [items[int(i * step)] for i in range(count)]
