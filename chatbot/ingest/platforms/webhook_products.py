"""Products as the platforms' webhooks send them (their REST product JSON) → the project's catalog records.

``shopify_product`` reads a ``products/create`` or ``products/update`` body, ``woocommerce_product`` a
``product.created`` or ``product.updated`` one. Both end in ``catalog_record``, exactly as the CSV readers do, so
a product that arrives live looks and stays private exactly as an imported one: only the fields read here are
copied, tags that look internal are dropped, and a product a shopper must not see (a draft, an archived or
hidden product, one not published, a $0.00 placeholder) gives ``None``, which the live catalog applies as a
removal. Each record carries ``platform_id`` ("shopify:123") so a later delete, which names only the platform's
id, finds it; Shopify variants keep their ``inventory_item_id`` for ``inventory_levels/update``.

A body that is not a product (no id, no title, a price that is not a number) raises ``BadPayload``, whose
message names the field. Fetching variations or stock from the platforms' APIs is not done here.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from chatbot.ingest.platforms.catalog_record import attribute_key, catalog_record, options_of, public_tags
from chatbot.ingest.platforms.values import BadValue, html_to_text, parse_price


class BadPayload(ValueError):
    """A webhook body that is not the product JSON the platform documents; the message names the field."""


def platform_key(platform: str, payload: Any) -> str:
    """"shopify:632910392": how the live catalog knows a product across create, update and delete."""
    if not isinstance(payload, dict) or payload.get("id") in (None, ""):
        raise BadPayload("the body has no product 'id'; send the product JSON the platform's webhook sends")
    return f"{platform}:{payload['id']}"


def shopify_product(payload: dict[str, Any]) -> dict[str, Any] | None:
    """The catalog record of a Shopify product, or None when shoppers must not see it."""
    key = platform_key("shopify", payload)
    title, handle = _text(payload, "title"), _text(payload, "handle")
    if not title or not handle:
        raise BadPayload("a Shopify product needs 'title' and 'handle'")
    if (payload.get("status") or "active").lower() != "active":
        return None  # draft or archived
    if "published_at" in payload and payload["published_at"] is None:
        return None  # not published to the online store
    raw_options = payload.get("options") or []
    names = [o.get("name") for o in raw_options if isinstance(o, dict)][:3]
    variants = [_shopify_variant(v, names) for v in _list(payload, "variants")]
    if not variants or all(v["price"] == 0 for v in variants):
        return None  # no price, or a $0.00 placeholder
    variants = [v for v in variants if v["price"] != 0]
    description, _ = html_to_text(payload.get("body_html") or "")
    attributes = {"brand": _text(payload, "vendor"), "product_type": _text(payload, "product_type"),
                  "tags": ", ".join(public_tags(_tags(payload.get("tags"))))}
    record = catalog_record(handle, title, category=_text(payload, "product_type") or None, description=description,
                            attributes=attributes, options=options_of(variants, [n for n in names if n]),
                            variants=variants, source="shopify")
    record["platform_id"] = key
    return record


def _shopify_variant(raw: Any, names: list[str]) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise BadPayload("each of 'variants' must be an object")
    values = [raw.get(f"option{i}") for i in (1, 2, 3)]
    options = {n: str(v) for n, v in zip(names, values)
               if n and v and not (n == "Title" and v == "Default Title")}
    price = _price(raw.get("price"), "variant price")
    if price is None:
        raise BadPayload("a variant has no 'price'")
    compare_at = _price(raw.get("compare_at_price"), "variant compare_at_price")
    quantity = _count(raw.get("inventory_quantity"), "variant inventory_quantity")
    # stock counts only when Shopify tracks it (older payloads name the tracker; newer ones just send the count)
    tracked = quantity is not None and raw.get("inventory_management", "shopify") is not None
    oversell = (raw.get("inventory_policy") or "deny") == "continue"
    variant = {"sku": raw.get("sku") or None, "options": options, "price": price,
               "compare_at_price": compare_at if compare_at and compare_at > price else None,
               "stock": max(quantity, 0) if tracked else None,
               "available": (quantity > 0 or oversell) if tracked else None,
               "inventory_item_id": raw.get("inventory_item_id"), "oversell": oversell if tracked else None}
    return {k: v for k, v in variant.items() if v is not None or k in ("options", "price")}


def woocommerce_product(payload: dict[str, Any], today: date | None = None) -> dict[str, Any] | None:
    """The catalog record of a WooCommerce product, or None when shoppers must not see it. A variable
    product's variations are ids only in the webhook, so it becomes one item at the product's own price."""
    key = platform_key("woocommerce", payload)
    today = today or date.today()
    name = _text(payload, "name")
    if not name:
        raise BadPayload("a WooCommerce product needs 'name'")
    if (payload.get("status") or "publish") != "publish" or payload.get("catalog_visibility") == "hidden":
        return None  # draft, pending, private or hidden from the catalog
    if payload.get("type") == "grouped":
        return None  # a grouped product has no price of its own, as in the CSV import
    regular = _price(payload.get("regular_price"), "regular_price")
    sale = _price(payload.get("sale_price"), "sale_price")
    starts = (payload.get("date_on_sale_from") or "")[:10]
    ends = (payload.get("date_on_sale_to") or "")[:10]
    on_sale = sale is not None and (not starts or starts <= today.isoformat()) and (
        not ends or today.isoformat() <= ends)
    price = sale if on_sale or regular is None else regular
    if price is None:
        price = _price(payload.get("price"), "price")  # a variable product: its cheapest variation
    if not price:
        return None  # no price, or a $0.00 placeholder
    stock = _count(payload.get("stock_quantity"), "stock_quantity") if payload.get("manage_stock", True) else None
    status = payload.get("stock_status")
    available = None if status is None and stock is None else (
        status in ("instock", "onbackorder") if status is not None else stock > 0)
    variant = {"sku": payload.get("sku") or None, "options": {}, "price": price,
               "compare_at_price": regular if on_sale and regular and regular > price else None,
               "sale_ends": ends if on_sale and ends else None,
               "stock": max(stock, 0) if stock is not None else None, "available": available}
    variant = {k: v for k, v in variant.items() if v is not None or k in ("options", "price")}
    attributes: dict[str, Any] = {}
    for attribute in _list(payload, "attributes"):
        if isinstance(attribute, dict) and attribute.get("visible", True) and attribute.get("name"):
            attributes[attribute_key(attribute["name"])] = ", ".join(map(str, attribute.get("options") or []))
    attributes["tags"] = ", ".join(public_tags(", ".join(t.get("name", "") for t in _list(payload, "tags")
                                                         if isinstance(t, dict))))
    categories = [c.get("name") for c in _list(payload, "categories") if isinstance(c, dict) and c.get("name")]
    short, _ = html_to_text(payload.get("short_description") or "")
    long, _ = html_to_text(payload.get("description") or "")
    product_id = _text(payload, "slug") or attribute_key(name).replace("_", "-")
    record = catalog_record(product_id, name, category=categories[0] if categories else None,
                            description="\n".join(t for t in (short, long) if t), attributes=attributes,
                            options=options_of([variant], []), variants=[variant], source="woocommerce")
    record["platform_id"] = key
    return record


def _text(payload: dict[str, Any], name: str) -> str:
    value = payload.get(name)
    return str(value).strip() if value not in (None, "") else ""


def _list(payload: dict[str, Any], name: str) -> list:
    value = payload.get(name) or []
    if not isinstance(value, list):
        raise BadPayload(f"'{name}' must be a list")
    return value


def _tags(value: Any) -> str:
    return ", ".join(map(str, value)) if isinstance(value, list) else str(value or "")


def _price(value: Any, field: str) -> float | None:
    try:
        return parse_price("" if value is None else str(value), field)[0]
    except BadValue as exc:
        raise BadPayload(str(exc)) from None


def _count(value: Any, field: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise BadPayload(f"{field} is {value!r}, not a whole number") from None
