"""Catalog search and recommendations: the products that fit what the shopper asked, in sentences.

"What's the cheapest bike?" → "Our cheapest bike is the Coastline Balance Bike 12-inch at $129.00 [1]."
"Any toys under $20?" → how many fit, and the best rated of them as a list. A limit nothing meets gets
"nothing matches" and the closest products, said to be outside the limit; a product type the store does
not sell gets "we don't sell that". A need in words with no product type ("a gift for a 6-year-old
under $30") is ranked by meaning (``chatbot.shop.recommend``), with the same hard price and age limits.
"""

from __future__ import annotations

import re
import threading
from dataclasses import replace

from chatbot.converse.conversation import is_follow_up
from chatbot.converse.intents import asks_for_ideas
from chatbot.ingest.embedding import Embedder
from chatbot.shop.catalog import Listing, SearchResult, weight_in_pounds
from chatbot.shop.phrasing import an_age, join_words, money, plural
from chatbot.shop.recommend import CHEAPER, ProductSet, recommend, recommend_after, vague_need
from chatbot.shop.skills.base import ShopContext, SkillReply, rating_words
from chatbot.shop.variants import is_on_sale, price_words

SHOW = 5  # products listed when the shopper did not say how many
_REFERS_BACK = re.compile(r"\b(?:one|ones|them|those|these|of them|which)\b", re.I)
# words that would make a "girl" and a "boy" of the same age get different gifts: ignored unless they are
# the only thing the shopper said about the gift
_GENDERED = re.compile(r"\b(?:girls?|boys?|daughters?|sons?|nieces?|nephews?|granddaughters?|grandsons?|"
                       r"sisters?|brothers?|her|him|she|he|his|hers)\b", re.I)


class CatalogSearch:
    name = "catalog_search"

    def reply(self, context: ShopContext) -> SkillReply | None:
        result = context.found
        if result.unsold:
            return _not_sold(context, [plural(result.unsold)])
        if not result.typed and context.shown and (_REFERS_BACK.search(context.message)
                                                   or is_follow_up(context.message)):
            # "what's the cheapest one?", "and in blue?" after a list: among the products just shown
            result = context.catalog.search(context.query, within=set(context.shown))
            result.typed = result.within_shown = True
        if not result.typed:
            if result.unknown and not context.query.constrained:
                return _not_sold(context, _phrases(context, result.unknown))
            if not context.query.constrained:
                return None  # nothing to search on: the grounded path may know
        return _listing_reply(context, result)


# "anything like the X?" asks for ideas like it; "what goes with it?" for ideas to go with it
_ALIKE_WORDS = r"like|similar to|same as|alternatives? to|instead of"
_GOES_WITH_WORDS = r"go(?:es)?(?: well)? with|pairs? with|match(?:es)?"
_ALIKE = re.compile(rf"\b(?:{_ALIKE_WORDS})\b", re.I)
_GOES_WITH = re.compile(rf"\b(?:{_GOES_WITH_WORDS})\b", re.I)
# "what goes well with it?", "anything like that but cheaper?": ideas starting from the one product in the talk
LIKE_IT = re.compile(rf"\b(?:{_GOES_WITH_WORDS}|{_ALIKE_WORDS})\s+(?:it|that|this|this one|that one)\b", re.I)


def _none_rated(reply: SkillReply, matches: list, what: str) -> SkillReply:
    """"Which hat has the best reviews?" when no hat has any: say so, and list them, rather than crown one."""
    shown = matches[:SHOW]
    reply.products, reply.focus = list(shown), None
    named = [f"the {i.product.name} ({price_words(i.product)}) {reply.cite(i.doc_id)}" for i in shown]
    if len(matches) == 1:
        reply.focus = shown[0].product.id
        reply.text = f"The {shown[0].product.name} has no reviews yet {reply.cite(shown[0].doc_id)}, so there is " \
                     "no rating to go by."
        return reply
    more = f" and {len(matches) - len(shown)} more" if len(matches) > len(shown) else ""
    reply.text = (f"None of our {len(matches)} {plural(what)} has reviews yet, so I can't say which is best rated. "
                  f"We have {join_words(named)}{more}.")
    return reply


