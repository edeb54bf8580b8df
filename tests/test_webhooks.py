"""Live catalog: the platforms' signed product webhooks, through the real server over HTTP, with the real
incremental indexer and the bundled embedder, on a copy of the demo store's index.

Each test uses its own products, so the tests share one server and stay independent. The embedder is wrapped
to count what it embeds: a stock change must embed nothing.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import shutil
import threading
import uuid

import httpx
import pytest
from conftest import scratch_database_url, serving
from test_server import chat

from chatbot.config import Settings
from chatbot.converse.chatbot import Chatbot
from chatbot.data.storage import ConversationStore
from chatbot.ingest.store import KnowledgeIndex
from ui.server import create_server
from ui.webhooks import signed

SHOPIFY_SECRET = "shpss_test_1f2e3d4c5b6a"
WOO_SECRET = "wc-secret-9a8b7c"


class CountingEmbedder:
    """The real embedder, counting the texts it is asked to embed."""

    def __init__(self, inner):
        self.inner, self.texts = inner, 0

    @property
    def name(self):
        return self.inner.name

    @property
    def dimension(self):
        return self.inner.dimension

    def embed(self, texts):
        texts = list(texts)
        self.texts += len(texts)
        return self.inner.embed(texts)


@pytest.fixture(scope="module")
def live(tmp_path_factory, demo_index_dir, real_embedder):
    """A server whose index is a copy of the demo store's and whose knowledge folder starts empty."""
    root = tmp_path_factory.mktemp("live")
    shutil.copytree(demo_index_dir, root / "index")
    url = scratch_database_url(root, "chat.sqlite3")  # the store's and the webhook deliveries' database
    settings = Settings(index_dir=str(root / "index"), knowledge_dir=str(root / "knowledge"), generator="extractive",
                        shopify_webhook_secret=SHOPIFY_SECRET, woocommerce_webhook_secret=WOO_SECRET, database_url=url)
    embedder = CountingEmbedder(real_embedder)
    bot = Chatbot(settings, embedder=embedder)
    store = ConversationStore(url)
    with serving(create_server(bot, store, settings)) as url:
        yield {"url": url, "root": root, "embedder": embedder, "settings": settings}
    store.close()


@pytest.fixture
def client():
    with httpx.Client(timeout=120) as c:
        yield c


