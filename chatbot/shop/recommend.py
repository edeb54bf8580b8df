"""Product picks for a need in words ("a gift for a 6-year-old under $30") and "you may also like".

The need is parsed for a price limit, an age and a category named in it. Price and age are hard
filters: a product over the limit, or one whose ``age_range`` excludes the age, is never shown.
What passes is ranked by a named category first, a confirmed age range next, then embedding
similarity between the need and the product, raised for each thing the shopper likes that the product's
text says ("who likes building"). Each pick carries a reason built only from facts that
matched. Pass a KnowledgeIndex (or the Chatbot) to reuse its stored product vectors, or a ``ProductSet`` kept
over one to reuse everything ranking needs (the chat skills do); a plain product list is embedded on every
call. It does not read reviews, stock levels or orders: ``recommend_after`` is given its anchor (a product the shopper has or liked) and what to leave out (what a verified shopper already has).
"""

from __future__ import annotations

import heapq
import math
import re
import threading
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Collection

import numpy as np
import Stemmer

from chatbot.common.errors import InputError
from chatbot.ingest.embedding import Embedder
from chatbot.shop.products import Product, categories, documents_of, find_product, products_from

_NUMBER = r"(\d+(?:\.\d{1,2})?)(?![\d.])(?!\s*-?\s*(?:years?|yrs?|months?|mos?)\b)"
_PRICE = [re.compile(rf"\b(?:under|less than|below|max(?:imum)?|up to|at most|no more than|cheaper than|within|"
                     rf"budget(?: of)?|not over)\s*(?:of\s*)?\$?\s*{_NUMBER}", re.I),
          re.compile(rf"\$\s*{_NUMBER}\s*(?:or less|or under|or below|max(?:imum)?|tops|budget)", re.I),
          re.compile(rf"{_NUMBER}\s*(?:dollars|usd|bucks)\s*(?:or less|max(?:imum)?|tops)", re.I)]
_AGE = [re.compile(r"\b(\d{1,2})\s*-?\s*(?:years?|yrs?)\s*-?\s*olds?\b", re.I),
        re.compile(r"\bages?\s*(\d{1,2})\b", re.I), re.compile(r"\b(\d{1,2})\s*yo\b", re.I)]
_AGE_WORDS = {"toddler": 2, "preschooler": 4, "teen": 13, "teenager": 13}
_STOP = set("""a an and or the for of to in on with my our your me i we is are be that this it its some something
any thing under less than below max maximum up most no more cheaper within budget over
dollars usd bucks year years old olds yo age ages who what which would like want need looking good nice great
please""".split())


# words of a need that say who a gift is for or why, not what it should be like
_WHO_AND_WHY = set("""gift gifts present presents idea ideas kid kids child children boy boys girl girls son sons
daughter daughters grandson granddaughter nephew niece toddler baby likes like loves love into enjoys enjoy fan
obsessed birthday christmas holiday something recommend suggest find get buy""".split())
# "like the X but cheaper": only products under the anchor's price
CHEAPER = re.compile(r"\b(?:cheaper|less expensive|lower[- ]priced|more affordable|costs? less)\b", re.I)
INTEREST_WEIGHT = 0.1  # per interest word the product's text uses; cosines between a need and products differ by
# about 0.05 among the top picks


@dataclass(frozen=True)
class Need:
    text: str
    max_price: float | None  # hard limit: nothing above it is recommended
    age: int | None  # hard filter against a product's parsable age_range
    category: str | None  # a catalog category named in the need; its products rank first


@dataclass(frozen=True)
class Recommendation:
    product: Product
    score: float  # cosine similarity between the need (or the product) and this product, plus INTEREST_WEIGHT
    #               for each liked thing the product's text says
    reason: str  # the facts that matched, in words, for the agent or shopper


def parse_need(need: str, category_names: list[str]) -> Need:
    if not isinstance(need, str) or not need.strip():
        raise InputError("the need is empty; describe it in words, e.g. 'a gift for a 6-year-old under $30'")
    price = next((float(m.group(1)) for rx in _PRICE if (m := rx.search(need))), None)
    age = next((int(m.group(1)) for rx in _AGE if (m := rx.search(need))), None)
    words = re.findall(r"[a-z]+", need.lower())
    if age is None:
        age = next((_AGE_WORDS[w] for w in words if w in _AGE_WORDS), None)
    # a category counts as named when every word of its name is in the need ("kids outdoor", "toys and games")
    named = [c for c in category_names if set(_stems(c)) <= set(_stems(need))]
    return Need(need.strip(), price, age, max(named, key=len) if named else None)


