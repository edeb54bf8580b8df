"""Products and reviews read back out of the index's documents, for the support agent's helpers.

The loaders (``chatbot.ingest.loaders.records``) turn catalog and review records into Documents; this module
turns those Documents back into small typed records (``Product``, ``Review``) and resolves what an
agent typed (a product id, a category name) with a clear error when it names nothing. It reads only
what the index holds; it does not load files or embed anything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterable

from chatbot.common.errors import InputError
from chatbot.common.types import Document


@dataclass(frozen=True)
class Product:
    id: str
    name: str
    category: str | None
    price: float | None
    attributes: dict[str, Any] = field(default_factory=dict)  # catalog order, as the store wrote them
    description: str = ""
    url: str | None = None
    # from a platform export (or a record that lists them): [{"name": "Color", "values": [...]}] and
    # [{"sku", "options": {"Color": "Red"}, "price", "compare_at_price"?, "stock"?, "available"?}]
    options: list[dict[str, Any]] = field(default_factory=list)
    variants: list[dict[str, Any]] = field(default_factory=list)
    compare_at_price: float | None = None  # the price it is down from, when every variant is on the same sale
    price_max: float | None = None  # the dearest variant's price when variants differ ($42-$45)


@dataclass(frozen=True)
class Review:
    id: str  # the store's review id ("R0001"), without the index's "review:" prefix
    product_id: str
    rating: float
    title: str
    text: str  # the body as the shopper wrote it, without the rating line, title or byline
    author: str | None = None
    date: str | None = None


def documents_of(source: Any) -> list[Document]:
    """The Documents of a KnowledgeIndex, a Chatbot, a ``{id: Document}`` dict or a list of Documents."""
    if hasattr(source, "retriever") and not hasattr(source, "documents"):  # a Chatbot: its index loads lazily
        source = source.retriever.index
    if hasattr(source, "documents"):
        source = source.documents
    if isinstance(source, dict):
        source = source.values()
    return list(source)


def products_from(source: Any) -> list[Product]:
    """Every product in the store, sorted by id so every helper sees the same order."""
    products = [_product(d) for d in documents_of(source) if d.kind == "product" and d.product_id]
    return sorted(products, key=lambda p: p.id)


def reviews_from(source: Any) -> list[Review]:
    reviews = [_review(d) for d in documents_of(source) if d.kind == "review" and d.product_id]
    return sorted(reviews, key=lambda r: r.id)


def find_product(products: Iterable[Product], product_id: str) -> Product:
    """The product with this id (case and spaces forgiven), or an InputError that says how to find ids."""
    wanted = (product_id or "").strip().lower()
    for product in products:
        if product.id.lower() == wanted:
            return product
    raise InputError(f"no product with id {product_id!r} in the catalog; product ids look like the catalog's "
                     "'id' column (e.g. HP-1001)")


def categories(products: Iterable[Product]) -> list[str]:
    return sorted({p.category for p in products if p.category})


def find_category(products: Iterable[Product], name: str) -> str:
    """The catalog's spelling of a category name typed in any case, or an InputError listing the categories."""
    products = list(products)
    known = categories(products)
    match = next((c for c in known if c.lower() == (name or "").strip().lower()), None)
    if match is None:
        raise InputError(f"no category named {name!r}; the catalog's categories are: {', '.join(known)}")
    return match


def _product(doc: Document) -> Product:
    meta = doc.meta or {}
    # the loader keeps the description only inside the text, after a "Description: " label (always last)
    description = doc.text.partition("\nDescription: ")[2].strip()
    return Product(id=doc.product_id, name=doc.title, category=meta.get("category"), price=meta.get("price"),
                   attributes=dict(meta.get("attributes") or {}), description=description, url=doc.url,
                   options=list(meta.get("options") or []), variants=list(meta.get("variants") or []),
                   compare_at_price=meta.get("compare_at_price"), price_max=meta.get("price_max"))


def _review(doc: Document) -> Review:
    meta = doc.meta or {}
    # text is "Rating: 4/5\nTITLE\nBODY" plus "\nAUTHOR — DATE" when either is known; the loader also puts a
    # "Product: NAME" line first and the product's name into the title, so parse from the rating line on
    lines = doc.text.splitlines()
    start = next((i for i, line in enumerate(lines) if re.fullmatch(r"Rating: [\d.]+/5", line.strip())), None)
    title, body = (doc.title, lines) if start is None else (lines[start + 1] if start + 1 < len(lines) else "",
                                                            lines[start + 2:])
    byline = " — ".join(x for x in (meta.get("author"), meta.get("date")) if x)
    if byline and body and body[-1].strip() == byline:
        body = body[:-1]
    return Review(id=doc.id.removeprefix("review:"), product_id=doc.product_id, rating=float(meta.get("rating", 0)),
                  title=title.strip(), text="\n".join(body).strip(), author=meta.get("author"), date=meta.get("date"))
