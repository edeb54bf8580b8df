"""The platforms' product webhooks over HTTP: ``POST /api/webhooks/shopify`` and ``POST /api/webhooks/woocommerce``.

Each delivery is checked as its platform documents it before its body is even parsed: the header
(``X-Shopify-Hmac-Sha256``, ``X-WC-Webhook-Signature``) must be base64(HMAC-SHA256(secret, raw body)), compared
in constant time. No secret configured: every delivery is refused (503, saying which setting to fill in);
unsigned or wrongly signed: 401; a body over ``webhook_max_bytes``: 413; not JSON: 400; JSON that is not the
platform's product: 422. Nothing is stored in any of those cases.

Topics handled: Shopify ``products/create``, ``products/update``, ``products/delete`` and
``inventory_levels/update``; WooCommerce ``product.created``, ``product.updated``, ``product.restored`` and
``product.deleted`` (and the unsigned ``webhook_id=N`` ping WooCommerce sends when a webhook is saved). Other
topics are acknowledged and ignored, so the platform does not retry them. The answer is
``{"ok": true, "outcome": "created" | "updated" | "removed" | "stock" | "ignored" | "duplicate"}``. What an event
does to the catalog and the index is ``chatbot.ingest.live_catalog``'s job; this module only reads requests.

Orders come to the same two URLs, signed the same way: Shopify ``orders/create``, ``orders/updated``,
``orders/cancelled`` (and ``orders/paid``, ``orders/fulfilled``, ``orders/partially_fulfilled``, ``orders/delete``),
``fulfillments/create`` and ``fulfillments/update``; WooCommerce ``order.created``, ``order.updated``,
``order.restored`` and ``order.deleted``. They are read by ``platforms.webhook_orders`` and stored by
``chatbot.ingest.live_orders`` in the database, never in the catalog or the index; besides the outcomes above an
order's may be ``"unchanged"``, ``"outdated"`` (the stored order was changed later than this update, which is not
applied) or ``"conflict"``.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import hmac
import json
import logging
import re
from functools import partial
from typing import Any, Callable

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from chatbot.common.errors import ChatbotError
from chatbot.ingest.live_catalog import LiveCatalog
from chatbot.ingest.live_orders import LiveOrders
from chatbot.ingest.platforms.webhook_orders import (
    payload_id,
    shopify_fulfillment,
    shopify_order,
    woocommerce_order,
)
from chatbot.ingest.platforms.webhook_products import (
    BadPayload,
    platform_key,
    shopify_product,
    woocommerce_product,
)

log = logging.getLogger(__name__)

_PING = re.compile(rb"^webhook_id=\d+$")
SHOPIFY_ORDER_TOPICS = ("orders/create", "orders/updated", "orders/cancelled", "orders/paid", "orders/fulfilled",
                        "orders/partially_fulfilled", "orders/delete", "fulfillments/create", "fulfillments/update")
WOOCOMMERCE_ORDER_TOPICS = ("order.created", "order.updated", "order.restored", "order.deleted")


class _TooLarge(Exception):
    pass


def signed(secret: str, body: bytes, signature: str | None) -> bool:
    """Whether ``signature`` is base64(HMAC-SHA256(secret, body)), compared over the digest bytes in constant
    time. A missing or non-base64 header is simply not signed."""
    if not secret or not signature:
        return False
    try:
        given = base64.b64decode(signature.strip(), validate=True)
    except (binascii.Error, ValueError):
        return False
    expected = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).digest()
    return hmac.compare_digest(expected, given)


def create_webhook_router(settings: Any, live_catalog: Callable[[], LiveCatalog],
                          live_orders: Callable[[], LiveOrders]) -> APIRouter:
    """The two webhook routes; ``live_catalog`` gives the ``LiveCatalog`` and ``live_orders`` the ``LiveOrders``
    (each built on its first delivery)."""
    router = APIRouter()

    def to_catalog(delivery_id: str | None, change: Callable[[], str]) -> str:
        return live_catalog().apply(delivery_id, change)

    def to_orders(delivery_id: str | None, change: Callable[[], str]) -> str:
        return live_orders().apply(delivery_id, change)

    async def receive(request: Request, platform: str, secret: str, setting: str, signature_header: str,
                      act: Callable[[bytes, Request], Callable[[], str] | None], delivery_header: str,
                      apply: Callable[[str | None, Callable[[], str]], str] = to_catalog):
        if not secret:
            return _error(503, f"{platform} webhooks are off: set {setting} to the webhook secret "
                               f"({_WHERE[platform]}) and restart; until then every delivery is refused")
        try:
            body = await _read_body(request, settings.webhook_max_bytes)
        except _TooLarge:
            return _error(413, f"the body is over the {settings.webhook_max_bytes:,}-byte limit "
                               "(webhook_max_bytes); nothing was stored")
        if platform == "WooCommerce" and _PING.match(body) and "x-wc-webhook-topic" not in request.headers:
            return {"ok": True, "outcome": "ping"}  # sent, unsigned, when the store owner saves the webhook
        if not signed(secret, body, request.headers.get(signature_header)):
            return _error(401, f"the {signature_header} header is missing or does not match the body signed "
                               f"with the configured secret ({setting}); nothing was stored")
        try:
            change = act(body, request)
        except ValueError as exc:  # json.JSONDecodeError is one
            status = 422 if isinstance(exc, BadPayload) else 400
            detail = str(exc) if status == 422 else f"the body is not JSON ({exc})"
            return _error(status, f"{detail}; nothing was stored")
        if change is None:
            return {"ok": True, "outcome": "ignored"}
        try:
            outcome = await asyncio.to_thread(apply, request.headers.get(delivery_header), change)
        except ChatbotError as exc:
            log.warning("%s webhook not applied: %s", platform, exc)
            kept = "the orders are" if apply is to_orders else "the catalog is"
            return _error(500, f"the event could not be {'stored' if apply is to_orders else 'indexed'} ({exc}); "
                               f"{kept} as it was")
        return {"ok": True, "outcome": outcome}

    @router.post("/api/webhooks/shopify", responses=_RESPONSES)
    async def shopify(request: Request):
        """Shopify's products/create, products/update, products/delete and inventory_levels/update; orders/create,
        orders/updated, orders/cancelled (and the other orders/* topics), fulfillments/create and /update."""
        if request.headers.get("X-Shopify-Topic", "") in SHOPIFY_ORDER_TOPICS:
            act, apply = partial(_shopify_order_change, orders=live_orders), to_orders
        else:
            act, apply = partial(_shopify_change, catalog=live_catalog), to_catalog
        return await receive(request, "Shopify", settings.shopify_webhook_secret, "CHATBOT_SHOPIFY_WEBHOOK_SECRET",
                             "X-Shopify-Hmac-Sha256", act, "X-Shopify-Webhook-Id", apply)

    @router.post("/api/webhooks/woocommerce", responses=_RESPONSES)
    async def woocommerce(request: Request):
        """WooCommerce's product.created, product.updated, product.restored and product.deleted; order.created,
        order.updated, order.restored and order.deleted."""
        if request.headers.get("X-WC-Webhook-Topic", "") in WOOCOMMERCE_ORDER_TOPICS:
            act, apply = partial(_woocommerce_order_change, orders=live_orders), to_orders
        else:
            act, apply = partial(_woocommerce_change, catalog=live_catalog), to_catalog
        return await receive(request, "WooCommerce", settings.woocommerce_webhook_secret,
                             "CHATBOT_WOOCOMMERCE_WEBHOOK_SECRET", "X-WC-Webhook-Signature", act,
                             "X-WC-Webhook-Delivery-ID", apply)

    return router


def _shopify_change(body: bytes, request: Request, catalog: Callable[[], LiveCatalog]):
    """The change a Shopify delivery asks for (bound, not yet run), or None for a topic not handled."""
    topic = request.headers.get("X-Shopify-Topic", "")
    if topic not in ("products/create", "products/update", "products/delete", "inventory_levels/update"):
        return None
    payload = _object(body)
    if topic == "products/delete":
        return partial(catalog().remove_product, platform_key("shopify", payload))
    if topic == "inventory_levels/update":
        item, available = payload.get("inventory_item_id"), payload.get("available")
        if item is None or not isinstance(available, int) or isinstance(available, bool):
            raise BadPayload("an inventory level needs 'inventory_item_id' and a whole number 'available'")
        return partial(catalog().set_stock, "shopify", item, available)
    return partial(catalog().put_product, platform_key("shopify", payload), shopify_product(payload))


def _woocommerce_change(body: bytes, request: Request, catalog: Callable[[], LiveCatalog]):
    topic = request.headers.get("X-WC-Webhook-Topic", "")
    if topic not in ("product.created", "product.updated", "product.restored", "product.deleted"):
        return None
    payload = _object(body)
    if payload.get("type") == "variation":
        return None  # a variation is part of its product, which its own webhook describes
    if topic == "product.deleted":
        return partial(catalog().remove_product, platform_key("woocommerce", payload))
    return partial(catalog().put_product, platform_key("woocommerce", payload), woocommerce_product(payload))


def _shopify_order_change(body: bytes, request: Request, orders: Callable[[], LiveOrders]):
    """The change an order or fulfillment delivery asks for, bound, read before anything is stored."""
    topic = request.headers.get("X-Shopify-Topic", "")
    payload = _object(body)
    if topic == "orders/delete":
        return partial(orders().remove_order, "shopify", payload_id(payload, "id", "a Shopify order"))
    if topic.startswith("fulfillments/"):
        order_id, fulfillment = shopify_fulfillment(payload)
        if order_id is None:
            raise BadPayload("a fulfillment needs the 'order_id' of its order")
        return partial(orders().put_fulfillment, "shopify", order_id, fulfillment)
    return partial(orders().put_order, shopify_order(payload))


def _woocommerce_order_change(body: bytes, request: Request, orders: Callable[[], LiveOrders]):
    payload = _object(body)
    if request.headers.get("X-WC-Webhook-Topic", "") == "order.deleted":
        return partial(orders().remove_order, "woocommerce", payload_id(payload, "id", "a WooCommerce order"))
    return partial(orders().put_order, woocommerce_order(payload))


def _object(body: bytes) -> dict[str, Any]:
    payload = json.loads(body)
    if not isinstance(payload, dict):
        raise BadPayload("the body is JSON but not an object; send the JSON the platform's webhook sends")
    return payload


async def _read_body(request: Request, limit: int) -> bytes:
    """The raw body, refused as soon as it passes ``limit`` bytes (before it is all read)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _TooLarge
    parts, size = [], 0
    async for part in request.stream():
        size += len(part)
        if size > limit:
            raise _TooLarge
        parts.append(part)
    return b"".join(parts)


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"ok": False, "error": message}, status)


_WHERE = {"Shopify": "Shopify admin > Settings > Notifications > Webhooks shows it, or your app's client secret",
          "WooCommerce": "the Secret of each webhook in WooCommerce > Settings > Advanced > Webhooks"}
_RESPONSES = {200: {"description": "applied, a repeated delivery, or a topic not handled: `{\"ok\", \"outcome\"}`"},
              400: {"description": "the body is not JSON"}, 401: {"description": "unsigned or wrongly signed"},
              413: {"description": "the body is over webhook_max_bytes"},
              422: {"description": "JSON that is not the platform's product (or order, or fulfillment)"},
              500: {"description": "the change could not be indexed or stored; nothing changed"},
              503: {"description": "no secret configured for this platform"}}
