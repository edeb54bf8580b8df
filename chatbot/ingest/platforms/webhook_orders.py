"""Orders and shipments as the platforms' webhooks send them (their REST JSON) → ``chatbot.data.order_records``.

- ``shopify_order``: the body of Shopify's ``orders/create``, ``orders/updated``, ``orders/cancelled`` (and
  ``orders/paid``, ``orders/fulfilled``, ``orders/partially_fulfilled``, the same order JSON). Its
  ``fulfillments`` carry the tracking; refunds are summed from their successful refund transactions, and each
  line item's refunded quantity from the refunds' ``refund_line_items``.
- ``shopify_fulfillment``: the body of ``fulfillments/create`` and ``fulfillments/update``, which names its order
  only by ``order_id``.
- ``woocommerce_order``: the body of WooCommerce's ``order.created`` and ``order.updated``. WooCommerce itself has
  no tracking; the WooCommerce Shipment Tracking extension's ``_wc_shipment_tracking_items`` meta data, when the
  order carries it, becomes its shipments.

Only what ``Order`` holds is read: names, street addresses, phone numbers, notes and payment details in the
payloads are never copied. A body that is not the platform's order (no id, no name or number, a time or amount
that cannot be read) raises ``BadPayload`` naming the field.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from chatbot.data.order_records import (
    SHOPIFY,
    WOOCOMMERCE,
    Fulfillment,
    LineItem,
    Order,
    latest,
    normal_email,
    normal_zip,
    parse_time,
    to_cents,
)
from chatbot.ingest.platforms.webhook_products import BadPayload

SHOPIFY_SOURCE, WOOCOMMERCE_SOURCE = "Shopify webhook", "WooCommerce webhook"


def shopify_order(payload: dict[str, Any]) -> Order:
    order_id = payload_id(payload, "id", "a Shopify order")
    name = _text(payload, "name") or (f"#{payload['order_number']}" if payload.get("order_number") else "")
    if not name:
        raise BadPayload("a Shopify order needs its 'name' (\"#1043\") or 'order_number'")
    shipping = payload.get("shipping_address") if isinstance(payload.get("shipping_address"), dict) else {}
    lines = [line for line in _list(payload, "shipping_lines") if isinstance(line, dict)]
    shipping_cents = _money_set(payload, "total_shipping_price_set")
    if shipping_cents is None and lines:
        shipping_cents = sum(_cents(line, "price") or 0 for line in lines)
    order = Order(
        SHOPIFY, name, platform_id=order_id, email=_email(payload.get("email") or payload.get("contact_email")),
        financial_status=_lower(payload.get("financial_status")),
        fulfillment_status=_lower(payload.get("fulfillment_status")) or "unfulfilled",
        currency=_text(payload, "currency") or None, subtotal_cents=_cents(payload, "subtotal_price"),
        shipping_cents=shipping_cents, tax_cents=_cents(payload, "total_tax"),
        discount_cents=_cents(payload, "total_discounts"), total_cents=_cents(payload, "total_price"),
        refunded_cents=_shopify_refunded(payload),
        shipping_method=", ".join(_text(line, "title") for line in lines if _text(line, "title")) or None,
        shipping_zip=normal_zip(_text(shipping, "zip")), shipping_country=_text(shipping, "country_code") or None,
        placed_at=_time(payload, "created_at", required=True), cancelled_at=_time(payload, "cancelled_at"),
        cancel_reason=_text(payload, "cancel_reason") or None, updated_at=_time(payload, "updated_at"),
        source=SHOPIFY_SOURCE)
    for raw in _list(payload, "line_items"):
        if not isinstance(raw, dict):
            raise BadPayload("each of 'line_items' must be an object")
        order.items.append(LineItem(
            _text(raw, "name") or _text(raw, "title"), _quantity(raw), price_cents=_cents(raw, "price"),
            sku=_text(raw, "sku") or None, platform_id=_maybe_id(raw.get("id")),
            product_id=_maybe_id(raw.get("product_id")), variant_id=_maybe_id(raw.get("variant_id")),
            fulfillment_status=_lower(raw.get("fulfillment_status")),
            requires_shipping=raw.get("requires_shipping") if isinstance(raw.get("requires_shipping"), bool) else None))
    refunded = _shopify_refunded_quantities(payload)
    for item in order.items:
        item.refunded_quantity = min(item.quantity, refunded.get(item.platform_id, 0)) if item.platform_id else 0
    order.fulfillments = [shopify_fulfillment(f)[1] for f in _list(payload, "fulfillments")]
    shipped = [f.shipped_at for f in order.fulfillments if f.status not in ("cancelled", "error", "failure")]
    order.fulfilled_at = max(shipped) if shipped and order.fulfillment_status == "fulfilled" else None
    order.updated_at = order.updated_at or latest(order.placed_at, order.cancelled_at, order.fulfilled_at)
    return order


def shopify_fulfillment(payload: Any) -> tuple[str | None, Fulfillment]:
    """``(the order's platform id, the shipment)``."""
    if not isinstance(payload, dict):
        raise BadPayload("a fulfillment must be a JSON object")
    fulfillment_id = payload_id(payload, "id", "a Shopify fulfillment")
    numbers, urls = _list(payload, "tracking_numbers"), _list(payload, "tracking_urls")
    items = [{"line_item_id": _maybe_id(i.get("id")), "sku": _text(i, "sku") or None,
              "name": _text(i, "name") or _text(i, "title"), "quantity": _quantity(i)}
             for i in _list(payload, "line_items") if isinstance(i, dict)]
    shipped_at = _time(payload, "created_at")
    return _maybe_id(payload.get("order_id")), Fulfillment(
        fulfillment_id, status=_lower(payload.get("status")), shipment_status=_lower(payload.get("shipment_status")),
        tracking_company=_text(payload, "tracking_company") or None,
        tracking_number=_text(payload, "tracking_number") or (str(numbers[0]) if numbers else None),
        tracking_url=_text(payload, "tracking_url") or (str(urls[0]) if urls else None),
        shipped_at=shipped_at, updated_at=_time(payload, "updated_at") or shipped_at, items=items)


def _shopify_refunded(payload: dict[str, Any]) -> int | None:
    refunds = _list(payload, "refunds")
    if not refunds:
        return None
    total = 0
    for refund in refunds:
        for transaction in _list(refund, "transactions") if isinstance(refund, dict) else []:
            if isinstance(transaction, dict) and transaction.get("kind") == "refund" \
                    and transaction.get("status", "success") == "success":
                total += _cents(transaction, "amount") or 0
    return total


def _shopify_refunded_quantities(payload: dict[str, Any]) -> dict[str, int]:
    """How many of each line item (by its id) the order's refunds gave back (``refund_line_items``)."""
    counts: dict[str, int] = {}
    for refund in _list(payload, "refunds"):
        for line in _list(refund, "refund_line_items") if isinstance(refund, dict) else []:
            line_id = _maybe_id(line.get("line_item_id")) if isinstance(line, dict) else None
            quantity = line.get("quantity") if isinstance(line, dict) else None
            if line_id and isinstance(quantity, int) and not isinstance(quantity, bool) and quantity > 0:
                counts[line_id] = counts.get(line_id, 0) + quantity
    return counts


# WooCommerce's statuses in Shopify's words: (financial, fulfillment)
WOO_STATUSES = {"pending": ("pending", "unfulfilled"), "failed": ("pending", "unfulfilled"),
                "on-hold": ("pending", "unfulfilled"), "processing": ("paid", "unfulfilled"),
                "completed": ("paid", "fulfilled"), "cancelled": ("voided", "unfulfilled"),
                "refunded": ("refunded", None), "checkout-draft": ("pending", "unfulfilled")}


def woo_status(text: str) -> str:
    """"wc-on-hold", "On hold", "on-hold" -> "on-hold"; "Pending payment" -> "pending"."""
    slug = (text or "").strip().lower()
    slug = slug[3:] if slug.startswith("wc-") else slug
    slug = {"pending payment": "pending", "draft": "checkout-draft"}.get(slug, slug)
    return slug.replace(" ", "-")


def woocommerce_order(payload: dict[str, Any]) -> Order:
    order_id = payload_id(payload, "id", "a WooCommerce order")
    number = _text(payload, "number") or order_id
    status = woo_status(_text(payload, "status"))
    if status not in WOO_STATUSES:
        raise BadPayload(f"'status' is {payload.get('status')!r}, not a WooCommerce order status "
                         f"({', '.join(WOO_STATUSES)})")
    financial, fulfillment = WOO_STATUSES[status]
    billing = payload.get("billing") if isinstance(payload.get("billing"), dict) else {}
    shipping = payload.get("shipping") if isinstance(payload.get("shipping"), dict) else {}
    lines = [line for line in _list(payload, "shipping_lines") if isinstance(line, dict)]
    refunded = sum(abs(_cents(r, "total") or 0) for r in _list(payload, "refunds") if isinstance(r, dict))
    total = _cents(payload, "total")
    if refunded and financial == "paid":
        financial = "refunded" if total is not None and refunded >= total else "partially_refunded"
    modified = _woo_time(payload, "date_modified")
    order = Order(
        WOOCOMMERCE, f"#{number}", platform_id=order_id, email=_email(billing.get("email")),
        financial_status=financial, fulfillment_status=fulfillment, platform_status=status,
        currency=_text(payload, "currency") or None, shipping_cents=_cents(payload, "shipping_total"),
        tax_cents=_cents(payload, "total_tax"), discount_cents=_cents(payload, "discount_total"), total_cents=total,
        refunded_cents=refunded or None,
        shipping_method=", ".join(_text(line, "method_title") for line in lines if _text(line, "method_title")) or None,
        shipping_zip=normal_zip(_text(shipping, "postcode") or _text(billing, "postcode")),
        shipping_country=_text(shipping, "country") or _text(billing, "country") or None,
        placed_at=_woo_time(payload, "date_created", required=True), paid_at=_woo_time(payload, "date_paid"),
        fulfilled_at=_woo_time(payload, "date_completed"), cancelled_at=modified if status == "cancelled" else None,
        updated_at=modified, source=WOOCOMMERCE_SOURCE)
    subtotal = 0
    for raw in _list(payload, "line_items"):
        if not isinstance(raw, dict):
            raise BadPayload("each of 'line_items' must be an object")
        quantity = _quantity(raw)
        line_subtotal = _cents(raw, "subtotal")
        subtotal += line_subtotal or 0
        price = _cents(raw, "price")
        if line_subtotal is not None and quantity:
            price = round(line_subtotal / quantity)  # before coupons, like Shopify's line item price
        order.items.append(LineItem(
            _text(raw, "name"), quantity, price_cents=price, sku=_text(raw, "sku") or None,
            platform_id=_maybe_id(raw.get("id")), product_id=_maybe_id(raw.get("product_id")),
            variant_id=_maybe_id(raw.get("variation_id")) if raw.get("variation_id") else None))
    order.subtotal_cents = subtotal if order.items else None
    order.fulfillments = _woo_tracking(payload, order)
    order.updated_at = order.updated_at or latest(order.placed_at, order.paid_at, order.fulfilled_at)
    return order


def _woo_tracking(payload: dict[str, Any], order: Order) -> list[Fulfillment]:
    """The Shipment Tracking extension's entries (order meta ``_wc_shipment_tracking_items``) as shipments."""
    found = []
    for meta in _list(payload, "meta_data"):
        if not isinstance(meta, dict) or meta.get("key") != "_wc_shipment_tracking_items":
            continue
        for entry in meta.get("value") if isinstance(meta.get("value"), list) else []:
            if not isinstance(entry, dict) or not _text(entry, "tracking_number"):
                continue
            shipped = entry.get("date_shipped")
            shipped_at = None
            if str(shipped or "").strip().isdigit():  # a Unix time, as the extension stores it
                shipped_at = datetime.fromtimestamp(int(shipped), timezone.utc).replace(tzinfo=None)
            found.append(Fulfillment(
                _text(entry, "tracking_id") or _text(entry, "tracking_number"), status="success",
                tracking_company=_text(entry, "tracking_provider") or _text(entry, "custom_tracking_provider") or None,
                tracking_number=_text(entry, "tracking_number"),
                tracking_url=_text(entry, "custom_tracking_link") or None, shipped_at=shipped_at,
                updated_at=order.updated_at))
    return found


# ---- fields


def payload_id(payload: Any, key: str, what: str) -> str:
    """The platform's id of what the body describes; BadPayload when it has none."""
    if not isinstance(payload, dict):
        raise BadPayload(f"the body is not {what}: it must be a JSON object")
    value = _maybe_id(payload.get(key))
    if value is None:
        raise BadPayload(f"the body has no '{key}', so it is not {what}; send the JSON the platform's webhook sends")
    return value


def _maybe_id(value: Any) -> str | None:
    if value is None or isinstance(value, (bool, dict, list)) or str(value).strip() in ("", "0"):
        return None
    return str(value).strip()


def _text(payload: dict[str, Any], key: str) -> str:
    value = payload.get(key) if isinstance(payload, dict) else None
    return value.strip() if isinstance(value, str) else ("" if value is None else str(value))


def _lower(value: Any) -> str | None:
    return (value.strip().lower() or None) if isinstance(value, str) else None


def _list(payload: Any, key: str) -> list:
    value = payload.get(key) if isinstance(payload, dict) else None
    if value is None:
        return []
    if not isinstance(value, list):
        raise BadPayload(f"'{key}' must be a list")
    return value


def _email(value: Any) -> str | None:
    try:
        return normal_email(value if isinstance(value, str) else None)
    except ValueError:
        return None  # a POS order's placeholder, say: kept without an email, never matched by one


def _cents(payload: dict[str, Any], key: str) -> int | None:
    try:
        return to_cents(payload.get(key))
    except ValueError:
        raise BadPayload(f"'{key}' is {payload.get(key)!r}, not an amount") from None


def _money_set(payload: dict[str, Any], key: str) -> int | None:
    money = payload.get(key)
    if isinstance(money, dict) and isinstance(money.get("shop_money"), dict):
        return _cents(money["shop_money"], "amount")
    return None


def _quantity(payload: dict[str, Any]) -> int:
    value = payload.get("quantity", 0)
    if isinstance(value, bool) or not isinstance(value, (int, float, str)) or not str(value).strip().isdigit():
        raise BadPayload(f"a line item's 'quantity' is {value!r}, not a whole number")
    return int(value)


def _time(payload: dict[str, Any], key: str, required: bool = False):
    try:
        value = parse_time(payload.get(key), f"'{key}'")
    except ValueError as exc:
        raise BadPayload(str(exc)) from None
    if value is None and required:
        raise BadPayload(f"the order has no '{key}'")
    return value


def _woo_time(payload: dict[str, Any], key: str, required: bool = False):
    """WooCommerce sends each time twice: ``key`` in the site's time, ``key_gmt`` in UTC; the UTC one is read."""
    if payload.get(f"{key}_gmt"):
        return _time(payload, f"{key}_gmt", required)
    return _time(payload, key, required)  # no offset: read as UTC, the site's zone being unknown here