class Recommend:
    name = "recommend"

    def __init__(self, embedder: Embedder, source=None):
        self.embedder = embedder
        self.source = source  # the KnowledgeIndex: its stored product vectors save embedding the catalog
        self._set: ProductSet | None = None  # the products with their vectors and stems, worked out once
        self._lock = threading.Lock()

    def reply(self, context: ShopContext) -> SkillReply | None:
        result = context.found
        if result.unsold:
            return _not_sold(context, [plural(result.unsold)])
        anchor = _anchor(context)
        if anchor is not None:  # "he loved the marble run we bought", "something like the last one"
            return self._after(context, *anchor)
        owned = set(context.owned)
        if result.typed or context.query.sort:  # "a tent for two kids", "the cheapest gift for a 9-year-old"
            if owned:  # never a product the shopper already has
                result = replace(result, matches=[i for i in result.matches if i.product.id not in owned])
            return _listing_reply(context, result, recommending=not context.query.sort)
        need = _GENDERED.sub(" ", context.message)
        catalog = context.catalog
        k = context.query.count or 3
        picks = recommend(need if need.strip() else context.message, self.products(context.catalog), self.embedder,
                          k=k + len(owned))  # the ranking of one product does not depend on the others
        left_out = any(p.product.id in owned for p in picks[:k])
        picks = [p for p in picks if p.product.id not in owned][:k]
        listings = [catalog.by_id[p.product.id] for p in picks
                    if p.product.id in catalog.by_id and _within(catalog.by_id[p.product.id], context)]
        if not listings:
            return _listing_reply(context, result, recommending=True)
        reply = SkillReply("", products=listings)
        lines = [_line(item, context.query, reply) for item in listings]
        reply.text = f"Here {'is' if len(listings) == 1 else 'are'} {len(listings)} idea" \
                     f"{'' if len(listings) == 1 else 's'} {_limits(context)}".rstrip() + ":\n" + "\n".join(lines)
        if left_out:  # a product the verified shopper has would have been picked: say why it is not
            head, _, rest = reply.text.partition(":\n")
            reply.text = f"Leaving out what you already have from us, h{head[1:].rstrip()}:\n{rest}"
        return reply

    def products(self, catalog) -> ProductSet:
        """The store's products to pick from (the index's, else ``catalog``'s), worked out on the first call."""
        with self._lock:
            if self._set is None:
                self._set = ProductSet(self.source if self.source is not None
                                       else [i.product for i in catalog.listings], self.embedder)
            return self._set

    def _after(self, context: ShopContext, anchor_id: str, why: str) -> SkillReply:
        """Ideas to go with ``anchor_id``, said with why: the shopper has it (``owned``, ``latest``), named it
        (``named``), or it was just shown (``shown``)."""
        catalog, base = context.catalog, context.catalog.by_id[anchor_id]
        older = bool(_OLDER.search(context.message))
        picks = recommend_after(anchor_id, self.products(context.catalog), self.embedder, k=context.query.count or 3,
                                need=_GENDERED.sub(" ", context.message), exclude=set(context.owned), older=older)
        listings = [catalog.by_id[p.product.id] for p in picks
                    if p.product.id in catalog.by_id and _within(catalog.by_id[p.product.id], context)]
        reply = SkillReply("", products=listings)
        ages = base.product.attributes.get("age_range")
        older = older and bool(ages) and str(ages).lower() != "all ages"
        name = _the(base.product.name) + (f" (ages {ages})" if older else "") + f" {reply.cite(base.doc_id)}"
        lead = {"owned": f"Since you have {name}", "latest": f"Since you have {name}, your latest purchase from us",
                }.get(why, f"Going by {name}")
        # "anything like the X?" is like it; "what goes with it?" is to go with it, whatever the anchor
        alike = _ALIKE.search(context.message) or (why in ("shown", "latest")
                                                   and not _GOES_WITH.search(context.message))
        what = "for the next ages up" if older else "like it" if alike else "to go with it"
        if CHEAPER.search(context.message):
            what += " for less"
        if not listings:
            reply.text = f"{lead}, I couldn't find anything else {_limits(context) or what} to suggest.".replace(
                "  ", " ")
            reply.reason = "no_match"
            return reply
        lines = [f"- {i.product.name}, {price_words(i.product)}, {rating_words(i)}"
                 f"{_ages(i) if ages else ''} {reply.cite(i.doc_id)}" for i in listings]
        count = f"{len(listings)} idea{'' if len(listings) == 1 else 's'}"
        head = f"{lead}, here {'is' if len(listings) == 1 else 'are'} {count} {what} {_limits(context)}"
        reply.text = head.rstrip() + ":\n" + "\n".join(lines)
        return reply


