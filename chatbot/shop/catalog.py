"""The store's catalog as structured data: products, their reviews and ratings, and search over both.

One module the shopper chat, the agent window and the API all use. ``Catalog.from_documents`` reads the
index's product and review documents back into records (``chatbot.shop.products``); ``search`` filters
by a ``ShopQuery`` (price range, age, the words that name a product type or category) and sorts;
``mentioned`` finds the products a message names ("the marble run", "Kraken Cove"). Words are compared
as Snowball stems, so "bikes" finds "Bike" and "toys" the category "Toys & Games".
"""

from __future__ import annotations

import difflib
import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from chatbot.common.english import word_frequency
from chatbot.common.words import stem
from chatbot.shop.products import Product, Review, documents_of, products_from, reviews_from
from chatbot.shop.query import ShopQuery, pounds
from chatbot.shop.variants import is_on_sale
from chatbot.shop.recommend import age_range

# words that say nothing about which product: function words, shopping talk, audience words
_NOISE = set("""a an and are as at be but by can could do does did for from get got have has how i if in into is it
its me my of on or our please should so than that the their them then there these they this those to up was we what
when where which who why will with would you your yours any anything some something stuff thing things item items
product products one ones sell selling sold carry stock offer got show see find looking look want wanted need
needs buy buying get gift gifts present presents idea ideas recommend recommendation suggest suggestion good nice
great cool fun best better top rated rating price priced prices cost costs cheap cheapest expensive under over
less more than between around about dollars dollar bucks usd kid kids child children boy boys girl girls son
daughter nephew niece grandson granddaughter baby toddler teen teens old year years age ages available range
options option list all also just really very much many lot lots like love loves store shop harbor pine hi hello
hey thanks thank ok okay yes no not don't dont i'm im what's whats there's theres tell know let us else other
another new newest latest first second third fourth fifth last work works gear equipment supplies goods merch
essentials you've you'd you'll ya u worth vs versus compare compares compared comparing cheaper pricier better worse
bigger smaller lighter heavier""".split())
_SPEC = re.compile(r"^(?:\d[\d,.:x/\"-]*[a-z\"]*|set|sets|pack|packs|piece|pieces|pc|pcs|inch|in|oz|lb|lbs|ft|mah|"
                   r"scale|l|qt|quart|cup|w)$")
_TOKEN = re.compile(r"[a-z0-9][a-z0-9'’-]*")
# the fields whose values are options a product comes in: "colors: oat, storm gray", "sizes: S, M"
OPTION_FIELD = re.compile(r"^(?:colou?rs?|sizes?|finish(?:es)?|styles?|options?|flavou?rs?|patterns?)$")


@dataclass(frozen=True)
class Listing:
    """A product with what the shopper sees beside it: its rating and review count, and its document id."""

    product: Product
    rating: float | None
    reviews: int
    doc_id: str

    def card(self) -> dict:
        """The product card of the result JSON: ``{id, name, price, price_max?, compare_at_price?, url?, rating?,
        reviews}``."""
        card = {"id": self.product.id, "name": self.product.name, "price": self.product.price,
                "reviews": self.reviews}
        if self.product.price_max and self.product.price is not None and self.product.price_max > self.product.price:
            card["price_max"] = self.product.price_max  # variants differ: the card shows "$42.00-$45.00"
        elif self.product.compare_at_price and self.product.price is not None \
                and self.product.compare_at_price > self.product.price:
            card["compare_at_price"] = self.product.compare_at_price  # on sale: "$18.00, was $20.00"
        if self.product.url:
            card["url"] = self.product.url
        if self.rating is not None:
            card["rating"] = round(self.rating, 1)
        return card


