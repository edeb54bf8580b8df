"""Build the project's catalog record (one JSONL line) from what a platform reader gathered.

Both product readers end here so that Shopify and WooCommerce products look the same to the bot: the product's
options become readable attributes ("color": "Red, Blue"), each variant keeps its own SKU, price, compare-at
price and stock, and ``price`` is the lowest price a shopper can pay. Which fields are private is decided here
too (``is_private``), once for every platform.
"""

from __future__ import annotations

import re
from typing import Any

# cost, supplier, barcode, stock location, margins and notes are the store's business, never the shopper's
_PRIVATE_WORDS = {"cost", "costs", "supplier", "suppliers", "wholesale", "margin", "barcode", "gtin", "ean", "upc",
                  "mpn", "location", "warehouse", "bin", "internal", "private", "staff", "admin", "note", "notes",
                  "secret", "purchase", "profit", "reorder"}


def is_private(name: str) -> bool:
    """Whether a column, metafield or tag holds something only the store should see: a name starting with "_"
    (WordPress's own convention) or naming cost, supplier, barcode, location, notes and the like."""
    name = (name or "").strip()
    return name.startswith("_") or any(w in _PRIVATE_WORDS for w in re.findall(r"[a-z]+", name.lower()))


def public_tags(tags: str) -> list[str]:
    """The store's tags without internal ones ("_sale-2024", "internal: reorder", "supplier-acme")."""
    return [t.strip() for t in (tags or "").split(",") if t.strip() and not is_private(t.strip())]


def attribute_key(name: str) -> str:
    """"Age range" -> "age_range": the key style of the project's catalog."""
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def catalog_record(product_id: str, name: str, *, category: str | None, description: str,
                   attributes: dict[str, Any], options: list[dict[str, Any]], variants: list[dict[str, Any]],
                   source: str) -> dict[str, Any]:
    """One product as a catalog record. ``variants`` hold ``sku``, ``options`` ({name: value}), ``price``,
    ``compare_at_price``, ``stock`` and ``available``; ``options`` hold ``name`` and ``values``."""
    attributes = dict(attributes)
    for option in options:
        attributes.setdefault(attribute_key(option["name"]), ", ".join(option["values"]))
    tracked = [v for v in variants if v.get("available") is not None]
    if tracked:
        attributes["in_stock"] = any(v["available"] for v in tracked)
    prices = [v["price"] for v in variants if v.get("price") is not None]
    record: dict[str, Any] = {"id": product_id, "name": name, "category": category,
                              "price": min(prices) if prices else None, "description": description,
                              "attributes": {k: v for k, v in attributes.items() if v not in (None, "", [])}}
    if options:
        record["options"] = options
    record["variants"] = variants
    record["imported_from"] = source
    return record


def options_of(variants: list[dict[str, Any]], names: list[str]) -> list[dict[str, Any]]:
    """The options in the order named, each with its values in the order the variants first use them."""
    options = []
    for name in names:
        values = list(dict.fromkeys(v["options"][name] for v in variants if v["options"].get(name)))
        if values:
            options.append({"name": name, "values": values})
    return options
