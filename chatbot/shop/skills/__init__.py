"""Shopper skills: answers from the catalog and reviews, chosen by what the message asks for.

``ShopAssistant.answer`` routes a message (``router``) to one skill (catalog search, recommendation,
a product's attribute, a review summary, a comparison, availability) and returns its ``SkillReply``;
policy, FAQ and anything a skill declines go on to the grounded path. Which skills are tried, in which
order, is ``plan.attempts``. Adding a skill means one module with a ``reply(context)`` method, an entry
in ``_skills``, and its label in ``router.LABELS`` with router examples for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from chatbot.ingest.embedding import Embedder
from chatbot.shop.catalog import Catalog, Listing
from chatbot.shop.query import ShopQuery, parse_query
from chatbot.shop.skills.attributes import AttributeAnswer, product_fact_asked
from chatbot.shop.skills.availability import Availability
from chatbot.shop.skills.base import ShopContext, Skill, SkillReply
from chatbot.shop.skills.compare import Comparison
from chatbot.shop.skills.plan import SURE, attempts, backed, relabel
from chatbot.shop.skills.reviews import ReviewSummary
from chatbot.shop.skills.router import LABELS, Route, Router
from chatbot.shop.skills.search import CatalogSearch, Recommend
from chatbot.shop.skills.smalltalk import SmallTalk

__all__ = ["Catalog", "Listing", "Route", "Router", "ShopAssistant", "ShopContext", "ShopQuery", "Skill",
           "SkillReply", "Routed", "LABELS", "parse_query"]


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
            CatalogSearch(), Recommend(embedder, source), AttributeAnswer(), ReviewSummary(), Comparison(),
            Availability(), SmallTalk())}

    def warm_up(self) -> None:
        """Load the router and work out what recommendations rank by, before the first shopper waits for it."""
        self.router.route_text("warm up")
        if len(self.catalog):
            self._skills["recommend"].products(self.catalog).warm_up()

    def route(self, message: str, vector: np.ndarray) -> Route:
        """The skill ``message`` asks for (its embedding is ``vector``), with the router's confidence."""
        return relabel(self.router.route(message, vector), message)

    def asks_policy(self, message: str, vector: np.ndarray) -> bool:
        """Whether the router is sure ``message`` asks about the store's policies (returns, shipping, ...)."""
        route = self.route(message, vector)
        return route.skill == "policy" and route.confidence >= SURE

    def answer(self, message: str, vector: np.ndarray, focus: str | None = None,
               shown: tuple[str, ...] = (), owned: tuple[str, ...] = ()) -> Routed:
        """Route ``message`` (its embedding is ``vector``) and let the first skill that can answer it answer.
        ``owned``: the catalog ids a verified shopper has bought, latest first (recommendations leave them out and
        may start from them); () for anyone else."""
        route = self.route(message, vector)
        if not len(self.catalog) or route.skill == "order" and route.confidence >= SURE:
            return Routed(route, None)
        context = ShopContext(message=message, query=parse_query(message), catalog=self.catalog, focus=focus,
                              shown=tuple(shown), store_name=self.store_name, support_contact=self.support_contact,
                              owned=tuple(owned))
        # a policy question is the store pages', unless it asks to return a product its record marks final sale
        # or whether the product it points at is on sale
        if route.skill == "policy" and route.confidence >= SURE and not product_fact_asked(context):
            return Routed(route, None)
        if not backed(route, context):  # nothing of this store's catalog in it: the store's pages answer
            return Routed(route, None)
        for attempt in attempts(route, context, self._skills):
            reply = self._skills[attempt.skill].reply(context)
            if reply is not None and attempt.accepts(reply, context):
                if reply.reason == "not_in_catalog" and not context.focus \
                        and self.catalog.store_page_words(context.query.terms, context.found.unknown):
                    return Routed(route, None)  # "can enamel mugs go in the dishwasher": the care page may say
                return Routed(route, reply)
        return Routed(route, None)