class Catalog:
    def __init__(self, products: list[Product], reviews: list[Review], pages: tuple[str, ...] = ()):
        """``pages``: the text of the store's own pages (policies, help, FAQ), whose words the catalog does not
        answer for."""
        by_product: dict[str, list[Review]] = defaultdict(list)
        for review in reviews:
            by_product[review.product_id].append(review)
        self.reviews = dict(by_product)
        self.listings = [Listing(p, _average(by_product.get(p.id, [])), len(by_product.get(p.id, [])),
                                 f"product:{p.id}") for p in products]
        self.by_id = {item.product.id: item for item in self.listings}
        self._name_stems = {item.product.id: self._stems(_name_core(item.product.name)) for item in self.listings}
        self._heads = {pid: stems[-1] if stems else "" for pid, stems in self._name_stems.items()}
        self._full_name_stems = {item.product.id: self._stems(item.product.name) for item in self.listings}
        self._category_stems = {item.product.id: self._stems(item.product.category or "") for item in self.listings}
        self._text_stems = {item.product.id: set(self._stems(_product_text(item.product))) for item in self.listings}
        counts: dict[str, int] = defaultdict(int)
        for stems in self._full_name_stems.values():
            for s in set(stems):
                counts[s] += 1
        self._name_frequency = dict(counts)
        described: dict[str, int] = defaultdict(int)
        for stems in self._text_stems.values():
            for s in stems:
                described[s] += 1
        self._text_frequency = dict(described)
        self._vocabulary = sorted({t.strip("'’-") for item in self.listings
                                   for t in _TOKEN.findall(_product_text(item.product).lower())})
        self._pages = [set(self._stems(text)) for text in pages]
        self._page_stems = set().union(*self._pages)
        # stem → products, so a question looks up the few products its words name instead of reading all of
        # them (a 5,000-product store spent most of a catalog answer's own time in those loops)
        self._with_head = _inverted((pid, [head]) for pid, head in self._heads.items())
        self._with_name = _inverted(self._full_name_stems.items())
        self._with_category = _inverted(self._category_stems.items())
        self._with_text = _inverted(self._text_stems.items())
        self._sorted_catalog: dict[str | None, list[Listing]] = {}  # sort → every listing in that order
        self._distinctive = {pid: [s for s in dict.fromkeys(stems)
                                   if s not in _GENERIC_STEMS and s not in _NOISE_STEMS and not _SPEC.match(s)]
                             for pid, stems in self._full_name_stems.items()}

    @classmethod
    def from_documents(cls, source: Any) -> "Catalog":
        """The catalog records among the documents: products loaded from a catalog file (``product:ID``, with
        a name, price and attributes), not loose product snippets such as hetPQA's evidence."""
        documents = [d for d in documents_of(source) if d.kind != "product" or d.id == f"product:{d.product_id}"]
        pages = tuple(d.text for d in documents if d.kind not in ("product", "review") and not d.product_id)
        return cls(products_from(documents), reviews_from(documents), pages)

    def __len__(self) -> int:
        return len(self.listings)

    # ---- words and products
    def _stems(self, text: str) -> list[str]:
        return [stem(t.strip("'’-")) for t in _TOKEN.findall(text.lower().replace("’", "'"))
                if t.strip("'’-") and not t.isdigit()]

    @cached_property
    def option_stems(self) -> set[str]:
        """The stems of every option any product comes in: the words that name a colour, size, ... in this store
        ("blue" when something is blue), from the catalog itself rather than a list of colour names."""
        fields = {s for item in self.listings for field, value in item.product.attributes.items()
                  if OPTION_FIELD.match(field) and isinstance(value, str) for s in self._stems(value)}
        variants = {s for item in self.listings for option in item.product.options
                    for value in option.get("values", []) if len(value) > 2 for s in self._stems(value)}
        return fields | variants

    def names_an_option(self, text: str) -> bool:
        """Whether the text names a colour, size, ... some product comes in ("and in teal?")."""
        return bool(self.option_stems & set(self._stems(text)))

    def page_things(self, terms: list[str], unknown: list[str]) -> list[str]:
        """Things the store's pages speak of and the catalog does not sell: an uncommon word the catalog lacks,
        used on the pages, before a word that names products ("the monthly larder box" in a store whose
        pages describe a Larder Box subscription and whose catalog has a Lunch Box)."""
        return [f"{before} {term}" for before, term in zip(terms, terms[1:])
                if before in unknown and self.on_store_pages(before) and word_frequency(before) < _SUBJECT
                and term not in unknown and self.content_terms([term])]

    def store_page_words(self, terms: list[str], unknown: list[str]) -> list[str]:
        """Of the words the catalog lacks, the uncommon ones a store page uses together with another word of
        the message ("dishwasher" beside "enamel mugs" on a care page): the pages may answer what no product
        record says."""
        known = {stem(t) for t in self.content_terms(terms) if t not in unknown}
        return [t for t in unknown if word_frequency(t) < _SUBJECT
                and any(stem(t) in page and known & page for page in self._pages)]

    def on_store_pages(self, term: str) -> bool:
        """Whether the store's own pages (not its catalog) use the word: "a store in Oslo" when a page says
        where the shop is."""
        return stem(term) in self._page_stems

    def text_stems(self, product_id: str) -> set[str]:
        """The stems of everything a product's record says: name, category, attributes, description."""
        return self._text_stems.get(product_id, set())

    def content_terms(self, terms: list[str]) -> list[str]:
        """The words of a query that could name a product type, a category or a feature."""
        return [t for t in terms if t not in _NOISE and len(t) > 1 and not t.isdigit()]

    def match_terms(self, terms: list[str], either: bool = False) -> tuple[set[str] | None, list[str], list[str], bool]:
        """Which products the words allow: (product ids or None for "any", words matched only as a modifier of
        a name ("laptop" in "Laptop Sleeve"), words that match nothing in the catalog, whether a word named a
        product type or category rather than only a feature from a description). ``either``: the shopper
        said "A or B", so either word's products count."""
        groups = _split_on_or(terms) if either else [terms]
        if len(groups) > 1:  # "board games or card games": each side as a phrase, not "board" alone
            sides = [self.match_terms(group) for group in groups]
            found = [side[0] for side in sides if side[0] is not None]
            return (set().union(*found) if found else None, [w for side in sides for w in side[1]],
                    [w for side in sides for w in side[2]], any(side[3] for side in sides))
        matches: list[tuple[int, set[str]]] = []  # (strength: 3 head noun, 2 name, 1 category, 0 text, ids)
        in_names: list[set[str]] = []  # per word, the products with it anywhere in their names
        modifiers, unknown = [], []
        for term in self.content_terms(terms):
            root = stem(term)
            heads = self._with_head.get(root, _NONE)
            in_category = self._with_category.get(root, _NONE)
            in_name = self._with_name.get(root, _NONE)
            in_text = self._with_text.get(root, _NONE)
            in_names.append(in_name)
            if heads:  # "puzzles": the puzzles, not every product in "Books & Puzzles"
                matches.append((3, heads))
            elif in_category:
                matches.append((1, in_category))
            elif in_name:
                matches.append((2, in_name))
                modifiers.append(term)
            elif in_text:
                matches.append((0, in_text))
            else:
                unknown.append(term)
        if not matches:
            return None, modifiers, unknown, False
        named = any(strength > 0 for strength, _ in matches)
        if either:
            return set().union(*(ids for _, ids in matches)), modifiers, unknown, named
        allowed = set(matches[0][1]).intersection(*(ids for _, ids in matches[1:]))
        if not allowed and all(in_names):  # "bike lights": the helmet named "Bike Helmet with LED Rear Light"
            allowed = set(in_names[0]).intersection(*in_names[1:])
        if not allowed:  # "a game for family night", "outdoor toys": the strongest, most specific word decides
            strongest = max(strength for strength, _ in matches)
            allowed = min((ids for strength, ids in matches if strength == strongest), key=len)
        return set(allowed), modifiers, unknown, named

    def unsold_phrase(self, terms: list[str], unknown: list[str]) -> str | None:
        """The thing asked for when the store does not sell it though a word before it matches: in "electric
        guitars" or "kettle descaler" the last word naming a product is one the catalog lacks. A misspelling
        of a catalog word ("headphons") does not count."""
        asked = self.content_terms(terms)
        if self.names_a_product(" ".join(terms)):
            return None  # "is the weighted blanket durable?" is about the blanket, whatever the last word
        for before, term in zip(terms, terms[1:]):
            if "'" in term or not self.content_terms([before]) or before in unknown or term != asked[-1] \
                    or word_frequency(term) > _EVERYDAY:
                continue  # only the last word naming a product is the thing asked for ("come" in "what sizes
                # does the hoodie come in" names nothing)
            if term in unknown and not self._misspelled(term) or self._only_described(term):
                return f"{before} {term}"
        return None

    def names_or_files(self, term: str, item: "Listing") -> bool:
        """Whether ``term`` is in the listing's name or category ("wooden" for the Wooden Train Set, "toys")."""
        root = stem(term)
        return root in self._full_name_stems[item.product.id] or root in self._category_stems[item.product.id]

    def modifies_names(self, term: str, listings: list["Listing"]) -> bool:
        """Whether ``term`` comes before the head noun in each listing's name: "laptop" in "Laptop Sleeve", but
        not "kit" in "Spark Lab Electronics Kit" (a kit) or "bike" for a helmet's "LED Rear Light"."""
        root = stem(term)
        for item in listings:
            core = self._name_stems[item.product.id]
            head = self._heads[item.product.id]
            if root not in core or head not in core or core.index(root) >= core.index(head):
                return False
        return bool(listings)

    def names_a_product(self, text: str) -> bool:
        """Whether two distinctive words of one product's name are in the text ("weighted blanket")."""
        present = set(self._stems(text))
        return any(len([s for s in self._distinctive[pid] if s in present]) >= 2
                   for pid in set().union(*(self._with_name.get(s, _NONE) for s in present)))

    def _only_described(self, term: str) -> bool:
        """A plural noun found in descriptions but in no name or category: "car tires" (a mount that "never
        tires") is not a product type the store has."""
        root = stem(term)
        return term.endswith("s") and not term.endswith("ss") and self.content_terms([term]) != [] \
            and root in self._with_text and root not in self._with_name and root not in self._with_category

    def _misspelled(self, term: str) -> bool:
        """Whether ``term`` is a near spelling of a catalog word with the same first letter ("headphons")."""
        return any(word[0] == term[0] for word in difflib.get_close_matches(term, self._vocabulary, n=3,
                                                                            cutoff=0.85))

    def mentioned(self, text: str, limit: int = 4, by_position: bool = False, loose: bool = True) -> list[Listing]:
        """The products the text names, best match first (or in the order named): by their distinctive name
        words, so "the marble run", "Kraken Cove" and "the kids' headphones" find their products and "a game"
        finds none. ``loose=False`` leaves out products named only by their head noun ("play" in "how many
        players can play?" is not the Pretend Play Set)."""
        words = self._stems(text)
        present = set(words)
        scored = []
        for pid in set().union(*(self._with_name.get(s, _NONE) for s in present)):
            stems, distinctive = self._full_name_stems[pid], self._distinctive[pid]
            hit = [s for s in distinctive if s in present]
            if not hit:
                continue
            # with a product in focus, a rare name word must also be rare in the descriptions: "how many watts
            # can they charge at?" on the cable's page is about the cable, not the Charging Stand
            rare = [s for s in hit if self._name_frequency.get(s, 0) == 1 and (loose or
                                                                             self._text_frequency.get(s, 0) <= 1)]
            if len(hit) >= 2 or rare or (loose and self._heads[pid] in hit):
                generic = sum(1 for s in set(stems) & present if s in _GENERIC_STEMS)
                # a rare name word other products' texts also use is weaker: "runs" in "does the diffuser turn
                # off when the water runs out?" is not the Marble Run
                alone = [s for s in rare if self._text_frequency.get(s, 0) <= 1]
                score = len(rare) + len(alone) + len(hit) + len(hit) / len(distinctive) + 0.5 * generic
                scored.append((score, pid))
        scored = _named_in_full_first(scored, words, self._full_name_stems, self._distinctive)
        if not scored:
            return []
        best = scored[0][0]
        # several products named at once (a comparison) may be named more or less fully than each other
        keep = [pid for score, pid in scored if score >= best * (0.3 if by_position else 0.6)][:limit]
        if by_position:
            keep.sort(key=lambda pid: _first_position(self._full_name_stems[pid], words))
        return [self.by_id[pid] for pid in keep]

    # ---- search
    def search(self, query: ShopQuery, within: set[str] | None = None) -> "SearchResult":
        """Products matching the query's words, inside its price range and age, sorted as asked."""
        either = bool(re.search(r"\b(?:or|and/or)\b", query.text, re.I))
        allowed, modifiers, unknown, named = self.match_terms(query.terms, either)
        # "waterproof backpack": the backpack won over a word only other products have; say it isn't that
        dropped = [t for t in self.content_terms(query.terms) if t not in unknown and allowed and not either
                   and self._only_in_texts(t) and not allowed & self._mentioning(t)]
        # sorted first, then filtered: the order is total (the id breaks ties), so this is the same as sorting what
        # passes, and the whole catalog's order (no product word matched) is sorted once, not per question
        ordered = self._everything_sorted(query.sort) if allowed is None else \
            _sorted([self.by_id[pid] for pid in allowed], query.sort)
        pool = [item for item in ordered if within is None or item.product.id in within]
        fitting = [item for item in pool if _in_price(item, query) and _fits_age(item, query.age)
                   and _in_weight(item, query) and (not query.on_sale or is_on_sale(item.product))]
        return SearchResult(query, fitting, pool, named,
                            modifiers, unknown, self.unsold_phrase(query.terms, unknown), dropped=dropped)

    def _everything_sorted(self, sort: str | None) -> list[Listing]:
        if sort not in self._sorted_catalog:  # two threads may both sort it once; the result is the same
            self._sorted_catalog[sort] = _sorted(self.listings, sort)
        return self._sorted_catalog[sort]

    def _only_in_texts(self, term: str) -> bool:
        """A feature word ("waterproof"): in some product's description or attributes, in no name or category."""
        root = stem(term)
        return root not in self._with_name and root not in self._with_category

    def _mentioning(self, term: str) -> set[str]:
        """The products whose name, category or text has the word."""
        root = stem(term)
        return set().union(*(index.get(root, _NONE) for index in (self._with_name, self._with_category,
                                                                   self._with_text, self._with_head)))


