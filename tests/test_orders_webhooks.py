"""Live orders: the platforms' signed order and fulfillment webhooks, through the real server over HTTP
(``create_server`` on uvicorn), into a real SQLite database.

The payloads have the shapes Shopify's and WooCommerce's webhook documentation give (the REST order JSON, the
fulfillment JSON). No question is asked here, so the server's bot is a stand-in; the product webhooks beside
these are tested, with the real bot and index, in ``test_webhooks.py``. Each test uses its own order ids.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from datetime import datetime

import httpx
import pytest
from conftest import scratch_database_url, serving

from chatbot.config import Settings
from chatbot.data.orders import OrderStore
from chatbot.data.storage import ConversationStore
from ui.server import create_server

SHOPIFY_SECRET = "shpss_orders_5e4d3c2b1a"
WOO_SECRET = "wc-orders-secret-7f6e"


class NoBot:
    """The server's chat needs a bot; order webhooks never ask it anything."""

    documents: dict = {}


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    root = tmp_path_factory.mktemp("orders")
    url = scratch_database_url(root, "chat.sqlite3")
    settings = Settings(index_dir=str(root / "index"), knowledge_dir=str(root / "knowledge"), database_url=url,
                        generator="extractive", shopify_webhook_secret=SHOPIFY_SECRET,
                        woocommerce_webhook_secret=WOO_SECRET)
    store, orders = ConversationStore(url), OrderStore(url)
    with serving(create_server(NoBot(), store, settings, orders=orders)) as base:
        yield {"url": base, "orders": orders, "root": root}
    store.close()
    orders.close()


@pytest.fixture
def client():
    with httpx.Client(timeout=60) as c:
        yield c