# a product named as a taste ("he loved the marble run", "something like the Kraken Cove", "to go with the kettle")
_LIKED = re.compile(r"\b(?:lov(?:e|es|ed)|lik(?:e|es|ed)|enjoy(?:s|ed)?|bought|purchased|ordered|similar to|"
                    r"go(?:es)? with|after|outgr\w+|had)\b", re.I)
# the last purchase by name ("the last thing I bought", "my latest order")
_LAST_PURCHASE = re.compile(r"\b(?:last|latest|most recent|previous) (?:\w+ )?(?:i|we) "
                            r"(?:bought|ordered|purchased|got)\b"
                            r"|\b(?:my|our) (?:last|latest|most recent|previous) (?:purchase|order|buy)\b"
                            r"|\bwhat (?:i|we) (?:bought|ordered) last\b", re.I)
# "something like the last one": the list just shown, else the last purchase
_LAST_ONE = re.compile(r"\b(?:the|that) (?:last|previous) one\b", re.I)
# the child has grown: the next ages up from the product named
_OLDER = re.compile(r"\b(?:older|grown|growing|bigger|outgr\w+|too old|next (?:age|stage|level|step)|"
                    r"(?:turned|turning|now) \d{1,2})\b", re.I)
_CHILD = re.compile(r"\b(?:kids?|child|children|sons?|daughters?|boys?|girls?|grandsons?|granddaughters?|nephews?|"
                    r"nieces?|toddlers?|baby|babies|little one)\b", re.I)


def _the(name: str) -> str:
    """"the Tidepool Marble Run", and "The Night Harbor Picture Book" as it is."""
    return name if name.lower().startswith("the ") else f"the {name}"


def _ages(item: Listing) -> str:
    ages = item.product.attributes.get("age_range")
    return f", ages {ages}" if ages else ""


def _anchor(context: ShopContext) -> tuple[str, str] | None:
    """The product a recommendation starts from, and why: ``latest`` (the shopper's last purchase, asked for),
    ``owned`` (a product they named that their verified orders hold, or with a need that names nothing else, what
    they bought last), ``named`` (a product they named as a taste; nothing about orders is said or read), ``shown``
    (the last product of the list just shown, or the one in focus); None: no anchor."""
    message, owned = context.message, context.owned
    catalog = context.catalog
    if owned and _LAST_PURCHASE.search(message):
        return owned[0], "latest"
    if _LAST_ONE.search(message):
        if context.shown and context.shown[-1] in catalog.by_id:
            return context.shown[-1], "shown"
        if owned:
            return owned[0], "latest"
        if context.focus in catalog.by_id:
            return context.focus, "shown"
        return None
    named = [i.product.id for i in catalog.mentioned(message, loose=False)]
    if not named and LIKE_IT.search(message):  # the product in focus or the one shown, else the last purchase
        if context.focus in catalog.by_id:
            return context.focus, "shown"
        if len(context.shown) == 1 and context.shown[0] in catalog.by_id:
            return context.shown[0], "shown"
        return (owned[0], "latest") if owned else None
    if named and _LIKED.search(message) and asks_for_ideas(message):
        mine = [pid for pid in named if pid in owned]
        return (mine[0], "owned") if mine else (named[0], "named")
    if owned and not named and not context.query.constrained and vague_need(_GENDERED.sub(" ", message)):
        # "any ideas for my son?" from a customer whose orders we know: start from what they bought, a child's
        # thing when the need is for a child
        kids = [pid for pid in owned if pid in catalog.by_id and catalog.by_id[pid].product.attributes.get("age_range")]
        return ((kids or list(owned))[0] if _CHILD.search(message) else owned[0]), "owned"
    return None