def sign(secret: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def shopify(client, live, topic: str, payload: dict, delivery: str | None = None, secret: str = SHOPIFY_SECRET,
            signature: str | None = None) -> httpx.Response:
    body = json.dumps(payload).encode()
    headers = {"Content-Type": "application/json", "X-Shopify-Topic": topic,
               "X-Shopify-Shop-Domain": "harbor-and-pine.myshopify.com",
               "X-Shopify-Webhook-Id": delivery or str(uuid.uuid4())}
    if signature is not False:
        headers["X-Shopify-Hmac-Sha256"] = signature if signature is not None else sign(secret, body)
    return client.post(f"{live['url']}/api/webhooks/shopify", content=body, headers=headers)


def woocommerce(client, live, topic: str, payload: dict) -> httpx.Response:
    body = json.dumps(payload).encode()
    resource, event = topic.split(".")
    headers = {"Content-Type": "application/json", "X-WC-Webhook-Topic": topic, "X-WC-Webhook-Resource": resource,
               "X-WC-Webhook-Event": event, "X-WC-Webhook-Delivery-ID": str(uuid.uuid4()),
               "X-WC-Webhook-Signature": sign(WOO_SECRET, body)}
    return client.post(f"{live['url']}/api/webhooks/woocommerce", content=body, headers=headers)


def lantern(product_id: int, name: str, price: str = "38.00", quantity: int = 4, status: str = "active",
            item: int = 0) -> dict:
    """A Shopify product as products/create sends it (the REST product JSON)."""
    handle = name.lower().replace(" ", "-")
    return {"id": product_id, "title": name, "handle": handle, "status": status, "vendor": "Harbor & Pine",
            "product_type": "Lanterns", "tags": "camping, internal: reorder at 5",
            "body_html": "<p>A rechargeable <strong>camping lantern</strong> with 300 lumens.</p>",
            "published_at": "2026-12-01T10:00:00-05:00",
            "options": [{"name": "Title", "values": ["Default Title"]}],
            "variants": [{"id": product_id * 10, "sku": f"LNT-{product_id}", "price": price, "compare_at_price": None,
                          "inventory_quantity": quantity, "inventory_management": "shopify",
                          "inventory_policy": "deny", "option1": "Default Title", "option2": None, "option3": None,
                          "inventory_item_id": item or product_id * 100}]}


def answer(client, live, question: str) -> dict:
    response, events = chat(client, live["url"], message=question)
    assert response.status_code == 200, response.text
    return next(data for kind, data in events if kind == "answer")


def catalog_records(live) -> list[dict]:
    folder = live["root"] / "knowledge"
    return [json.loads(line) for path in sorted(folder.rglob("*.jsonl")) for line in path.read_text().splitlines()]


def generation(live) -> int:
    return KnowledgeIndex.load(live["settings"].index_dir).generation


def test_a_created_product_is_answered_at_once_and_an_update_changes_its_price(live, client):
    response = shopify(client, live, "products/create", lantern(7001, "Aurora Field Lantern"))
    assert response.json() == {"ok": True, "outcome": "created"}
    first = answer(client, live, "How much is the Aurora Field Lantern?")
    assert "$38.00" in first["answer"]

    response = shopify(client, live, "products/update", lantern(7001, "Aurora Field Lantern", price="42.50"))
    assert response.json()["outcome"] == "updated"
    second = answer(client, live, "How much is the Aurora Field Lantern?")
    assert "$42.50" in second["answer"] and "$38.00" not in second["answer"]
    stored = [r for r in catalog_records(live) if r.get("platform_id") == "shopify:7001"]
    assert len(stored) == 1 and stored[0]["price"] == 42.5
    # the store's internal tag is never copied, as in the CSV import
    assert "reorder" not in json.dumps(stored[0])


def test_an_inventory_update_changes_the_stock_answer_without_embedding(live, client):
    shopify(client, live, "products/create", lantern(7002, "Borealis Trail Lantern", quantity=3, item=4242))
    assert "in stock" in answer(client, live, "Is the Borealis Trail Lantern in stock?")["answer"]

    before = live["embedder"].texts
    response = shopify(client, live, "inventory_levels/update",
                       {"inventory_item_id": 4242, "location_id": 905684977, "available": 0,
                        "updated_at": "2026-12-07T15:00:00-05:00"})
    assert response.json()["outcome"] == "stock"
    assert live["embedder"].texts == before  # stock is not in the embedded text: nothing was embedded
    sold_out = answer(client, live, "Is the Borealis Trail Lantern in stock?")["answer"]
    assert re.search(r"sold out|out of stock", sold_out), sold_out

    shopify(client, live, "inventory_levels/update", {"inventory_item_id": 4242, "available": 12})
    assert live["embedder"].texts == before
    back = answer(client, live, "Is the Borealis Trail Lantern in stock?")["answer"]
    assert "in stock" in back and not re.search(r"sold out|out of stock", back), back


def test_a_deleted_or_drafted_product_is_gone_from_answers_at_once(live, client):
    shopify(client, live, "products/create", lantern(7003, "Cinder Peak Lantern", price="51.00"))
    shopify(client, live, "products/create", lantern(7004, "Dusk Ridge Lantern", price="29.00"))
    assert "$51.00" in answer(client, live, "How much is the Cinder Peak Lantern?")["answer"]

    assert shopify(client, live, "products/delete", {"id": 7003}).json()["outcome"] == "removed"
    gone = answer(client, live, "How much is the Cinder Peak Lantern?")
    assert "$51.00" not in gone["answer"] and "cinder-peak-lantern" not in (gone.get("products") or [])
    index = KnowledgeIndex.load(live["settings"].index_dir)
    assert "product:cinder-peak-lantern" not in index.documents

    # set back to draft in Shopify: the update removes it as surely as a delete
    assert shopify(client, live, "products/update",
                   lantern(7004, "Dusk Ridge Lantern", price="29.00", status="draft")).json()["outcome"] == "removed"
    assert "$29.00" not in answer(client, live, "How much is the Dusk Ridge Lantern?")["answer"]
    assert not [r for r in catalog_records(live) if r.get("platform_id") in ("shopify:7003", "shopify:7004")]


@pytest.mark.parametrize("signature", [False, "", "not base64 at all!", sign("another-secret", b"{}"),
                                       "signature of another body"])
def test_unsigned_or_wrongly_signed_deliveries_are_refused_and_store_nothing(live, client, signature):
    if signature == "signature of another body":
        signature = sign(SHOPIFY_SECRET, json.dumps(lantern(7005, "Ember Lantern", price="1.00")).encode())
    before, records = generation(live), catalog_records(live)
    response = shopify(client, live, "products/create", lantern(7005, "Ember Lantern"), signature=signature)
    assert response.status_code == 401
    assert "X-Shopify-Hmac-Sha256" in response.json()["error"]
    assert generation(live) == before and catalog_records(live) == records


def test_a_repeated_delivery_is_applied_once(live, client):
    delivery = str(uuid.uuid4())
    first = shopify(client, live, "products/create", lantern(7006, "Fjord Lantern", price="33.00"), delivery)
    assert first.json()["outcome"] == "created"
    before = generation(live)
    # the platform's retry carries the same delivery id: acknowledged, not applied again
    again = shopify(client, live, "products/update", lantern(7006, "Fjord Lantern", price="99.00"), delivery)
    assert again.status_code == 200 and again.json()["outcome"] == "duplicate"
    assert generation(live) == before
    assert [r["price"] for r in catalog_records(live) if r.get("platform_id") == "shopify:7006"] == [33.0]


def test_concurrent_deliveries_are_all_applied(live, client):
    names = ["Glacier Lantern", "Harbor Lantern", "Isle Lantern"]
    outcomes = []

    def send(n: int, name: str):
        with httpx.Client(timeout=120) as own:
            outcomes.append(shopify(own, live, "products/create", lantern(7100 + n, name)).json()["outcome"])

    threads = [threading.Thread(target=send, args=(n, name)) for n, name in enumerate(names)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes == ["created"] * 3
    documents = KnowledgeIndex.load(live["settings"].index_dir).documents
    assert {f"product:{n.lower().replace(' ', '-')}" for n in names} <= set(documents)


def test_oversized_and_malformed_bodies_get_a_clear_error_and_store_nothing(live, client):
    before, records = generation(live), catalog_records(live)
    url = f"{live['url']}/api/webhooks/shopify"
    big = b'{"id": 1, "title": "' + b"x" * live["settings"].webhook_max_bytes + b'"}'
    too_big = client.post(url, content=big, headers={"X-Shopify-Topic": "products/create",
                                                     "X-Shopify-Hmac-Sha256": sign(SHOPIFY_SECRET, big)})
    assert too_big.status_code == 413 and "webhook_max_bytes" in too_big.json()["error"]
    broken = b'{"id": 1, "title": '
    not_json = client.post(url, content=broken, headers={"X-Shopify-Topic": "products/create",
                                                         "X-Shopify-Hmac-Sha256": sign(SHOPIFY_SECRET, broken)})
    assert not_json.status_code == 400 and "not JSON" in not_json.json()["error"]
    no_title = shopify(client, live, "products/update", {"id": 7200, "handle": "x", "variants": []})
    assert no_title.status_code == 422 and "title" in no_title.json()["error"]
    bad_price = lantern(7201, "Jetty Lantern", price="thirty")
    assert shopify(client, live, "products/create", bad_price).status_code == 422
    assert generation(live) == before and catalog_records(live) == records


def test_woocommerce_signed_create_and_delete(live, client):
    product = {"id": 815, "name": "Kestrel Camp Mug", "slug": "kestrel-camp-mug", "type": "simple",
               "status": "publish", "catalog_visibility": "visible", "sku": "MUG-815",
               "description": "<p>Double-walled steel mug that keeps coffee hot.</p>",
               "short_description": "<p>A 350 ml camp mug.</p>", "regular_price": "24.00", "sale_price": "19.00",
               "date_on_sale_from": None, "date_on_sale_to": None, "stock_status": "instock", "stock_quantity": 9,
               "manage_stock": True, "categories": [{"id": 9, "name": "Camp Kitchen", "slug": "camp-kitchen"}],
               "attributes": [{"id": 1, "name": "Capacity", "options": ["350 ml"], "visible": True,
                               "variation": False}],
               "tags": [{"id": 3, "name": "_internal-clearance"}], "variations": []}
    assert woocommerce(client, live, "product.created", product).json()["outcome"] == "created"
    reply = answer(client, live, "How much is the Kestrel Camp Mug?")["answer"]
    assert "$19.00" in reply
    stored = next(r for r in catalog_records(live) if r.get("platform_id") == "woocommerce:815")
    assert "clearance" not in json.dumps(stored)  # an underscore tag is the store's own

    # a variation's own update is part of its product: acknowledged, never a product of its own
    variation = {"id": 817, "name": "Kestrel Camp Mug - Red", "type": "variation", "parent_id": 815,
                 "status": "publish", "regular_price": "24.00"}
    assert woocommerce(client, live, "product.updated", variation).json()["outcome"] == "ignored"
    assert not [r for r in catalog_records(live) if r.get("platform_id") == "woocommerce:817"]

    assert woocommerce(client, live, "product.deleted", {"id": 815}).json()["outcome"] == "removed"
    assert "$19.00" not in answer(client, live, "How much is the Kestrel Camp Mug?")["answer"]
    assert "product:kestrel-camp-mug" not in KnowledgeIndex.load(live["settings"].index_dir).documents


def test_woocommerce_s_ping_on_saving_a_webhook_is_answered_and_stores_nothing(live, client):
    before, records = generation(live), catalog_records(live)
    ping = client.post(f"{live['url']}/api/webhooks/woocommerce", content=b"webhook_id=12",
                       headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert ping.status_code == 200 and ping.json()["outcome"] == "ping"
    assert generation(live) == before and catalog_records(live) == records


def test_woocommerce_rejects_a_wrong_signature(live, client):
    body = json.dumps({"id": 816, "name": "Lark Mug", "regular_price": "10.00", "status": "publish"}).encode()
    response = client.post(f"{live['url']}/api/webhooks/woocommerce", content=body,
                           headers={"X-WC-Webhook-Topic": "product.created",
                                    "X-WC-Webhook-Signature": sign(SHOPIFY_SECRET, body)})
    assert response.status_code == 401
    assert not [r for r in catalog_records(live) if r.get("platform_id") == "woocommerce:816"]


def test_without_a_secret_every_delivery_is_refused_with_the_setting_to_fill_in(tmp_path, demo_index_dir,
                                                                               real_embedder, client):
    url = scratch_database_url(tmp_path, "chat.sqlite3")
    settings = Settings(index_dir=str(demo_index_dir), knowledge_dir=str(tmp_path / "knowledge"),
                        generator="extractive", database_url=url)
    store = ConversationStore(url)
    try:
        with serving(create_server(Chatbot(settings, embedder=real_embedder), store, settings)) as url:
            body = json.dumps(lantern(7300, "Moor Lantern")).encode()
            refused = client.post(f"{url}/api/webhooks/shopify", content=body,
                                  headers={"X-Shopify-Topic": "products/create",
                                           "X-Shopify-Hmac-Sha256": sign("", body)})
            assert refused.status_code == 503 and "CHATBOT_SHOPIFY_WEBHOOK_SECRET" in refused.json()["error"]
            woo = client.post(f"{url}/api/webhooks/woocommerce", content=b"webhook_id=3")
            assert woo.status_code == 503 and "CHATBOT_WOOCOMMERCE_WEBHOOK_SECRET" in woo.json()["error"]
    finally:
        store.close()
    assert not (tmp_path / "knowledge").exists()


@pytest.mark.parametrize("body, header, expected", [
    (b"{}", lambda b: sign("s3cret", b), True),
    (b"{}", lambda b: sign("s3cret", b + b" "), False),  # one byte more is another body
    ("{\"name\": \"Crème\"}".encode(), lambda b: sign("s3cret", b), True),
    (b"{}", lambda b: sign("s3cret", b)[:-4], False),
    (b"{}", lambda b: None, False),
])
def test_the_signature_is_checked_over_the_raw_bytes(body, header, expected):
    assert signed("s3cret", body, header(body)) is expected
    assert not signed("", body, sign("", body))  # no secret: nothing is ever signed


def test_an_event_that_cannot_be_indexed_loses_nothing_and_its_retry_applies(tmp_path, fake_embedder):
    """The LiveCatalog alone, with the hashing embedder: when embedding fails mid-event, the catalog file and
    the index stay as they were, and the delivery is not marked applied, so the platform's retry applies it."""
    from chatbot.common.errors import ChatbotError
    from chatbot.ingest.chunking import Chunker
    from chatbot.ingest.live_catalog import LiveCatalog
    from chatbot.ingest.platforms.webhook_products import shopify_product

    catalog = LiveCatalog(tmp_path / "knowledge", tmp_path / "index", fake_embedder, Chunker())
    key = "shopify:7400"
    assert catalog.apply("d-1", lambda: catalog.put_product(key, shopify_product(lantern(7400, "Nook Lantern")))) \
        == "created"
    file = tmp_path / "knowledge" / "catalog" / "shopify-live.jsonl"
    stored, generation_before = file.read_bytes(), KnowledgeIndex.load(tmp_path / "index").generation

    class Broken:
        name, dimension = fake_embedder.name, fake_embedder.dimension

        def embed(self, texts):
            raise ChatbotError("the embedder is gone")

    catalog.embedder = Broken()
    repriced = shopify_product(lantern(7400, "Nook Lantern", price="55.00"))
    with pytest.raises(ChatbotError):
        catalog.apply("d-2", lambda: catalog.put_product(key, repriced))
    assert file.read_bytes() == stored
    index = KnowledgeIndex.load(tmp_path / "index")
    assert index.generation == generation_before and "$38.00" in index.documents["product:nook-lantern"].text

    catalog.embedder = fake_embedder
    assert catalog.apply("d-2", lambda: catalog.put_product(key, repriced)) == "updated"
    assert "$55.00" in KnowledgeIndex.load(tmp_path / "index").documents["product:nook-lantern"].text