@dataclass
class SearchResult:
    query: ShopQuery
    matches: list[Listing]  # inside every limit, sorted
    pool: list[Listing]  # of the asked type, before the price and age limits
    typed: bool  # the message named a product type or category the catalog has (a feature alone is not enough)
    modifiers: list[str]  # words found only as part of other products' names ("laptop" → laptop sleeve)
    unknown: list[str]  # words the catalog has nothing for
    unsold: str | None = None  # "electric guitars": a product type named with a word the catalog lacks
    within_shown: bool = False  # searched among the products the last answer showed ("the cheapest one?")
    dropped: list[str] = field(default_factory=list)  # asked-for words the products found don't have


_NOISE_STEMS = {stem(w) for w in _NOISE}
_GENERIC_STEMS = set(map(stem,
    """kid kids child children with for and of the set pack piece pieces inch mini little big large small
    wooden kit toy game harbor pine""".split()))


_NONE: frozenset[str] = frozenset()
_EVERYDAY = 4e-4  # a word used more often than this in English ("come", "work", "use") names no product type
_SUBJECT = 1e-4  # a word used less often than this names a subject ("plans", "dishwasher"), not a plain verb


def _inverted(stems_by_product) -> dict[str, frozenset[str]]:
    """{stem: the products having it} from (product id, stems) pairs."""
    having: dict[str, set[str]] = defaultdict(set)
    for pid, stems in stems_by_product:
        for s in stems:
            having[s].add(pid)
    return {s: frozenset(pids) for s, pids in having.items()}


