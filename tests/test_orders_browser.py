"""A shopper's order on a phone, and the return request it leads to in the agent's queue, in a real browser.

Debian's chromium driven by Playwright, on one real server for the file (the whole app as ``launch.py`` serves
it, the demo store indexed, the demo's orders imported into its SQLite database, at the demo's "now", 2026-12-07
noon Eastern). On a Pixel-sized phone the shopper asks where their order is, is asked for the number and email,
gives them, and reads the status with the carrier and tracking number; asks to return one item, confirms, and
gets a reference. An agent, signed in to the agent window in a browser context of their own, finds that return
request in the queue and sees the order beside it: its status, its items and the tracking. The order is read from
the demo's data (delivered with tracking, paid, inside its return window, several items), never written here.
"""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from conftest import agent_opens_ticket, scratch_database_url, screenshot_path, whole_site
from playwright.sync_api import expect, sync_playwright

from chatbot.config import Settings
from chatbot.converse.chatbot import Chatbot
from chatbot.data.order_proofs import OrderProofs
from chatbot.data.orders import OrderStore
from chatbot.data.schema import orders as orders_table
from chatbot.data.storage import ConversationStore
from chatbot.ingest.platforms.order_exports import import_demo_orders
from chatbot.orders.answers import returns_of
from chatbot.orders.desk import for_bot

NOW = datetime(2026, 12, 7, 12, tzinfo=ZoneInfo("America/New_York"))  # demo/make_orders.py's REFERENCE
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
PHONE = "Pixel 7"


def words(text: str) -> set[str]:
    return set(re.findall(r"[a-z0-9]+", text.lower()))


def returnable_delivered_order(orders: list, rules) -> tuple:
    """A demo order delivered in one tracked shipment, paid, of several items, and one of its items still inside
    its return window whose name shares no word with the order's other items (so naming it names only it)."""
    for order in orders:
        shipments = order.fulfillments
        if (len(shipments) != 1 or shipments[0].shipment_status != "delivered" or not shipments[0].tracking_number
                or order.financial_status != "paid" or order.cancelled or len(order.items) < 2):
            continue
        open_now = [r.item for r in returns_of(order, rules) if r.eligible]
        for item in open_now:
            others = set().union(*(words(i.name) for i in order.items if i is not item))
            if not words(item.name) & others:
                return order, item
    raise AssertionError("the demo orders have no delivered, tracked, returnable order of several items")


@pytest.fixture(scope="module")
def site(demo_index_dir, real_embedder, tmp_path_factory):
    url = scratch_database_url(tmp_path_factory.mktemp("orders-browser"), "shop.sqlite3")
    settings = Settings(index_dir=str(demo_index_dir), generator="extractive", database_url=url)
    bot = Chatbot(settings, embedder=real_embedder)
    bot.warm_up()
    orders, tickets = OrderStore(url), ConversationStore(url)
    import_demo_orders(orders)  # as launch.py does on the demo store
    bot.orders = for_bot(bot, orders, OrderProofs(url), tickets=tickets, clock=lambda: NOW)
    with orders._engine.connect() as db:
        every = sorted((orders.by_id(i) for i in db.execute(sa.select(orders_table.c.id)).scalars()),
                       key=lambda o: o.name)
    order, item = returnable_delivered_order(every, bot.orders.rules())
    with whole_site(bot, settings) as (base, store, _):
        yield {"url": base, "store": store, "order": order, "item": item}
    bot.orders = None
    tickets.close()
    orders.close()


@pytest.fixture(scope="module")
def playwright():
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="module")
def browser(playwright):
    b = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
    yield b
    b.close()


def say(page, message: str) -> str:
    """Send ``message`` in the shopper chat; the bot's reply as the shopper reads it, once it is complete."""
    bubbles = page.locator("#shopper-chat .message.bot")
    before = bubbles.count()
    page.locator("#shopper-input textarea").fill(message)
    page.locator("#shopper-input textarea").press("Enter")
    page.wait_for_function(
        """([n]) => { const b = document.querySelectorAll('#shopper-chat .message.bot');
                     return b.length > n && b[b.length - 1].innerText.trim().length > 0
                            && !document.querySelector('#shopper-chat .streaming, #shopper-chat .pending'); }""",
        arg=[before], timeout=60_000)
    return bubbles.last.inner_text()


def test_a_shopper_on_a_phone_proves_an_order_sees_its_tracking_starts_a_return_and_the_agent_sees_it(
        site, browser, playwright):
    order, item = site["order"], site["item"]
    shipment = order.fulfillments[0]
    shopper = browser.new_context(**playwright.devices[PHONE])
    page = shopper.new_page()
    page.goto(site["url"])
    page.wait_for_selector("#shopper-input textarea", timeout=60_000)

    asked = say(page, "Where is my order?")
    assert "order number" in asked and "email" in asked  # it asks for the proof before anything is shown

    status = say(page, f"It's {order.name}, {order.email}")
    assert order.name in status and "delivered" in status
    assert shipment.tracking_company in status and shipment.tracking_number in status
    assert "return" in status and "Sources" in status and f"Order {order.name}" in status  # cited to the order
    assert all(i.name not in status for i in order.items)  # a status, not a dump of the order
    answer = page.locator("#shopper-chat .message.bot").last
    box = answer.get_by_text(shipment.tracking_number, exact=False).first.bounding_box()
    viewport = page.viewport_size
    assert 0 <= box["y"] and box["y"] + box["height"] <= viewport["height"]  # on the phone's screen
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]  # nothing runs off the side
    page.screenshot(path=str(screenshot_path("order-answer.png")))

    offer = say(page, f"I'd like to return the {item.name}")
    assert f"Shall I ask our team to start a return for the {item.name} from order {order.name}?" in offer
    assert all(i.name not in offer for i in order.items if i is not item)  # only the item named

    done = say(page, "yes please")
    found = re.search(r"Your reference is (\S+?)\.", done)
    assert found and f"start a return for the {item.name}" in done, done
    ref = found.group(1)
    expect(page.locator("#handoff-notice")).to_contain_text(ref)
    shopper.close()

    agent_context = browser.new_context(viewport={"width": 1280, "height": 900})
    agent = agent_context.new_page()
    agent_opens_ticket(agent, site["url"], ref)
    transcript = agent.locator("#ticket-transcript")
    expect(transcript).to_contain_text(f"Return request: order {order.name}", timeout=15_000)
    expect(transcript).to_contain_text(item.name)
    panel = agent.locator("#ticket-orders")
    expect(panel).to_contain_text(f"Order {order.name}", timeout=15_000)
    shown = panel.inner_text()
    assert "delivered" in shown and shipment.tracking_company in shown and shipment.tracking_number in shown
    assert all(i.name in shown for i in order.items)
    assert panel.locator(f"a[href='{shipment.tracking_url}']").count() >= 1  # the tracking opens from the panel
    agent_context.close()