class ProductSet:
    """A store's products with what ranking them takes, worked out once and kept: their unit vectors (from the
    index's stored product chunks when it has them) and which products' text uses each word stem.

    The chat skills keep one per index (a re-index builds new skills). Worked out on every question instead, a
    recommendation in a store of 5,000 products spent 0.9 s of CPU on it."""

    def __init__(self, source: Any, embedder: Embedder):
        self.products = _products(source)
        self.categories = categories(self.products)
        self._row = {p.id: n for n, p in enumerate(self.products)}
        self._source, self._embedder = source, embedder
        self._lock = threading.Lock()
        self._vectors: np.ndarray | None = None
        self._by_stem: dict[str, set[str]] | None = None

    @classmethod
    def of(cls, products: Any, embedder: Embedder) -> "ProductSet":
        return products if isinstance(products, ProductSet) else cls(products, embedder)

    def vectors(self, products: list[Product] | None = None) -> np.ndarray:
        """Unit vectors of ``products`` (all of them by default), one row each, in that order."""
        with self._lock:
            if self._vectors is None:
                self._vectors = _vectors(self.products, self._source, self._embedder)
        return self._vectors if products is None else self._vectors[[self._row[p.id] for p in products]]

    def shared_interests(self, interests: set[str]) -> dict[str, int]:
        """Product id → how many interest stems its text uses, a stem counting when one is the start of the other
        ("build" and "builder"): each interest is checked against the store's few thousand stems, not against
        every product."""
        counts: dict[str, int] = defaultdict(int)
        for wanted in interests:
            having: set[str] = set()
            for own, ids in self._stem_index().items():
                if own.startswith(wanted) or (len(own) >= 4 and wanted.startswith(own)):
                    having |= ids
            for pid in having:
                counts[pid] += 1
        return counts

    def warm_up(self) -> None:
        self.vectors()
        self._stem_index()

    def _stem_index(self) -> dict[str, set[str]]:
        with self._lock:
            if self._by_stem is None:
                by_stem: dict[str, set[str]] = defaultdict(set)
                for product in self.products:
                    for own in set(_stems(_text(product))):
                        by_stem[own].add(product.id)
                self._by_stem = dict(by_stem)
            return self._by_stem


def recommend(need: str, products: Any, embedder: Embedder, k: int = 3) -> list[Recommendation]:
    """Up to ``k`` products for ``need``; fewer (or none) when fewer pass the price and age filters. ``products``:
    a ``ProductSet`` (kept by the caller), a KnowledgeIndex or a list of products."""
    _check_k(k)
    items = ProductSet.of(products, embedder)
    parsed = parse_need(need, items.categories)
    fits = [p for p in items.products
            if (parsed.max_price is None or (p.price is not None and p.price <= parsed.max_price))
            and (parsed.age is None or _age_ok(p, parsed.age) is not False)]
    if not fits:
        return []
    sims = items.vectors(fits) @ embedder.embed([parsed.text])[0]
    # what the shopper likes ("who likes building") is a few words in a long need: the embedding of the whole
    # blurs it, so each such word the product's own text uses adds to its score (the Marble Run "builds")
    shared = items.shared_interests(_interest_stems(parsed.text))
    scores = [float(sim) + INTEREST_WEIGHT * shared.get(p.id, 0) for p, sim in zip(fits, sims)]
    ranked = heapq.nsmallest(k, zip(fits, scores), key=lambda x: (x[0].category != parsed.category,
                                                                   parsed.age is not None
                                                                   and not _age_ok(x[0], parsed.age),
                                                                   -x[1], x[0].id))
    return [Recommendation(p, round(float(s), 4), _need_reason(p, parsed)) for p, s in ranked]


def similar_products(product_id: str, products: Any, embedder: Embedder, k: int = 3) -> list[Recommendation]:
    """Up to ``k`` other products like ``product_id``: its own category first, then by embedding similarity."""
    _check_k(k)
    items = ProductSet.of(products, embedder)
    catalog = items.products
    base = find_product(catalog, product_id)
    vectors = items.vectors()
    sims = vectors @ vectors[catalog.index(base)]
    ranked = sorted(((p, s) for p, s in zip(catalog, sims) if p.id != base.id),
                    key=lambda x: (x[0].category != base.category, -x[1], x[0].id))
    return [Recommendation(p, round(float(s), 4), _similar_reason(p, base)) for p, s in ranked[:k]]