def _name_core(name: str) -> str:
    """The words that say what a product is: "Coastline Balance Bike 12-inch" → "Coastline Balance Bike";
    "Kids' Bike Helmet with LED Rear Light" → "Kids' Bike Helmet"."""
    core = re.split(r"\s(?:with|for|and)\s|\(|,", name, maxsplit=1)[0]
    words = core.split()
    while len(words) > 1 and (_SPEC.match(words[-1].lower()) or words[-1].lower() in ("of", "set", "kit")):
        words.pop()
    return " ".join(words)


def _product_text(product: Product) -> str:
    attributes = " ".join(f"{k.replace('_', ' ')} {v}" for k, v in product.attributes.items()
                          if not isinstance(v, bool) or v)
    return f"{product.name} {product.category or ''} {attributes} {product.description}"


def _average(reviews: list[Review]) -> float | None:
    return sum(r.rating for r in reviews) / len(reviews) if reviews else None


def _in_price(item: Listing, query: ShopQuery) -> bool:
    price = item.product.price
    if price is None:
        return query.min_price is None and query.max_price is None
    return (query.min_price is None or price >= query.min_price) and (query.max_price is None or
                                                                       price <= query.max_price)


def weight_in_pounds(product: Product) -> float | None:
    """The product's own weight from its attributes ("weight": "7.4 oz", "bike_weight": "6.6 lb"), not a
    capacity ("max_weight"); None when the catalog does not list one."""
    stated = stated_weight(product)
    return stated[0] if stated else None