def sign(secret: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def shopify(client, live, topic: str, payload, delivery: str | None = None, secret: str = SHOPIFY_SECRET,
            signature: str | None = None, body: bytes | None = None) -> httpx.Response:
    body = body if body is not None else json.dumps(payload).encode()
    headers = {"Content-Type": "application/json", "X-Shopify-Topic": topic,
               "X-Shopify-Shop-Domain": "harbor-and-pine.myshopify.com", "X-Shopify-API-Version": "2026-10",
               "X-Shopify-Webhook-Id": delivery or str(uuid.uuid4())}
    if signature is not False:
        headers["X-Shopify-Hmac-Sha256"] = signature if signature is not None else sign(secret, body)
    return client.post(f"{live['url']}/api/webhooks/shopify", content=body, headers=headers)


def woocommerce(client, live, topic: str, payload, delivery: str | None = None,
                signature: str | None = None) -> httpx.Response:
    body = json.dumps(payload).encode()
    resource, event = topic.split(".")
    headers = {"Content-Type": "application/json", "X-WC-Webhook-Topic": topic, "X-WC-Webhook-Resource": resource,
               "X-WC-Webhook-Event": event, "X-WC-Webhook-Source": "https://fernandfjord.example/",
               "X-WC-Webhook-Delivery-ID": delivery or str(uuid.uuid4()),
               "X-WC-Webhook-Signature": signature if signature is not None else sign(WOO_SECRET, body)}
    return client.post(f"{live['url']}/api/webhooks/woocommerce", content=body, headers=headers)


def shopify_order(order_id: int, number: int, updated: str = "2026-12-02T14:03:20-05:00", **changes) -> dict:
    """A Shopify order as orders/create sends it (the REST order JSON, trimmed of fields this bot never reads
    only where they are long; names, addresses and payment details are there, as Shopify sends them)."""
    order = {
        "id": order_id, "admin_graphql_api_id": f"gid://shopify/Order/{order_id}", "name": f"#{number}",
        "order_number": number, "number": number - 1000, "email": "Maya.Chen@Example.com",
        "contact_email": "Maya.Chen@Example.com", "phone": None, "created_at": "2026-12-02T14:03:11-05:00",
        "updated_at": updated, "processed_at": "2026-12-02T14:03:11-05:00", "cancelled_at": None,
        "cancel_reason": None, "closed_at": None, "currency": "USD", "presentment_currency": "USD",
        "financial_status": "authorized", "fulfillment_status": None, "confirmed": True, "test": False,
        "subtotal_price": "126.00", "total_discounts": "0.00", "total_line_items_price": "126.00",
        "total_tax": "7.88", "total_price": "133.88", "taxes_included": False,
        "total_shipping_price_set": {"shop_money": {"amount": "0.00", "currency_code": "USD"},
                                     "presentment_money": {"amount": "0.00", "currency_code": "USD"}},
        "gateway": "shopify_payments", "payment_gateway_names": ["shopify_payments"],
        "note": "Please leave it by the door", "tags": "",
        "customer": {"id": 7100, "email": "Maya.Chen@Example.com", "first_name": "Maya", "last_name": "Chen"},
        "billing_address": {"first_name": "Maya", "last_name": "Chen", "address1": "12 Harbor Lane", "city": "Boston",
                            "zip": "02134", "province_code": "MA", "country_code": "US", "phone": "555-0100"},
        "shipping_address": {"first_name": "Maya", "last_name": "Chen", "address1": "12 Harbor Lane",
                             "city": "Boston", "zip": "02134", "province_code": "MA", "country_code": "US",
                             "phone": "555-0100"},
        "line_items": [
            {"id": order_id * 10 + 1, "admin_graphql_api_id": f"gid://shopify/LineItem/{order_id * 10 + 1}",
             "title": "Tidepool Marble Run 120-Piece Set", "name": "Tidepool Marble Run 120-Piece Set",
             "variant_title": None, "quantity": 2, "price": "34.99", "sku": "HP-1001", "product_id": 632910392,
             "variant_id": 808950810, "vendor": "Harbor & Pine", "requires_shipping": True, "taxable": True,
             "fulfillment_status": None, "fulfillable_quantity": 2, "grams": 900, "total_discount": "0.00"},
            {"id": order_id * 10 + 2, "title": "Engraved Maple Cutting Board", "name": "Engraved Maple Cutting Board",
             "quantity": 1, "price": "49.00", "sku": "HP-1035", "product_id": 632910393, "variant_id": 808950811,
             "requires_shipping": True, "fulfillment_status": None, "fulfillable_quantity": 1}],
        "shipping_lines": [{"id": 369256396, "title": "Free Standard Shipping", "price": "0.00", "code": "Standard",
                            "source": "shopify"}],
        "refunds": [], "fulfillments": [],
    }
    order.update(changes)
    return order


def fulfillment(fulfillment_id: int, order_id: int, updated: str = "2026-12-03T16:20:00-05:00",
                shipment_status: str | None = None, **changes) -> dict:
    """A fulfillment as fulfillments/create and fulfillments/update send it."""
    body = {"id": fulfillment_id, "order_id": order_id, "status": "success", "created_at": "2026-12-03T16:20:00-05:00",
            "service": "manual", "updated_at": updated, "tracking_company": "USPS", "shipment_status": shipment_status,
            "location_id": 24826418, "email": "maya.chen@example.com", "destination": {"zip": "02134"},
            "line_items": [{"id": order_id * 10 + 1, "title": "Tidepool Marble Run 120-Piece Set", "quantity": 2,
                            "sku": "HP-1001", "fulfillment_status": "fulfilled"}],
            "tracking_number": "9400111899223197428490", "tracking_numbers": ["9400111899223197428490"],
            "tracking_url": "https://tools.usps.com/go/TrackConfirmAction?tLabels=9400111899223197428490",
            "tracking_urls": ["https://tools.usps.com/go/TrackConfirmAction?tLabels=9400111899223197428490"],
            "receipt": {}, "name": "#1043.1", "admin_graphql_api_id": f"gid://shopify/Fulfillment/{fulfillment_id}"}
    body.update(changes)
    return body


def stored(live, order_id) -> object:
    return live["orders"].get("shopify", str(order_id))


# ---- Shopify


def test_a_signed_orders_create_is_stored_with_normalised_email_and_utc_times(client, live):
    response = shopify(client, live, "orders/create", shopify_order(820982911946154500, 1043))
    assert response.status_code == 200, response.text
    assert response.json() == {"ok": True, "outcome": "created"}
    order = stored(live, 820982911946154500)
    assert (order.name, order.number, order.email) == ("#1043", "1043", "maya.chen@example.com")
    assert order.placed_at == datetime(2026, 12, 2, 19, 3, 11)
    assert (order.financial_status, order.fulfillment_status) == ("authorized", "unfulfilled")
    assert (order.total_cents, order.tax_cents, order.shipping_cents) == (13388, 788, 0)
    assert order.shipping_method == "Free Standard Shipping" and order.shipping_zip == "02134"
    assert [(i.sku, i.quantity, i.price_cents, i.platform_id) for i in order.items] == [
        ("HP-1001", 2, 3499, "8209829119461545001"), ("HP-1035", 1, 4900, "8209829119461545002")]
    assert live["orders"].find("order #1043", " MAYA.CHEN@example.com ").id == order.id


def test_unsigned_and_wrongly_signed_deliveries_are_refused_and_store_nothing(client, live):
    payload = shopify_order(820982911946154501, 1044)
    unsigned = shopify(client, live, "orders/create", payload, signature=False)
    other_key = shopify(client, live, "orders/create", payload, secret="someone-else's-secret")
    garbage = shopify(client, live, "orders/create", payload, signature="not base64!")
    for response in (unsigned, other_key, garbage):
        assert response.status_code == 401 and "X-Shopify-Hmac-Sha256" in response.json()["error"]
    body = json.dumps(payload).encode()
    tampered = shopify(client, live, "orders/create", None, body=body.replace(b'"133.88"', b'"1.00"'),
                       signature=sign(SHOPIFY_SECRET, body))  # signed, then changed on the way
    assert tampered.status_code == 401
    assert stored(live, 820982911946154501) is None


def test_a_repeated_webhook_id_is_stored_once(client, live):
    delivery = str(uuid.uuid4())
    first = shopify(client, live, "orders/create", shopify_order(820982911946154502, 1045), delivery=delivery)
    changed = shopify_order(820982911946154502, 1045, updated="2026-12-02T15:00:00-05:00", financial_status="paid")
    retry = shopify(client, live, "orders/create", changed, delivery=delivery)
    assert first.json()["outcome"] == "created" and retry.json() == {"ok": True, "outcome": "duplicate"}
    assert stored(live, 820982911946154502).financial_status == "authorized"  # the retry changed nothing
    assert "duplicate" not in shopify(client, live, "orders/updated", changed).text  # a new delivery id applies


def test_an_update_older_than_the_stored_one_does_not_overwrite_it(client, live):
    order_id = 820982911946154503
    shopify(client, live, "orders/create", shopify_order(order_id, 1046))
    cancelled = shopify_order(order_id, 1046, updated="2026-12-02T14:40:00-05:00",
                              cancelled_at="2026-12-02T14:39:00-05:00", cancel_reason="customer",
                              financial_status="voided")
    assert shopify(client, live, "orders/cancelled", cancelled).json()["outcome"] == "updated"
    late = shopify_order(order_id, 1046, updated="2026-12-02T14:10:00-05:00", financial_status="authorized")
    assert shopify(client, live, "orders/updated", late).json() == {"ok": True, "outcome": "outdated"}
    order = stored(live, order_id)
    assert order.cancelled and order.cancelled_at == datetime(2026, 12, 2, 19, 39) and order.cancel_reason == "customer"
    assert order.financial_status == "voided"
    same = shopify(client, live, "orders/cancelled", cancelled)  # Shopify resends it under a new id
    assert same.json()["outcome"] == "unchanged"


def test_a_malformed_body_is_refused_and_stores_nothing(client, live):
    not_json = shopify(client, live, "orders/create", None, body=b'{"id": 820982911946154504, "name": "#10')
    assert not_json.status_code == 400 and "not JSON" in not_json.json()["error"]
    no_id = shopify_order(820982911946154504, 1047)
    del no_id["id"]
    assert shopify(client, live, "orders/create", no_id).status_code == 422
    bad_time = shopify(client, live, "orders/create", shopify_order(820982911946154504, 1047, created_at="soon"))
    assert bad_time.status_code == 422 and "created_at" in bad_time.json()["error"]
    bad_items = shopify(client, live, "orders/create", shopify_order(820982911946154504, 1047, line_items="two"))
    assert bad_items.status_code == 422
    a_list = shopify(client, live, "orders/create", [shopify_order(820982911946154504, 1047)])
    assert a_list.status_code == 422
    assert stored(live, 820982911946154504) is None and live["orders"].find("1047", "maya.chen@example.com") is None


def test_a_fulfillment_adds_tracking_to_an_existing_order_and_its_updates_follow(client, live):
    order_id = 820982911946154505
    shopify(client, live, "orders/create", shopify_order(order_id, 1048))
    created = shopify(client, live, "fulfillments/create", fulfillment(255858046, order_id))
    assert created.json() == {"ok": True, "outcome": "created"}
    (shipment,) = stored(live, order_id).fulfillments
    assert (shipment.tracking_company, shipment.tracking_number) == ("USPS", "9400111899223197428490")
    assert shipment.tracking_url.endswith("9400111899223197428490") and shipment.status == "success"
    assert shipment.shipped_at == datetime(2026, 12, 3, 21, 20) and shipment.items[0]["sku"] == "HP-1001"
    delivered = fulfillment(255858046, order_id, updated="2026-12-07T11:02:00-05:00", shipment_status="delivered")
    assert shopify(client, live, "fulfillments/update", delivered).json()["outcome"] == "updated"
    in_transit = fulfillment(255858046, order_id, updated="2026-12-04T08:00:00-05:00", shipment_status="in_transit")
    assert shopify(client, live, "fulfillments/update", in_transit).json()["outcome"] == "outdated"
    assert stored(live, order_id).fulfillments[0].shipment_status == "delivered"
    no_order = fulfillment(255858047, order_id)
    del no_order["order_id"]
    assert shopify(client, live, "fulfillments/create", no_order).status_code == 422


def test_a_fulfillment_that_comes_before_its_order_is_joined_when_the_order_arrives(client, live):
    order_id = 820982911946154506
    assert shopify(client, live, "fulfillments/create", fulfillment(255858048, order_id)).json()["outcome"] == \
        "created"
    shopify(client, live, "orders/create", shopify_order(order_id, 1049))
    assert [f.platform_id for f in stored(live, order_id).fulfillments] == ["255858048"]


def test_an_order_update_carries_its_fulfillments_and_refunds(client, live):
    order_id = 820982911946154507
    shopify(client, live, "orders/create", shopify_order(order_id, 1050))
    shipped = shopify_order(
        order_id, 1050, updated="2026-12-09T10:00:00-05:00", financial_status="partially_refunded",
        fulfillment_status="fulfilled",
        fulfillments=[fulfillment(255858049, order_id, shipment_status="delivered", tracking_company="UPS",
                                  tracking_number="1Z999AA10123456784", tracking_url=None,
                                  tracking_urls=["https://www.ups.com/track?tracknum=1Z999AA10123456784"])],
        refunds=[{"id": 509562969, "created_at": "2026-12-09T09:58:00-05:00", "note": "changed mind",
                  "refund_line_items": [{"line_item_id": order_id * 10 + 1, "quantity": 1}],
                  "transactions": [{"id": 1, "kind": "refund", "status": "success", "amount": "30.09"},
                                   {"id": 2, "kind": "refund", "status": "failure", "amount": "99.00"}]}])
    assert shopify(client, live, "orders/updated", shipped).json()["outcome"] == "updated"
    order = stored(live, order_id)
    assert order.financial_status == "partially_refunded" and order.refunded_cents == 3009
    assert order.fulfillment_status == "fulfilled" and order.fulfilled_at == datetime(2026, 12, 3, 21, 20)
    (shipment,) = order.fulfillments
    assert (shipment.tracking_company, shipment.tracking_number, shipment.shipment_status) == \
        ("UPS", "1Z999AA10123456784", "delivered")
    assert shipment.tracking_url == "https://www.ups.com/track?tracknum=1Z999AA10123456784"


def test_a_deleted_order_is_removed_and_other_topics_are_acknowledged(client, live):
    order_id = 820982911946154508
    shopify(client, live, "orders/create", shopify_order(order_id, 1051))
    shopify(client, live, "fulfillments/create", fulfillment(255858050, order_id))
    assert shopify(client, live, "orders/delete", {"id": order_id}).json()["outcome"] == "removed"
    assert stored(live, order_id) is None
    assert shopify(client, live, "orders/delete", {"id": order_id}).json()["outcome"] == "ignored"
    assert shopify(client, live, "orders/edited", {"order_edit": {}}).json() == {"ok": True, "outcome": "ignored"}


# ---- WooCommerce


def woo_order(order_id: int, modified: str = "2026-12-02T19:05:00", **changes) -> dict:
    """A WooCommerce order as order.created and order.updated send it (the REST v3 order JSON)."""
    order = {
        "id": order_id, "parent_id": 0, "number": str(order_id), "order_key": "wc_order_58d2d042d1d",
        "created_via": "checkout", "version": "9.4.0", "status": "processing", "currency": "USD",
        "date_created": "2026-12-02T12:03:11", "date_created_gmt": "2026-12-02T19:03:11",
        "date_modified": "2026-12-02T12:05:00", "date_modified_gmt": modified, "discount_total": "0.00",
        "shipping_total": "5.99", "total": "47.10", "total_tax": "3.11", "prices_include_tax": False,
        "customer_id": 25, "customer_note": "",
        "billing": {"first_name": "Jonah", "last_name": "Walsh", "address_1": "4 Aspen Court", "city": "Denver",
                    "state": "CO", "postcode": "80202", "country": "US", "email": "Jonah.Walsh@Example.org",
                    "phone": "555-0100"},
        "shipping": {"first_name": "Jonah", "last_name": "Walsh", "address_1": "4 Aspen Court", "city": "Denver",
                     "state": "CO", "postcode": "80202", "country": "US"},
        "payment_method": "stripe", "payment_method_title": "Credit card", "transaction_id": "ch_1",
        "date_paid": "2026-12-02T12:03:20", "date_paid_gmt": "2026-12-02T19:03:20", "date_completed": None,
        "date_completed_gmt": None,
        "line_items": [{"id": 315, "name": "Camp Lantern", "product_id": 93, "variation_id": 0, "quantity": 1,
                        "tax_class": "", "subtotal": "38.00", "subtotal_tax": "3.11", "total": "38.00",
                        "total_tax": "3.11", "sku": "FF-LNT", "price": 38}],
        "shipping_lines": [{"id": 317, "method_title": "Flat rate", "method_id": "flat_rate", "total": "5.99"}],
        "meta_data": [], "refunds": [],
    }
    order.update(changes)
    return order


def test_woocommerce_order_webhooks_create_update_and_delete(client, live):
    created = woocommerce(client, live, "order.created", woo_order(7270))
    assert created.json() == {"ok": True, "outcome": "created"}
    order = live["orders"].get("woocommerce", "7270")
    assert (order.name, order.email, order.platform_status, order.financial_status) == \
        ("#7270", "jonah.walsh@example.org", "processing", "paid")
    assert order.placed_at == datetime(2026, 12, 2, 19, 3, 11) and order.shipping_method == "Flat rate"
    assert [(i.sku, i.quantity, i.price_cents) for i in order.items] == [("FF-LNT", 1, 3800)]
    tracking = {"id": 901, "key": "_wc_shipment_tracking_items", "value": [
        {"tracking_provider": "UPS", "custom_tracking_provider": "", "custom_tracking_link": "",
         "tracking_number": "1Z999AA10123456784", "date_shipped": "1765000000", "tracking_id": "a1b2c3"}]}
    completed = woo_order(7270, modified="2026-12-04T15:00:00", status="completed",
                          date_completed_gmt="2026-12-04T15:00:00", meta_data=[tracking])
    assert woocommerce(client, live, "order.updated", completed).json()["outcome"] == "updated"
    stale = woo_order(7270, modified="2026-12-03T10:00:00", status="on-hold")
    assert woocommerce(client, live, "order.updated", stale).json()["outcome"] == "outdated"
    order = live["orders"].get("woocommerce", "7270")
    assert (order.platform_status, order.fulfillment_status) == ("completed", "fulfilled")
    assert [(f.tracking_company, f.tracking_number) for f in order.fulfillments] == [("UPS", "1Z999AA10123456784")]
    assert live["orders"].find("7270", "jonah.walsh@example.org").id == order.id
    assert woocommerce(client, live, "order.deleted", {"id": 7270}).json()["outcome"] == "removed"
    assert live["orders"].get("woocommerce", "7270") is None


def test_woocommerce_order_webhooks_are_checked_like_product_ones(client, live):
    unsigned = woocommerce(client, live, "order.created", woo_order(7271), signature="")
    wrong = woocommerce(client, live, "order.created", woo_order(7271), signature=sign(SHOPIFY_SECRET, b"{}"))
    assert unsigned.status_code == wrong.status_code == 401
    bad_status = woocommerce(client, live, "order.created", woo_order(7271, status="teleported"))
    assert bad_status.status_code == 422 and "status" in bad_status.json()["error"]
    delivery = str(uuid.uuid4())
    assert woocommerce(client, live, "order.created", woo_order(7271), delivery=delivery).json()["outcome"] == \
        "created"
    assert woocommerce(client, live, "order.created", woo_order(7271), delivery=delivery).json()["outcome"] == \
        "duplicate"
    refunded = woo_order(7271, modified="2026-12-05T10:00:00", refunds=[{"id": 730, "reason": "", "total": "-10.00"}])
    woocommerce(client, live, "order.updated", refunded)
    order = live["orders"].get("woocommerce", "7271")
    assert (order.financial_status, order.refunded_cents) == ("partially_refunded", 1000)


def test_deliveries_applied_are_remembered_across_a_restart(client, live):
    delivery = str(uuid.uuid4())
    shopify(client, live, "orders/create", shopify_order(820982911946154509, 1052), delivery=delivery)
    log = json.loads((live["root"] / "index" / "order-webhook-deliveries.json").read_text("utf-8"))
    assert delivery in log