def _listing_reply(context: ShopContext, result: SearchResult, recommending: bool = False) -> SkillReply:
    query = context.query
    what = _what(context, result)
    if not result.matches:
        return _nothing_fits(context, result, what)
    matches = result.matches
    reply = SkillReply("", products=[])
    if query.count == 1 or (query.sort in ("price_asc", "price_desc") and len(matches) == 1):
        item = matches[0]
        reply.products = [item]
        reply.focus = item.product.id
        superlative = {"price_asc": "cheapest", "price_desc": "most expensive", "rating": "best rated"}.get(
            query.sort or "", "")
        if query.sort == "rating" and not item.reviews:  # the best has none, so none has: no rating to go by
            return _none_rated(reply, matches, what)
        if result.within_shown and superlative:  # "which is best rated?" after a list
            rating = f", {rating_words(item)}" if query.sort == "rating" else ""
            lead = f"Of those, the {superlative} is" if len(result.pool) > 1 else "The only one I showed is"
            reply.text = (f"{lead} the {item.product.name} at {price_words(item.product)}{rating} "
                          f"{reply.cite(item.doc_id)}.")
            return reply
        if len(result.pool) == 1 and not query.constrained:
            reply.text = (f"We have one {what}: the {item.product.name}, at {price_words(item.product)} "
                          f"{reply.cite(item.doc_id)}.")
        elif superlative:
            reply.text = (f"Our {superlative} {what} {_limits(context)}".strip() +
                          f" is the {item.product.name} at {price_words(item.product)}{_age_note(item, query.age)}"
                          f"{', ' + rating_words(item) if query.sort == 'rating' else ''} "
                          f"{reply.cite(item.doc_id)}.")
        else:
            reply.text = f"The {item.product.name} is {price_words(item.product)} {reply.cite(item.doc_id)}."
        if len(result.pool) > 1 and superlative:
            if not _limits(context):
                reply.text += f" We have {len(result.pool)} {plural(what)} in all."
            elif len(matches) == 1:
                reply.text += f" It's the only one of our {len(result.pool)} {plural(what)} that fits."
            else:
                reply.text += f" {len(matches)} of our {len(result.pool)} {plural(what)} fit."
        return reply
    shown = matches[: query.count or SHOW]
    reply.products = list(shown)
    order = {"price_asc": "cheapest first", "price_desc": "most expensive first"}.get(query.sort or "",
                                                                                       "best rated first")
    count = _count_of(len(matches), what)
    head = (f"Here are some {plural(what)} {_limits(context)}".rstrip() if recommending
            else f"We have {count} {_limits(context)}".rstrip())
    if result.dropped:  # "waterproof backpack?": the backpack is water resistant, not listed as waterproof
        head += (f", but our catalog doesn't list {'it' if len(matches) == 1 else 'any of them'} as "
                 f"{join_words(result.dropped)}")
    if query.max_weight is not None or query.min_weight is not None:  # most products list no weight
        weighed = sum(1 for i in result.pool if weight_in_pounds(i.product) is not None)
        head += f" (of the {weighed} whose weight our catalog lists)"
    if len(shown) < len(matches):
        head += f". The {len(shown)} {order}"
    lines = [_line(i, query, reply) for i in shown]
    if _asks_for_modifier(context, result):  # "laptops": we sell laptop sleeves and stands, not laptops
        head = (f"We don't sell {plural(result.modifiers[0])} themselves, but we have {len(matches)} "
                f"product{'s' if len(matches) != 1 else ''} for them")
    reply.text = head.strip() + ":\n" + "\n".join(lines)
    return reply