def stated_weight(product: Product) -> tuple[float, str] | None:
    """(pounds, the weight as the catalog writes it), or None when it lists none (see ``weight_in_pounds``)."""
    for key, value in product.attributes.items():
        if (key == "weight" or key.endswith("_weight")) and not key.startswith(("max", "min")):
            m = re.match(r"\s*(\d+(?:\.\d+)?)\s*([a-z]+)", str(value).lower())
            if m:
                return pounds(float(m.group(1)), m.group(2)), str(value).strip()
    return None


def _in_weight(item: Listing, query: ShopQuery) -> bool:
    if query.min_weight is None and query.max_weight is None:
        return True
    weight = weight_in_pounds(item.product)
    return weight is not None and (query.max_weight is None or weight <= query.max_weight) and (
        query.min_weight is None or weight >= query.min_weight)


def _fits_age(item: Listing, age: int | None) -> bool:
    if age is None:
        return True
    span = age_range(item.product.attributes.get("age_range"))
    return span is not None and span[0] <= age <= span[1]


def _sorted(items: list[Listing], sort: str | None) -> list[Listing]:
    if sort == "price_asc":
        return sorted(items, key=lambda i: (i.product.price if i.product.price is not None else float("inf"),
                                            i.product.id))
    if sort == "price_desc":
        return sorted(items, key=lambda i: (-(i.product.price or 0), i.product.id))
    # best rated first (also the default: what shoppers liked most), more reviews breaking ties
    return sorted(items, key=lambda i: (-(i.rating or 0), -i.reviews, i.product.id))


