"""What every skill receives and returns: one small interface, as the generator backends have.

A skill gets a ``ShopContext`` (the message, its parsed query, the product in focus, the products last
shown, the catalog, and what a verified shopper has bought) and returns a ``SkillReply``: sentences with
``[n]`` markers, the documents those markers cite, the products to show as cards, and whether the data held
the answer. Returning None hands the message on to the grounded (policy and FAQ) path.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Protocol

from chatbot.shop.catalog import Catalog, Listing, SearchResult
from chatbot.shop.query import ShopQuery


@dataclass(frozen=True)
class ShopContext:
    message: str
    query: ShopQuery
    catalog: Catalog
    focus: str | None = None  # the product page the shopper is on, or the product the talk is about
    shown: tuple[str, ...] = ()  # product ids the last answer listed, in order ("the second one", "compare them")
    store_name: str = "our store"
    support_contact: str = ""
    owned: tuple[str, ...] = ()  # catalog ids of what a verified shopper bought, latest first; () when not verified

    @cached_property
    def shown_listings(self) -> list[Listing]:
        """The products of ``shown`` the catalog has, in order."""
        return [self.catalog.by_id[p] for p in self.shown if p in self.catalog.by_id]

    @cached_property
    def found(self) -> SearchResult:
        """The catalog search for the message's query: run once, however many skills and rules read it."""
        return self.catalog.search(self.query)


@dataclass
class SkillReply:
    text: str  # sentences with [n] markers, n counting ``sources`` from 1
    sources: list[str] = field(default_factory=list)  # document ids: product:ID, review:ID
    products: list[Listing] = field(default_factory=list)  # shown as product cards
    abstained: bool = False  # the catalog does not hold the answer; a person is offered
    reason: str | None = None  # why it abstained (not_in_catalog, no_match, ...)
    focus: str | None = None  # the product the conversation is now about

    def cite(self, doc_id: str) -> str:
        """The ``[n]`` marker for a document, adding it to the sources the first time."""
        if doc_id not in self.sources:
            self.sources.append(doc_id)
        return f"[{self.sources.index(doc_id) + 1}]"


class Skill(Protocol):
    name: str

    def reply(self, context: ShopContext) -> SkillReply | None:
        """Answer from the catalog and reviews, or None to leave the message to the grounded path."""


def rating_words(listing: Listing) -> str:
    if not listing.reviews:
        return "no reviews yet"
    return f"rated {listing.rating:.1f} of 5 by {listing.reviews} reviewer{'s' if listing.reviews != 1 else ''}"


def offer_person(context: ShopContext) -> str:
    contact = f" You can also reach us at {context.support_contact}." if context.support_contact else ""
    return f"Would you like me to connect you with a person from our team?{contact}"