def _asks_for_modifier(context: ShopContext, result: SearchResult) -> bool:
    """Whether the thing asked for (the last word naming a product) is only part of other products' names:
    "laptops" finds laptop sleeves; in "wooden toys" or "camping tents" the thing asked for is found."""
    named = context.catalog.content_terms(result.query.terms)
    return bool(result.modifiers) and bool(named) and named[-1] in result.modifiers \
        and context.catalog.modifies_names(named[-1], result.matches) \
        and not context.catalog.mentioned(context.message, loose=False)  # "Kraken Cove" names the game itself


def _line(item: Listing, query, reply: SkillReply) -> str:
    """One product in a list: name, price, rating (and ages or weight, when the shopper gave a limit), cited."""
    return (f"- {item.product.name}, {price_words(item.product)}, {rating_words(item)}{_age_note(item, query.age)}"
            f"{_weight_note(item, query)} {reply.cite(item.doc_id)}")


def _nothing_fits(context: ShopContext, result: SearchResult, what: str) -> SkillReply:
    """No product meets the limits: say so, and name the closest ones as outside them."""
    query = context.query
    reply = SkillReply("", abstained=False, reason="no_match")
    limits = _limits(context)
    if result.within_shown and not limits:  # "and in blue?" when none of the list is
        asked = " ".join(context.catalog.content_terms(query.terms)) or "that"
        reply.text = f"None of the products I just showed mentions {asked}."
        return reply
    if not result.pool:
        reply.text = f"We don't have any {plural(what)} {limits}.".replace("  ", " ")
        return reply
    if query.on_sale and not any(is_on_sale(i.product) for i in result.pool):  # a sale is not "the closest"
        kind = f"{plural(what)} " if result.typed else ""
        reply.text = f"None of our {kind or 'products '}{'are' if kind else 'is'} on sale right now.".replace(
            "None of our products is", "Nothing is")
        return reply
    closest = sorted(result.pool, key=lambda i: _distance(i, context))[:2]
    reply.products = closest
    names = join_words([f"the {i.product.name} at {price_words(i.product)}{_age_note(i, query.age)}"
                        f"{_weight_note(i, query)} "
                        f"{reply.cite(i.doc_id)}" for i in closest])
    reply.text = (f"Nothing we sell matches {plural(what)} {limits}. "
                  f"The closest, outside that limit, {'is' if len(closest) == 1 else 'are'} {names}.")
    return reply


def _not_sold(context: ShopContext, unknown: list[str]) -> SkillReply:
    categories = join_words(sorted({i.product.category for i in context.catalog.listings if i.product.category}))
    unknown = [_as_written(context.message, words) for words in unknown]
    return SkillReply(f"Sorry, we don't sell {join_words(unknown)}. {context.store_name} sells {categories}; "
                      "tell me what you're looking for there and I'll find it.", abstained=True, reason="not_sold")


def _phrases(context: ShopContext, unknown: list[str]) -> list[str]:
    """Unknown words side by side in the message as one phrase: "mobile app", not "mobile and app"."""
    phrases: list[list[str]] = []
    previous = None
    for term in context.catalog.content_terms(context.query.terms):
        if term in unknown:
            if previous in unknown and phrases:
                phrases[-1].append(term)
            else:
                phrases.append([term])
        previous = term
    return [" ".join(words) for words in phrases] or unknown