def _split_on_or(terms: list[str]) -> list[list[str]]:
    """The words on each side of "or", sides without words left out."""
    groups: list[list[str]] = [[]]
    for term in terms:
        if term == "or":
            groups.append([])
        else:
            groups[-1].append(term)
    return [group for group in groups if group]


def _named_in_full_first(scored: list[tuple[float, str]], words: list[str], name_stems: dict[str, list[str]],
                         distinctive: dict[str, list[str]]) -> list[tuple[float, str]]:
    """``scored`` best first, where a product whose whole name the text spells out word for word leads, and a
    product named only by words of those full names goes: in "compare the Zephyr Summit Camp Stool and the Juniper
    Meadow Rain Jacket", the Juniper Summit Camp Stool shares four name words but is not named."""
    full = {pid for _, pid in scored if _runs_in(name_stems[pid], words)}
    if full:
        spelled = {s for pid in full for s in name_stems[pid]}
        scored = [(score + (2.0 if pid in full else 0.0), pid) for score, pid in scored
                  if pid in full or not set(distinctive[pid]) & set(words) <= spelled]
    return sorted(scored, key=lambda x: (-x[0], x[1]))


def _runs_in(name: list[str], words: list[str]) -> bool:
    """Whether ``name`` (two words or more) appears in ``words`` as a run, in order."""
    n = len(name)
    return n >= 2 and any(words[i:i + n] == name for i in range(len(words) - n + 1))


def _first_position(name_stems: list[str], text_stems: list[str]) -> int:
    n = len(name_stems)  # where the whole name is spelled out, else where its first word is
    spelled = [i for i in range(len(text_stems) - n + 1) if n >= 2 and text_stems[i:i + n] == name_stems]
    if spelled:
        return spelled[0]
    positions = [text_stems.index(s) for s in name_stems if s in text_stems]
    return min(positions) if positions else len(text_stems)
