"""Recognise a store export by its header row, or say which columns were expected and which came closest.

Each format is named by the columns its exporter always writes (``required``) and a wider set it usually writes
(``typical``). A header holding every required column of a format, and more of its typical columns than of any
other's, is that format. The project's own catalog (``id, name, category, price, ...``) is not a platform
format: ``detect`` returns None for it and the record loaders read it.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from chatbot.ingest.platforms.table import column_key


@dataclass(frozen=True)
class Format:
    name: str  # the key the readers are registered under
    label: str  # in words, for messages
    kind: str  # "products" or "reviews"
    required: tuple[str, ...]  # as the exporter writes them
    typical: tuple[str, ...]
    where: str  # how the store owner gets this file, for messages


FORMATS = (
    Format("shopify", "Shopify products export", "products", ("Handle", "Title"),
           ("Handle", "Title", "Body (HTML)", "Vendor", "Product Category", "Type", "Tags", "Published",
            "Option1 Name", "Option1 Value", "Variant SKU", "Variant Price", "Variant Compare At Price",
            "Variant Inventory Qty", "Image Src", "Status"),
           "Shopify admin > Products > Export > CSV for Excel, Numbers, or other spreadsheet programs"),
    Format("woocommerce", "WooCommerce products export", "products", ("Type", "Name", "Regular price"),
           ("ID", "Type", "SKU", "Name", "Published", "Is featured?", "Visibility in catalog", "Short description",
            "Description", "In stock?", "Stock", "Sale price", "Regular price", "Categories", "Tags", "Parent"),
           "WordPress admin > Products > Export"),
    Format("judgeme", "Judge.me reviews export", "reviews", ("rating", "body", "product_handle", "reviewer_name"),
           ("title", "body", "rating", "review_date", "source", "curated", "reviewer_name", "reviewer_email",
            "product_id", "product_handle", "reply", "picture_urls"),
           "Judge.me > Reviews > Export reviews"),
    Format("shopify_reviews", "Shopify Product Reviews export", "reviews",
           ("product_handle", "state", "rating", "body", "author"),
           ("product_handle", "state", "rating", "title", "author", "email", "location", "body", "reply",
            "created_at", "replied_at"),
           "Shopify admin > Apps > Product Reviews > Export"),
)
BY_NAME = {f.name: f for f in FORMATS}


def detect(columns: list[str]) -> Format | None:
    """The export format this header belongs to, or None (the project's own records, or nothing known)."""
    keys = {column_key(c) for c in columns}
    fitting = [f for f in FORMATS if all(column_key(c) in keys for c in f.required)]
    if not fitting:
        return None
    return max(fitting, key=lambda f: sum(column_key(c) in keys for c in f.typical))


def closest(columns: list[str]) -> Format:
    """The format this header is most like (most typical columns present), for error messages."""
    keys = {column_key(c) for c in columns}
    return max(FORMATS, key=lambda f: (sum(column_key(c) in keys for c in f.typical) / len(f.typical)))


def explain_unknown(columns: list[str], expected: str | None = None) -> str:
    """Why a header is no known format: the columns found, the nearest format's missing columns and, for each,
    the closest column the file has. ``expected`` ("products"/"reviews") limits the formats considered."""
    formats = [f for f in FORMATS if expected in (None, f.kind)]
    keys = [column_key(c) for c in columns if c.strip()]
    best = max(formats, key=lambda f: sum(column_key(c) in keys for c in f.typical) / len(f.typical))
    missing = [c for c in best.required if column_key(c) not in keys]
    hints = []
    for column in missing:
        near = difflib.get_close_matches(column_key(column), keys, n=1, cutoff=0.4)
        by_name = {column_key(c): c for c in columns}
        hints.append(f"'{column}'" + (f" (closest found: '{by_name[near[0]]}')" if near else " (nothing close)"))
    shown = ", ".join(f"'{c}'" for c in columns[:8] if c.strip()) + (", ..." if len(columns) > 8 else "")
    names = ", ".join(f.label for f in formats)
    return (f"its header row ({shown}) matches none of the formats this bot reads ({names}, or the project's "
            f"own catalog with id, name, category, price). The nearest is a {best.label}, which needs "
            f"{', '.join(hints)}; export the file again from {best.where} and use it unedited")