def recommend_after(anchor_id: str, products: Any, embedder: Embedder, k: int = 3, need: str | None = None,
                    exclude: Collection[str] = (), older: bool = False) -> list[Recommendation]:
    """Up to ``k`` products to go with ``anchor_id`` (a product the shopper has, or liked): never the anchor itself
    nor a product in ``exclude``. The need's price limit and age are hard filters, as in ``recommend``. An anchor
    for children (an ``age_range`` other than "all ages") keeps to products with an age range: those for the same
    ages, or with ``older`` (the child has grown) those for the next ages, starting after the anchor's youngest age
    and no later than its oldest. Ranked as ``similar_products``: the anchor's category first, then embedding
    similarity to it."""
    _check_k(k)
    items = ProductSet.of(products, embedder)
    catalog = items.products
    base = find_product(catalog, anchor_id)
    parsed = parse_need(need, items.categories) if need and need.strip() else None
    bounds = age_range(base.attributes.get("age_range"))
    for_children = bounds is not None and bounds != (0.0, math.inf)
    cheaper = bool(need and CHEAPER.search(need)) and base.price is not None  # "like the X but cheaper"

    def fits(p: Product) -> bool:
        if p.id == base.id or p.id in exclude:
            return False
        if cheaper and (p.price is None or p.price >= base.price):
            return False
        if parsed is not None and parsed.max_price is not None and (p.price is None or p.price > parsed.max_price):
            return False
        if parsed is not None and parsed.age is not None and _age_ok(p, parsed.age) is False:
            return False
        if not for_children:
            return True
        own = age_range(p.attributes.get("age_range"))
        if own is None or own == (0.0, math.inf):
            return False
        if older:
            return bounds[0] < own[0] <= bounds[1]
        return own[0] <= bounds[1] and own[1] >= bounds[0]

    candidates = [p for p in catalog if fits(p)]
    if not candidates:
        return []
    vectors = items.vectors()
    sims = vectors @ vectors[catalog.index(base)]
    by_id = {p.id: float(s) for p, s in zip(catalog, sims)}
    ranked = sorted(candidates, key=lambda p: (p.category != base.category, -by_id[p.id], p.id))
    return [Recommendation(p, round(by_id[p.id], 4), _after_reason(p, base, older and for_children))
            for p in ranked[:k]]


def vague_need(need: str) -> bool:
    """Whether a need says nothing about the product beyond who it is for ("any ideas for my daughter?", "what else
    would go with what I bought?"): no price, age, or word of what it should be or do."""
    parsed = parse_need(need, [])
    words = {w for w in re.findall(r"[a-z]+", need.lower()) if w not in _STOP and w not in _WHO_AND_WHY}
    return parsed.max_price is None and parsed.age is None and not words - _VAGUE


_VAGUE = set("""else go goes went bought purchased ordered have has had already got new next another more similar
us from you can could should will do does did s ll m ve re d he she they them him her his hers their them""".split())


def age_range(value: Any) -> tuple[float, float] | None:
    """(youngest, oldest) in years from "6-12 years", "3+ years", "5 years and up", "18 months+", "all ages"."""
    text = str(value or "").lower()
    if "all ages" in text:
        return 0.0, math.inf
    scale = 1 / 12 if "month" in text else 1.0
    if m := re.search(r"(\d+(?:\.\d+)?)\s*(?:-|–|to)\s*(\d+(?:\.\d+)?)", text):
        return float(m.group(1)) * scale, float(m.group(2)) * scale
    if m := re.search(r"(\d+(?:\.\d+)?)\s*(?:\+|(?:years?|months?)\s*(?:\+|and (?:up|older|over)))", text):
        return float(m.group(1)) * scale, math.inf
    return None


def _age_ok(product: Product, age: int) -> bool | None:
    """True/False when the product's age range is known, None when it has none we can read."""
    bounds = age_range(product.attributes.get("age_range"))
    return None if bounds is None else bounds[0] <= age <= bounds[1]


