"""Two or more products side by side: prices, ratings and the attributes they share.

"Which is cheaper, the Kraken Cove Family Board Game or the Spark Lab Electronics Kit?" → "The Kraken Cove
Family Board Game is cheaper: $32.99 [1] against $49.99 for the Spark Lab Electronics Kit 75 Projects
[2]." then a line per shared attribute. The products are the ones named, or "them" of the last list.
"""

from __future__ import annotations

import re

from chatbot.shop.catalog import Listing, stated_weight
from chatbot.shop.phrasing import money
from chatbot.shop.query import PRICE_EXTREME
from chatbot.shop.skills.base import ShopContext, SkillReply, rating_words
from chatbot.shop.skills.targets import target_products

_CHEAPER = re.compile(r"\b(?:cheaper|cheapest|less expensive|least expensive|lower price|lowest[- ]priced?|"
                     r"costs? less|more affordable|most affordable)\b", re.I)
_PRICIER = re.compile(r"\b(?:more expensive|most expensive|pricier|priciest|costs? more|highest[- ]priced?)\b",
                      re.I)
_SUPERLATIVE = re.compile(rf"\b{PRICE_EXTREME}\b", re.I)
_BETTER = re.compile(r"\b(?:better|best|higher rated|rated higher|which one|recommend)\b", re.I)
_WEIGHT = re.compile(r"\b(?:(?P<light>lighter|lightest|weighs? less)|heavier|heaviest|weighs? more)\b", re.I)
# a comparison the catalog's fields rarely settle: said so, rather than answering about the price instead
_OTHER = re.compile(r"\b(?P<word>smaller|bigger|larger|warmer|cooler|longer|shorter|stronger|softer|quieter|louder|"
                    r"faster|wider|taller|thicker|thinner|sturdier|easier|tougher|safer)\b|"
                    r"\b(?:is|are|feels?|runs?|looks?)\s+"
                    r"(?P<more>(?:more|less)\s+(?!expensive\b|affordable\b)[a-z]{4,})",
                    re.I)


class Comparison:
    name = "compare"

    def reply(self, context: ShopContext) -> SkillReply | None:
        products = target_products(context, want=3)
        if len(products) < 2:
            return None
        pricier, superlative = bool(_PRICIER.search(context.message)), bool(_SUPERLATIVE.search(context.message))
        shown = context.shown_listings
        if superlative and len(shown) > 3 and {i.product.id for i in products} <= set(context.shown):
            # "which one is cheapest?" of four shown: all four count, the three lowest are shown
            products = sorted([i for i in shown if i.product.price is not None], key=lambda i: i.product.price,
                              reverse=pricier)
        products = products[:3]
        reply = SkillReply("", products=list(products))
        marks = {i.product.id: reply.cite(i.doc_id) for i in products}
        priced = [i for i in products if i.product.price is not None]
        lead = ""
        asks_price = _CHEAPER.search(context.message) or pricier
        weight, other = _WEIGHT.search(context.message), _OTHER.search(context.message)
        if weight and not asks_price:
            lead = _by_weight(products, bool(weight.group("light")), marks, reply)
        elif other and not asks_price:
            said = (other.group("word") or other.group("more")).lower()
            lead = f"The product details don't say which is {said}. Here they are side by side:"
            reply.text = lead + "\n" + "\n".join(_lines(products, marks))
            return reply
        elif len(priced) >= 2 and (asks_price or not _BETTER.search(context.message)) \
                and len({i.product.price for i in priced}) > 1:
            ordered = sorted(priced, key=lambda i: i.product.price, reverse=pricier)
            first, second = ordered[0], ordered[1]
            word = "more expensive" if pricier else "cheaper"
            if superlative and len(priced) > 2:
                word = "the most expensive" if pricier else "the cheapest"
            reply.focus = first.product.id  # "is it good for a 4 year old?" next asks about the one named
            lead = (f"The {first.product.name} is {word}: {money(first.product.price)} {marks[first.product.id]} "
                    f"against {money(second.product.price)} for the {second.product.name} "
                    f"{marks[second.product.id]}.")
        elif _BETTER.search(context.message) and all(i.reviews for i in products):
            best = max(products, key=lambda i: (i.rating or 0, i.reviews))
            reply.focus = best.product.id
            lead = (f"By reviews, the {best.product.name} comes out ahead ({rating_words(best)}) "
                    f"{marks[best.product.id]}; which is better for you depends on what you need it for.")
        reply.text = (lead + "\n" if lead else "Here they are side by side:\n") + "\n".join(_lines(products, marks))
        return reply


def _lines(products: list[Listing], marks: dict[str, str]) -> list[str]:
    return [f"- {i.product.name}: {money(i.product.price)}, {rating_words(i)}{_facts(i, products)} "
            f"{marks[i.product.id]}" for i in products]


def _by_weight(products: list[Listing], lighter: bool, marks: dict[str, str], reply: SkillReply) -> str:
    """"The X is lighter: 1.2 lb [1] against 2 lb for the Y [2].", or which weights the catalog does not give."""
    weights = {i.product.id: stated_weight(i.product) for i in products}
    unknown = [i.product.name for i in products if weights[i.product.id] is None]
    word = "lighter" if lighter else "heavier"
    if unknown:
        return (f"The product details don't give the weight of the {' or the '.join(unknown)}, so I can't say which "
                f"is {word}. Here they are side by side:")
    ordered = sorted(products, key=lambda i: weights[i.product.id][0], reverse=not lighter)
    first, second = ordered[0], ordered[1]
    if weights[first.product.id][0] == weights[second.product.id][0]:
        return f"They weigh the same: {weights[first.product.id][1]} each {marks[first.product.id]}" \
               f"{marks[second.product.id]}."
    reply.focus = first.product.id
    return (f"The {first.product.name} is {word}: {weights[first.product.id][1]} {marks[first.product.id]} against "
            f"{weights[second.product.id][1]} for the {second.product.name} {marks[second.product.id]}.")


# where a product sits in the shop's menus, not a fact about it ("category path Apparel > Clothing > Outerwear")
_NAVIGATION = frozenset({"category_path", "tags", "collections"})


def _facts(item: Listing, products: list[Listing]) -> str:
    """The attributes every compared product lists (age range, material, ...), in this product's words: those
    that tell them apart, never the shop's menus, and never one they all share ("brand Fern & Fjord")."""
    shared = [k for k in item.product.attributes
              if k not in _NAVIGATION and all(k in other.product.attributes for other in products)
              and not isinstance(item.product.attributes[k], bool)
              and len({str(other.product.attributes[k]) for other in products}) > 1][:3]
    return "".join(f", {k.replace('_', ' ')} {item.product.attributes[k]}" for k in shared)
