"""The agent sees the order its shopper proved: the real Chatbot on the demo store and the demo's orders, at the
demo's "now" (2026-12-07 noon Eastern). A ticket from a conversation that proved an order shows it beside the
transcript (status, items with their return windows, tracking), in the agent window of the real app in a browser;
a ticket whose conversation proved nothing shows none, and nothing another conversation proved; the agent's draft
for "where is it?" states the order's status from the record, with the order cited."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import httpx
import pytest
import sqlalchemy as sa
from conftest import agent_opens_ticket, scratch_database_url, whole_site
from playwright.sync_api import sync_playwright
from test_server import chat

from chatbot.config import Settings
from chatbot.converse.chatbot import Chatbot
from chatbot.data.order_proofs import OrderProofs
from chatbot.data.orders import OrderStore
from chatbot.data.schema import orders as orders_table
from chatbot.data.storage import ConversationStore
from chatbot.ingest.platforms.order_exports import import_demo_orders
from chatbot.orders.answers import Sources, status
from chatbot.orders.desk import for_bot
from chatbot.orders.identity import Asker
from ui.agent import _orders_markdown

NOW = datetime(2026, 12, 7, 12, tzinfo=ZoneInfo("America/New_York"))
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def shop(demo_index_dir, real_embedder, tmp_path_factory):
    url = scratch_database_url(tmp_path_factory.mktemp("agent-orders"), "shop.sqlite3")
    settings = Settings(index_dir=str(demo_index_dir), generator="extractive", database_url=url)
    bot = Chatbot(settings, embedder=real_embedder)
    bot.warm_up()
    orders = OrderStore(url)
    import_demo_orders(orders)
    tickets = ConversationStore(url)
    bot.orders = for_bot(bot, orders, OrderProofs(url), tickets=tickets, clock=lambda: NOW)
    with orders._engine.connect() as db:
        every = [orders.by_id(i) for i in db.execute(sa.select(orders_table.c.id)).scalars()]
    yield {"bot": bot, "settings": settings, "store": tickets, "orders": sorted(every, key=lambda o: o.name)}
    bot.orders = None
    tickets.close()


def tracked(order) -> bool:
    """Shipped with a tracking number and link, one shipment, paid: every part of the panel has something."""
    shipped = order.fulfillments[0] if len(order.fulfillments) == 1 else None
    return bool(shipped and shipped.tracking_number and shipped.tracking_url and shipped.shipment_status == "in_transit"
                and order.financial_status == "paid")


def proved_with_a_ticket(shop, order) -> str:
    """A conversation that proves ``order`` and then asks for a person; its id."""
    bot, store = shop["bot"], shop["store"]
    conversation = store.start_conversation("chat")
    asker = Asker(conversation, "10.1.1.1")
    for message in (f"where is order {order.number}? my email is {order.email}", "I want to talk to a person"):
        answer = bot.ask(message, asker=asker)
        store.record_turn(conversation, message, answer)
    store.open_ticket(conversation, "asked_for_person")
    return conversation


def test_the_drafts_for_where_is_it_state_the_proved_orders_status_with_it_cited(shop):
    bot = shop["bot"]
    order = next(o for o in shop["orders"] if tracked(o))
    conversation = proved_with_a_ticket(shop, order)
    desk = bot.orders
    [facts] = desk.for_agent(conversation)
    rules = desk.rules()
    expected = re.sub(r" \[\d+\]", "", status(order, rules, Sources()).text)  # the shopper's own answer's words
    assert facts.name == order.name and facts.status == expected and facts.state == "on its way"
    shipment = order.fulfillments[0]
    assert [(s.carrier, s.number, s.url) for s in facts.shipments] == [
        (shipment.tracking_company, shipment.tracking_number, shipment.tracking_url)]
    assert [i.name for i in facts.items] == [i.name for i in order.items]
    assert all("start at delivery" in i.returns for i in facts.items)  # on its way: the window has not started
    panel = _orders_markdown(desk.for_agent(conversation))
    assert order.name in panel and shipment.tracking_number in panel and shipment.tracking_url in panel

    drafts = bot.drafts("where is it?", n=3, asker=Asker(conversation))
    first = drafts[0]
    assert first.origin == "orders" and first.citations[0].doc_id == f"order:{order.name}"
    assert order.name in first.text and shipment.tracking_number in first.text and "should arrive" in first.text
    # a catalog question on the same ticket is not about the order
    assert all(d.origin != "orders" for d in bot.drafts("how much is the Harbor Buds?", n=1, asker=Asker(conversation)))
    # the same message on a ticket without the conversation: no order is read
    assert all(d.origin != "orders" and not any(c.doc_id.startswith("order:") for c in d.citations)
               for d in bot.drafts("where is it?", n=2))


def test_a_ticket_whose_conversation_proved_nothing_shows_no_order(shop):
    bot, store = shop["bot"], shop["store"]
    proved_with_a_ticket(shop, next(o for o in shop["orders"] if tracked(o)))  # another shopper's proof
    conversation = store.start_conversation("chat")
    order = shop["orders"][0]
    # the number alone, without the email: nothing proved
    answer = bot.ask(f"where is my order {order.number}?", asker=Asker(conversation, "10.2.2.2"))
    store.record_turn(conversation, f"where is my order {order.number}?", answer)
    store.open_ticket(conversation, "asked_for_person")
    assert bot.orders.for_agent(conversation) == []
    assert _orders_markdown([]) == "_No verified order in this conversation._"
    drafts = bot.drafts(f"where is order {order.number}?", n=2, asker=Asker(conversation))
    assert all(not any(c.doc_id.startswith("order:") for c in d.citations) for d in drafts)
    assert all(item.name not in d.text for d in drafts for item in order.items)


def test_a_signed_in_customers_order_the_bot_answered_about_is_shown_to_the_agent(shop):
    bot, store = shop["bot"], shop["store"]
    order = next(o for o in shop["orders"] if tracked(o))
    conversation = store.start_conversation("widget")
    # the Asker's email is the one whose signature held (ui.turns checks it)
    answer = bot.ask(f"where is order {order.number}?", asker=Asker(conversation, "10.3.3.3", order.email))
    assert answer.origin == "orders" and order.name in answer.text
    assert [f.name for f in bot.orders.for_agent(conversation)] == [order.name]


def test_the_agent_window_shows_the_order_the_shopper_proved_beside_the_transcript(shop):
    """Through the real app: the shopper proves an order over the API and reports it damaged (the order desk opens
    the ticket); the agent signs in, opens it, sees the order, and drafts a reply citing it."""
    order = next(o for o in shop["orders"] if tracked(o) and o.name != shop["orders"][0].name)
    shipment = order.fulfillments[0]
    with whole_site(shop["bot"], shop["settings"]) as (url, store, _), httpx.Client(timeout=60) as client:
        _, events = chat(client, url, message=f"order {order.number} {order.email}", channel="api")
        conversation = dict(events)["answer"]["conversation_id"]
        _, events = chat(client, url, message="what is the status of it?", conversation_id=conversation,
                         channel="api")
        _, events = chat(client, url, message="it's stuck, hasn't moved", conversation_id=conversation, channel="api")
        answer = dict(events)["answer"]
        assert answer["handoff"], answer
        ref = next(t["ref"] for t in store.list_tickets("open") if t["conversation_id"] == conversation)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            agent = browser.new_page(viewport={"width": 1280, "height": 900})
            agent_opens_ticket(agent, url, ref)
            agent.wait_for_function(f"() => document.querySelector('#ticket-orders').innerText.includes("
                                    f"{order.name!r})", timeout=15_000)
            panel = agent.locator("#ticket-orders").inner_text()
            assert shipment.tracking_number in panel and "on its way" in panel
            assert all(item.name in panel for item in order.items) and "start at delivery" in panel
            assert agent.locator(f"#ticket-orders a[href='{shipment.tracking_url}']").count() >= 1  # a link
            agent.locator("#customer-message textarea").fill("Where is it?")
            agent.locator("#draft-replies").click()
            agent.wait_for_function("() => document.querySelector('#draft-1 textarea').value.length > 0",
                                    timeout=30_000)
            draft = agent.locator("#draft-1 textarea").input_value()
            assert order.name in draft and shipment.tracking_number in draft
            browser.close()
