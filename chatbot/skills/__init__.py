"""Shopper skills: answers from the catalog and reviews, chosen by what the message asks for.

``ShopAssistant.answer`` routes a message (``router``) to one skill (catalog search, recommendation,
a product's attribute, a review summary, a comparison, availability) and returns its ``SkillReply``;
policy, FAQ, small talk and anything a skill declines go on to the grounded path. Adding a skill means
one module with a ``reply(context)`` method, an entry in ``_skills`` and router examples for its label.
"""

from __future__ import annotations

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
from .reviews import ReviewSummary
from .router import LABELS, Route, Router
from .search import CatalogSearch, Recommend

__all__ = ["Catalog", "Listing", "Route", "Router", "ShopAssistant", "ShopContext", "ShopQuery", "Skill",
           "SkillReply", "Routed", "LABELS", "parse_query"]

MIN_CONFIDENCE = 0.4  # below this the router is unsure, and the grounded path (which can abstain) answers


@dataclass
class Routed:
    route: Route
    reply: SkillReply | None  # None: the grounded path answers


class ShopAssistant:
    def __init__(self, documents: Any, embedder: Embedder, store_name: str = "our store",
                 support_contact: str = "", cache_dir: str | Path | None = None):
        self.catalog = Catalog.from_documents(documents)
        self.router = Router(embedder, cache_dir)
        self.store_name, self.support_contact = store_name, support_contact
        self._skills: dict[str, Skill] = {s.name: s for s in (
            CatalogSearch(), Recommend(embedder), AttributeAnswer(), ReviewSummary(documents), Comparison(),
            Availability())}

    def answer(self, message: str, vector: np.ndarray, focus: str | None = None,
               shown: tuple[str, ...] = ()) -> Routed:
        """Route ``message`` (its embedding is ``vector``) and let the chosen skill answer it."""
        route = self.router.route(vector)
        skill = self._skills.get(route.skill)
        if skill is None or route.confidence < MIN_CONFIDENCE or not len(self.catalog):
            return Routed(route, None)
        context = ShopContext(message=message, query=parse_query(message), catalog=self.catalog, focus=focus,
                              shown=tuple(shown), store_name=self.store_name, support_contact=self.support_contact)
        return Routed(route, skill.reply(context))
