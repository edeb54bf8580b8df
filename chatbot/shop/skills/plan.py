"""Which skills to try for a routed message, in order: the few rules that use what the classifier cannot see.

The router reads the message alone. These rules add the conversation and the catalog: the product in
focus, the products last shown, words that ask for reviews or an age fit, and whether the message names a
product type the store lacks. ``backed`` says whether the store's own data supports a catalog answer at
all: the router learned one store's words, and on another store's help questions ("how do I add products
to a collection?", "do you have a store in Oslo?") its catalog guesses take questions its pages answer.
``attempts`` turns a route into a short list of (skill, accept) tries; the first reply a try accepts is
the answer, and none sends the message on to the grounded path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Collection

from chatbot.shop.skills.attributes import product_fact_asked
from chatbot.shop.skills.base import ShopContext, SkillReply
from chatbot.shop.skills.reviews import asks_opinion
from chatbot.shop.skills.router import Route
from chatbot.shop.skills.search import LIKE_IT
from chatbot.shop.variants import named_variants

SURE = 0.6  # the router is this sure a message is an order or policy question: no catalog skill tries it
MIN_CONFIDENCE = 0.25  # below this the router is unsure, and the grounded path (which can abstain) answers
SURE_OF_REVIEWS = 0.5  # below this, a message with no words about reviews or opinions may ask for a field
SURE_OF_OTHER = 0.5  # below this, a policy or off-topic route for a few words naming a product type is a search
# skills whose question, when no product is named or in focus, is a catalog search ("which toy has the best
# reviews?", "cheapest puzzle?" routed to attribute, "is there a stand mixer under $20?" routed to stock)
SEARCH_INSTEAD = ("reviews", "attribute", "recommend", "compare", "availability")

# words that ask what reviewers think: with a product to talk about, a review summary whatever the router said
_ASKS_REVIEWS = re.compile(r"\b(?:reviews?|reviewers?|(?:people|customers|folks|parents|others|buyers) "
                           r"(?:say|think|said)|ratings?)\b", re.I)
_BEST_RATED = re.compile(r"\b(?:best|top|highest)[- ]?rated\b", re.I)
# a request for other products ("anything like it?", "what else goes with it?"), not a question about it
_IDEAS_LIKE = re.compile(r"\b(?:anything|something|what else|any other|others?|more|ideas?|suggest\w*|"
                         r"recommend\w*)\b", re.I)
# "which board game has the best reviews?": a ranking of a kind of product, not one product's reviews
_RANKED_BY_REVIEWS = re.compile(r"\b(?:which|what)\b.{0,60}\b(?:(?:best|top|highest|most)[- ](?:rated|reviewed)|"
                                r"(?:best|top|highest|most|better) (?:customer |user )?(?:reviews|ratings?))\b", re.I)
_AGE_QUESTION = re.compile(r"\b(?:ok|okay|good|suitable|right|safe|appropriate|work|too (?:young|old))\b.{0,20}"
                           r"\b(?:for )?(?:a |my )?\d{1,2}\s*-?\s*(?:years?|yrs?|y/?o)", re.I)
_TELL_ME = re.compile(r"\b(?:tell me (?:a bit |a little |some(?:thing)? )?(?:more )?about|what can you tell me about|"
                      r"(?:more )?info(?:rmation)? (?:on|about)|(?:more )?details (?:on|about|of))\b", re.I)
_THEY = re.compile(r"\b(?:they|them|these|those)\b", re.I)
_POINTS_AT_ONE = re.compile(r"\b(?:it|its|the (?:first|second|third|last|cheaper|cheapest|pricier|more expensive) "
                            r"one|this one|that one)\b", re.I)


# words that point back at the products the last answer showed ("which one", "compare them", "the cheaper")
_REFERS_BACK = re.compile(r"\b(?:which|compare|cheaper|cheapest|better|difference|both|either|first|second|third|"
                          r"last one|the other)\b", re.I)
# skills that answer from the catalog as a whole, with no product named: "recommend a gift", "hi there"
_STORE_WIDE_SKILLS = ("recommend", "smalltalk")


def backed(route: Route, context: ShopContext) -> bool:
    """Whether this store's own data backs a catalog answer: a product, category or option (a colour, a size)
    of the store is named or in focus, the message points back at the products just shown, it asks the
    catalog for a price, age, order or sale, or it names a product type the store lacks (so "we don't sell
    electric guitars" is true). A thing the store lacks is one its pages never mention either, written in lower case: "a store in
    Oslo" names a place, and "a loyalty program" the pages describe is not a product to say no to. A thing
    the pages speak of is theirs even when a word of it names a product ("the monthly larder box")."""
    if context.focus or route.skill in _STORE_WIDE_SKILLS or context.query.constrained:
        return True
    found, catalog = context.found, context.catalog
    # a thing the store's pages speak of and the catalog lacks: "the trail and summit plans" (a membership),
    # "the monthly larder box" (a subscription) are not the Trail Mix Tin, the Summit Beanie or the Lunch Box
    unsold = (found.unsold or "").split()
    if unsold and catalog.on_store_pages(unsold[-1]) or catalog.page_things(context.query.terms, found.unknown):
        return False
    if context.shown and (_REFERS_BACK.search(context.message) or _POINTS_AT_ONE.search(context.message)
                          or _THEY.search(context.message)):
        return True
    if found.typed or catalog.names_an_option(context.message) or catalog.mentioned(context.message, loose=False):
        return True
    lacking = (found.unsold or "").split() or (found.unknown if route.skill == "catalog_search" else [])
    if not lacking:
        return False
    thing = lacking[-1]
    return not catalog.on_store_pages(thing) \
        and not re.search(rf"\b{re.escape(thing[:1].upper() + thing[1:])}\b", context.message)


@dataclass(frozen=True)
class Attempt:
    skill: str
    accepts: Callable[[SkillReply, ShopContext], bool]


def _any(reply: SkillReply, context: ShopContext) -> bool:
    return True


def _answered(reply: SkillReply, context: ShopContext) -> bool:
    return not reply.abstained


def _found(reply: SkillReply, context: ShopContext) -> bool:
    return bool(reply.products)


def _found_or_not_sold(reply: SkillReply, context: ShopContext) -> bool:
    """A search that stands in for another skill: products found, or "we don't sell car tires" (never a bare
    unknown word such as "founded" in "who founded the store?")."""
    return bool(reply.products) or context.found.unsold is not None


def _names_another_product(context: ShopContext) -> bool:
    """Whether the message names a product apart from the type the store doesn't sell: "do the Harbor Buds
    come with ear tips?" asks about the Harbor Buds; "an electric guitar" names no product."""
    unsold = set(re.findall(r"[a-z]+", (context.found.unsold or "").lower()))
    rest = " ".join(w for w in re.findall(r"[\w'-]+", context.message) if w.lower().rstrip("s") not in
                    {u.rstrip("s") for u in unsold})
    return bool(context.catalog.mentioned(rest, loose=False))


def _names_a_variant(context: ShopContext) -> bool:
    """Whether the message names one product and a colour, size, ... it comes in ("the moss hoodie in a
    medium"): a question about that variant, whatever else it reads like."""
    named = context.catalog.mentioned(context.message, loose=False)
    return len(named) == 1 and bool(named_variants(named[0].product, context.message)[0])


def relabel(route: Route, message: str) -> Route:
    """Words the classifier may miss: an age question is a catalog fact ("would it work for a 7 year old?"),
    "what do people say about the second one?" is a review summary, "tell me about the kettle" an overview."""
    if _TELL_ME.search(message) and not _ASKS_REVIEWS.search(message) \
            and not (route.skill in ("order", "policy") and route.confidence >= SURE):
        return Route("attribute", max(route.confidence, MIN_CONFIDENCE))
    if route.skill in ("catalog_search", "attribute", "compare", "reviews") and LIKE_IT.search(message) \
            and _IDEAS_LIKE.search(message):
        return Route("recommend", route.confidence)  # "anything like it but cheaper?": ideas, not the list again
    if route.skill in ("reviews", "attribute") and _RANKED_BY_REVIEWS.search(message):
        return Route("catalog_search", route.confidence)
    if route.skill in ("reviews", "catalog_search", "recommend", "compare") and _AGE_QUESTION.search(message):
        return Route("attribute", route.confidence)
    if route.skill in ("catalog_search", "attribute", "compare") and _ASKS_REVIEWS.search(message) \
            and not _BEST_RATED.search(message):
        return Route("reviews", route.confidence)
    return route


def attempts(route: Route, context: ShopContext, skills: Collection[str]) -> list[Attempt]:
    """The skills (of those named in ``skills``) to try for this route and conversation, first to last."""
    in_view = bool(context.focus or context.shown)
    if "attribute" in skills and product_fact_asked(context):  # "can I send back the Engraved Maple Cutting Board?"
        return [Attempt("attribute", _answered)]
    if route.skill not in skills or route.confidence < MIN_CONFIDENCE:
        # unsure, or not a catalog question: a field of the product in focus still is ("is it noise cancelling?"),
        # and a few words naming a product type are a search ("noise cancelling headphones", "bike lights")
        tries = [Attempt("attribute", _answered)] if context.focus else []
        if route.confidence < SURE_OF_OTHER and len(context.message.split()) <= 5 \
                and context.found.typed:
            tries.append(Attempt("catalog_search", _found))
        return tries
    if route.skill in SEARCH_INSTEAD and not in_view and context.found.unsold \
            and not _names_another_product(context):
        return [Attempt("catalog_search", _any)]  # "an electric guitar please": not the Electric Kettle's fields
    tries = []
    if route.skill == "reviews" and route.confidence < SURE_OF_REVIEWS and context.focus \
            and not _ASKS_REVIEWS.search(context.message) and not asks_opinion(context.message):
        tries.append(Attempt("attribute", _answered))  # "is it noise cancelling?": a field that answers it
    one_in_view = len(context.shown) <= 1  # "are they waterproof?" of the earbuds just shown is about them
    if route.skill == "catalog_search" and in_view and (_POINTS_AT_ONE.search(context.message) or (
            one_in_view and _THEY.search(context.message))):
        tries.append(Attempt("attribute", _answered))  # "does the cheaper one have a volume limit?"
    if route.skill == "catalog_search" and _names_a_variant(context):
        tries.append(Attempt("availability", _answered))  # "do you have the moss hoodie in a medium?"
    tries.append(Attempt(route.skill, _any))
    if route.skill in SEARCH_INSTEAD:
        tries.append(Attempt("catalog_search", _found_or_not_sold))
    return tries
