"""Turn a follow-up into a standalone question, and carry the product in focus across turns.

"and for shoes?" or "does it come in blue?" mean little alone. When a
message looks like a follow-up (short, or opening with "and", "what about",
or leaning on "it"/"they"), the previous shopper question is put in front of
it for retrieval. The product in focus is the one the shopper is on, or the
one the last answer was about. No language model is involved, so this is
fast and predictable; it does not rewrite the text shown to the shopper.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterable

_FOLLOW_UP_START = re.compile(
    r"^\s*(and|or|but|also|what about|how about|same for|what if|for|in|with|then|so|ok(ay)?,?)\b", re.IGNORECASE)
_LEANS_ON_CONTEXT = re.compile(r"\b(it|its|it's|they|them|their|those|these|that one|this one|one)\b",
                               re.IGNORECASE)
_NOUNISH = re.compile(r"[A-Za-z]{4,}")


@dataclass
class Turn:
    role: str  # "user" or "assistant"
    content: str
    product_id: str | None = None  # the product the turn was about, when known
    products: tuple[str, ...] = ()  # the product ids an assistant turn listed, in order


def as_turns(history: Iterable[Any] | None) -> list[Turn]:
    """Accept Turn objects or ``{"role", "content", "product_id"?}`` dicts (the chat-messages shape)."""
    turns = []
    for item in history or []:
        if isinstance(item, Turn):
            turns.append(item)
        elif isinstance(item, dict) and item.get("role") in ("user", "assistant"):
            content = item.get("content")
            listed = item.get("products") or ()
            turns.append(Turn(item["role"], content if isinstance(content, str) else str(content or ""),
                              item.get("product_id"),
                              tuple(str(p) for p in listed) if isinstance(listed, (list, tuple)) else ()))
    return turns


def shown_products(history: Iterable[Any] | None) -> tuple[str, ...]:
    """The products of the latest list shown ("the second one", "compare them"): the latest answer that
    showed two or more, so "does the first one need batteries?" (one product) keeps the list; else the
    latest that showed any."""
    showing = [turn.products for turn in as_turns(history) if turn.role == "assistant" and turn.products]
    lists = [products for products in showing if len(products) > 1]
    return lists[-1] if lists else (showing[-1] if showing else ())


def is_follow_up(message: str) -> bool:
    words = message.split()
    if _FOLLOW_UP_START.match(message):
        return True
    if _LEANS_ON_CONTEXT.search(message) and len(words) <= 8:
        return True
    return len(words) <= 3 and len(_NOUNISH.findall(message)) <= 2


def continues_store_answer(message: str, history: Iterable[Any] | None) -> bool:
    """A follow-up that starts like one ("and gift cards?", "what about sale items?") to an answer that showed no
    product (a policy or FAQ answer): it goes on with that question, not a product search."""
    answers = [t for t in as_turns(history) if t.role == "assistant"]
    return bool(answers and _FOLLOW_UP_START.match(message) and not answers[-1].products
                and not answers[-1].product_id)


def leans_on_context(message: str) -> bool:
    """True when the message points at something said or shown before ("is it waterproof?")."""
    return bool(_LEANS_ON_CONTEXT.search(message))


def shopper_questions(history: Iterable[Any] | None) -> list[str]:
    """The shopper's questions in the history, oldest first."""
    return [t.content.strip() for t in as_turns(history) if t.role == "user" and t.content.strip()]


def previous_question(history: Iterable[Any] | None) -> str:
    """The shopper's last question in the history ("" when none)."""
    previous = shopper_questions(history)
    return previous[-1] if previous else ""


def last_answer_product(history: Iterable[Any] | None) -> str | None:
    """The one product the last answer was about or showed, or None (it showed several, or none)."""
    answers = [t for t in as_turns(history) if t.role == "assistant"]
    if not answers:
        return None
    last = answers[-1]
    return last.product_id or (last.products[0] if len(last.products) == 1 else None)


def standalone_question(message: str, history: Iterable[Any] | None, named: str | None = None) -> str:
    """The text to retrieve with: the message, or the previous question + the message for a follow-up. With
    ``named`` (the one product the talk is about), a whole question that points at it only by a pronoun ("can I
    return them if they don't fit?") is completed with the product's name instead: the previous question may have
    asked something else ("how do I wash them?"), and its words would pull the search there."""
    previous = previous_question(history)
    if not previous or not is_follow_up(message):
        return message
    if named and _LEANS_ON_CONTEXT.search(message) and not _FOLLOW_UP_START.match(message) \
            and len(message.split()) > 3:
        return f"{message.strip()} ({named})"
    return f"{previous} {message.strip()}"


def focus_product(product_id: str | None, history: Iterable[Any] | None) -> str | None:
    """The explicit product, else the latest one a turn was about."""
    if product_id:
        return product_id
    for turn in reversed(as_turns(history)):
        if turn.product_id:
            return turn.product_id
    return None


def answered_turns(question: str, product_id: str | None, answer: Any) -> list[Turn]:
    """The two turns a question and its Answer add to the history (the product and the products listed)."""
    return [Turn("user", question, product_id),
            Turn("assistant", answer.text, answer.product_id, tuple(str(p["id"]) for p in answer.products))]
