"""Shopper skills: answers from the catalog and reviews, chosen by what the message asks for.

``ShopAssistant.answer`` routes a message (``router``) to one skill (catalog search, recommendation,
a product's attribute, a review summary, a comparison, availability) and returns its ``SkillReply``;
policy, FAQ, small talk and anything a skill declines go on to the grounded path. Adding a skill means
one module with a ``reply(context)`` method, an entry in ``_skills`` and router examples for its label.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..embedding import Embedder
from .attributes import AttributeAnswer
from .availability import Availability
from .base import ShopContext, Skill, SkillReply
from .catalog import Catalog, Listing
from .compare import Comparison
from .query import ShopQuery, parse_query
from .reviews import ReviewSummary, asks_opinion
from .router import LABELS, Route, Router
from .search import CatalogSearch, Recommend
from .smalltalk import SmallTalk

__all__ = ["Catalog", "Listing", "Route", "Router", "ShopAssistant", "ShopContext", "ShopQuery", "Skill",
           "SkillReply", "Routed", "LABELS", "parse_query"]

MIN_CONFIDENCE = 0.25  # below this the router is unsure, and the grounded path (which can abstain) answers
SURE_OF_REVIEWS = 0.5  # below this, a message with no words about reviews or opinions may ask for a field
# skills whose question, when no product is named or in focus, is a catalog search ("which toy has the best
# reviews?", "cheapest puzzle?" routed to attribute, "is there a stand mixer under $20?" routed to stock)
_SEARCH_INSTEAD = ("reviews", "attribute", "recommend", "compare", "availability")
# words that ask what reviewers think: with a product to talk about, a review summary whatever the router said
_ASKS_REVIEWS = re.compile(r"\b(?:reviews?|reviewers?|(?:people|customers|folks|parents|others|buyers) "
                           r"(?:say|think|said)|ratings?)\b", re.I)
_AGE_QUESTION = re.compile(r"\b(?:ok|okay|good|suitable|right|safe|appropriate|work|too (?:young|old))\b.{0,20}"
                           r"\b(?:for )?(?:a |my )?\d{1,2}\s*-?\s*(?:years?|yrs?|y/?o)", re.I)


@dataclass
class Routed:
    route: Route
    reply: SkillReply | None  # None: the grounded path answers


class ShopAssistant:
    def __init__(self, source: Any, embedder: Embedder, store_name: str = "our store",
                 support_contact: str = "", cache_dir: str | Path | None = None):
        """``source``: the KnowledgeIndex (or its documents) whose catalog records and reviews the skills use."""
        self.catalog = Catalog.from_documents(source)
        self.router = Router(embedder, cache_dir)
        self.store_name, self.support_contact = store_name, support_contact
        self._skills: dict[str, Skill] = {s.name: s for s in (
            CatalogSearch(), Recommend(embedder, source), AttributeAnswer(), ReviewSummary(source), Comparison(),
            Availability(), SmallTalk())}

    def answer(self, message: str, vector: np.ndarray, focus: str | None = None,
               shown: tuple[str, ...] = ()) -> Routed:
        """Route ``message`` (its embedding is ``vector``) and let the chosen skill answer it."""
        route = self.router.route(message, vector)
        if route.skill in ("reviews", "catalog_search", "recommend", "compare") and _AGE_QUESTION.search(message):
            # "is it ok for a 2-year-old?", "would the second one work for a 7 year old?": a catalog fact
            route = Route("attribute", route.confidence)
        if route.skill in ("catalog_search", "attribute", "compare") and _ASKS_REVIEWS.search(message) \
                and not re.search(r"\b(?:best|top|highest)[- ]?rated\b", message, re.I):
            route = Route("reviews", route.confidence)  # "what do people say about the second one?"
        skill = self._skills.get(route.skill)
        if not len(self.catalog) or route.skill in ("order", "policy") and route.confidence >= 0.6:
            return Routed(route, None)
        context = ShopContext(message=message, query=parse_query(message), catalog=self.catalog, focus=focus,
                              shown=tuple(shown), store_name=self.store_name, support_contact=self.support_contact)
        if skill is None or route.confidence < MIN_CONFIDENCE:
            # unsure, or not a catalog skill: a question about a field of the product in focus is still one
            # ("is it noise cancelling?"); anything else goes to the grounded path
            fact = self._skills["attribute"].reply(context) if focus else None
            return Routed(route, fact if fact is not None and not fact.abstained else None)
        if route.skill in _SEARCH_INSTEAD and not (focus or shown) and self.catalog.search(context.query).unsold:
            # "an electric guitar please": a product we don't sell, not the Electric Kettle's fields
            return Routed(route, self._skills["catalog_search"].reply(context))
        if route.skill == "reviews" and route.confidence < SURE_OF_REVIEWS and focus \
                and not _ASKS_REVIEWS.search(message) and not asks_opinion(message):
            fact = self._skills["attribute"].reply(context)  # "is it noise cancelling?": a field that answers it
            if fact is not None and not fact.abstained:
                return Routed(route, fact)
        reply = skill.reply(context)
        if route.skill == "catalog_search" and (focus or shown) and reply is not None:
            # "does the cheaper one have a volume limit?": a field of one product already shown, not a search
            fact = self._skills["attribute"].reply(context)
            if fact is not None and not fact.abstained and _points_at_one(message):
                reply = fact
        if reply is None and route.skill in _SEARCH_INSTEAD:
            search = self._skills["catalog_search"].reply(context)
            # a search's "we don't sell car tires" stands; a bare unknown word ("who founded...") is no product
            reply = search if search is not None and (search.products or context.catalog.search(
                context.query).unsold) else None
        return Routed(route, reply)


def _points_at_one(message: str) -> bool:
    return bool(re.search(r"\b(?:it|its|the (?:first|second|third|last|cheaper|cheapest|pricier|more expensive) "
                          r"one|this one|that one)\b", message, re.I))