def _need_reason(product: Product, need: Need) -> str:
    parts = []
    if product.price is not None:
        limit = "" if need.max_price is None else f", under your {_money(need.max_price, short=True)} limit"
        parts.append(_money(product.price) + limit)
    if need.age is not None:
        ages = product.attributes.get("age_range")
        parts.append(("for all ages" if str(ages).lower().startswith("all") else f"for ages {ages}")
                     if _age_ok(product, need.age) else "no age range listed")
    text_stems = set(_stems(_text(product)))
    if need.category and product.category == need.category:
        parts.append(f"in {product.category}, as asked")
        text_stems -= set(_stems(need.category))  # said once already
    words = [w for w in dict.fromkeys(re.findall(r"[a-z]+", need.text.lower())) if w not in _STOP]
    matched = [w for w, stem in zip(words, _stems(" ".join(words))) if stem in text_stems][:3]
    if matched:
        parts.append("matches " + ", ".join(f"'{w}'" for w in matched))
    return "; ".join(parts) or "closest match to your description"


def _after_reason(product: Product, base: Product, older: bool) -> str:
    parts = [f"also in {base.category}" if product.category == base.category else f"in {product.category}"]
    ages = product.attributes.get("age_range")
    if older and ages:
        parts.append(f"for ages {ages}, the next ages after {base.name}'s {base.attributes.get('age_range')}")
    elif ages:
        parts.append(f"for ages {ages}")
    if product.price is not None:
        parts.append(_money(product.price))
    return "; ".join(parts)


def _similar_reason(product: Product, base: Product) -> str:
    parts = [f"also in {base.category}" if product.category == base.category else f"in {product.category}"]
    if product.price is not None:
        parts.append(_money(product.price) + (f" (vs {_money(base.price)})" if base.price is not None else ""))
    shared = [k for k, v in base.attributes.items() if product.attributes.get(k) == v and not isinstance(v, bool)]
    parts += [f"same {k.replace('_', ' ')}: {base.attributes[k]}" for k in shared[:2]]
    return "; ".join(parts)


def _vectors(products: list[Product], source: Any, embedder: Embedder) -> np.ndarray:
    """Unit vectors of the products, from the index's stored product chunks when it was built by this embedder."""
    index = source.retriever.index if hasattr(source, "retriever") else source
    if getattr(index, "embedder", None) == embedder.name and hasattr(index, "chunks"):
        rows: dict[str, list[int]] = {}
        for pos, chunk in enumerate(index.chunks):
            if chunk.kind == "product" and chunk.product_id:
                rows.setdefault(chunk.product_id, []).append(pos)
        if all(p.id in rows for p in products):
            stored = index.vectors()
            vectors = np.stack([stored[rows[p.id]].mean(axis=0) for p in products])
            return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    return embedder.embed([_text(p) for p in products])


def _products(source: Any) -> list[Product]:
    items = source if isinstance(source, list) and all(isinstance(p, Product) for p in source) else None
    catalog = items if items is not None else products_from(documents_of(source))
    if not catalog:
        raise InputError("the catalog has no products; index a product file (e.g. knowledge/catalog/products.jsonl)")
    return catalog


def _check_k(k: int) -> None:
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise InputError(f"k={k!r} must be a whole number of at least 1")


def _interest_stems(need: str) -> set[str]:
    """Stems of the need's words that say what the shopper likes: not filler, limits, ages or who it is for."""
    words = [w for w in re.findall(r"[a-z]+", need.lower()) if w not in _STOP and w not in _WHO_AND_WHY]
    return {stem for stem in _stems(" ".join(words)) if len(stem) >= 3}


def _text(product: Product) -> str:
    attributes = "; ".join(f"{key.replace('_', ' ')}: {value}" for key, value in product.attributes.items())
    return f"{product.name}. {product.category or ''}. {product.description} {attributes}"


def _stems(text: str) -> list[str]:
    # a stemmer per call: PyStemmer objects are not safe to share between a web server's threads
    words = [w for w in re.findall(r"[a-z]+", text.lower()) if w not in ("and", "the")]
    return Stemmer.Stemmer("english").stemWords(words)


def _money(price: float, short: bool = False) -> str:
    """"$24.99"; with ``short``, a whole-dollar limit the shopper typed stays "$30"."""
    return f"${price:,.0f}" if short and float(price).is_integer() else f"${price:,.2f}"