def _as_written(message: str, words: str) -> str:
    """``words`` with the shopper's own capitals ("PlayStation", not "playstation")."""
    pattern = r"(?:\s+\d+)?\s+".join(re.escape(w.rstrip("s")) + r"\w*" for w in words.split())
    found = re.search(rf"\b{pattern}", message, re.I)
    if not found or re.sub(r"\s+\d+", "", found.group(0)).lower().rstrip("s") != words.lower().rstrip("s"):
        return words
    return found.group(0) + ("s" if words.endswith("s") and not found.group(0).endswith("s") else "")


def _what(context: ShopContext, result: SearchResult) -> str:
    """The shopper's own words for what they want ("bike", "kitchen", "laptops"), singular; or "product"."""
    named = [t for t in context.catalog.content_terms(result.query.terms)
             if t not in result.unknown and t not in result.dropped]
    # the words every product found has in its name or category: "a game for family night" → "game",
    # "bike lights" → "bike light" (the helmet with a rear light)
    shared = [t for t in named if result.matches and all(context.catalog.names_or_files(t, i) for i in result.matches)]
    if re.search(r"\bor\b", result.query.text, re.I) and len(set(shared)) != 1:
        return "product"  # "tents or board games", "toys or games": no one word of theirs names them all
    named = list(dict.fromkeys(shared or named))  # "board games or card games" → "game", once
    return _singular(" ".join(named[-2:])) if named else "product"


_PAIRS = ("headphones", "earbuds", "binoculars", "skates", "goggles", "scissors", "pants", "shorts", "tongs")


def _count_of(n: int, what: str) -> str:
    """"3 toys", "1 puzzle", "1 pair of headphones" (a word with no singular)."""
    if n == 1:
        return f"1 pair of {what}" if what.endswith(_PAIRS) else f"1 {what}"
    return f"{n} {plural(what)}"


def _singular(words: str) -> str:
    if words.endswith("ies"):
        return words[:-3] + "y"
    if words.endswith(("ches", "shes", "xes")):
        return words[:-2]
    if words.endswith("s") and not words.endswith(("ss", "phones", "us")):
        return words[:-1]
    return words


def _limits(context: ShopContext) -> str:
    q = context.query
    parts = []
    if q.min_price is not None and q.max_price is not None:
        parts.append(f"between {money(q.min_price)} and {money(q.max_price)}")
    elif q.max_price is not None:
        parts.append(f"under {money(q.max_price)}")
    elif q.min_price is not None:
        parts.append(f"over {money(q.min_price)}")
    if q.age is not None:
        parts.append(f"for {an_age(q.age)}")
    if q.max_weight is not None:
        parts.append(f"under {_pounds(q.max_weight)}")
    if q.min_weight is not None:
        parts.append(f"over {_pounds(q.min_weight)}")
    if q.on_sale:
        parts.append("on sale")
    return " ".join(parts)


def _pounds(weight: float) -> str:
    return f"{weight:.2g} lb" if weight < 1 else f"{weight:g} lb"


def _weight_note(item: Listing, query) -> str:
    weight = weight_in_pounds(item.product) if query.max_weight is not None or query.min_weight is not None else None
    return f", {_pounds(weight)}" if weight is not None else ""


def _age_note(item: Listing, age: int | None) -> str:
    ages = item.product.attributes.get("age_range")
    return f", ages {ages}" if age is not None and ages else ""


def _within(item: Listing, context: ShopContext) -> bool:
    q, price = context.query, item.product.price
    return price is None or ((q.max_price is None or price <= q.max_price) and
                             (q.min_price is None or price >= q.min_price))


def _distance(item: Listing, context: ShopContext) -> tuple:
    q, price = context.query, item.product.price or 0.0
    over = (price - q.max_price) if q.max_price is not None and price > q.max_price else 0.0
    under = (q.min_price - price) if q.min_price is not None and price < q.min_price else 0.0
    heavier = 0.0
    if q.max_weight is not None or q.min_weight is not None:
        weight = weight_in_pounds(item.product)
        heavier = float("inf") if weight is None else max(0.0, weight - (q.max_weight or weight)) + max(
            0.0, (q.min_weight or weight) - weight)
    return (heavier, over + under, price)
