"""The embeddable widget in a real browser (Debian chromium driven by Playwright) on a store page of another origin.

A plain page served from one local port holds only the widget's script tag,
pointing at the chatbot server on another port, as on a real store site. A
shopper opens the widget, asks, and sees the streamed answer with its
sources; on a phone-sized screen the panel fills the width and "Talk to a
person" opens a ticket. The greeting offers the store's own FAQ questions,
questions sent while an answer is coming are queued and answered in order, a
long answer opens at its first line, and the next visit shows it with its
cards and sources. A page from an origin the store did not list gets no
answer: the server refuses it before the bot does any work.
Needs ``apt-get install -y chromium`` and ``pip install playwright`` (no
``playwright install``: the system chromium is used).
"""

from __future__ import annotations

import json
import re
import threading
import time

import pytest
from axe_playwright_python.sync_playwright import Axe
from conftest import KNOWLEDGE, loopback_socket, scratch_database_url, screenshot_path, serving, store_page
from playwright.sync_api import expect, sync_playwright  # not skipped when missing: the widget must be tested

from chatbot.config import Settings
from chatbot.converse.chatbot import Chatbot
from chatbot.data.storage import ConversationStore
from chatbot.data.tickets import ticket_ref
from chatbot.orders.identity import sign_email
from ui.server import create_server

IDENTITY_SECRET, CUSTOMER = "the-store's-identity-secret", "ana@example.com"
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def site(demo_index_dir, real_embedder, tmp_path_factory):
    api_sock, shop_sock, other_sock, signed_sock = (loopback_socket(), loopback_socket(), loopback_socket(),
                                                    loopback_socket())
    shop_origin = f"http://127.0.0.1:{shop_sock.getsockname()[1]}"
    signed_origin = f"http://127.0.0.1:{signed_sock.getsockname()[1]}"
    settings = Settings(index_dir=str(demo_index_dir), generator="extractive",
                        allowed_origins=f"{shop_origin},{signed_origin}")
    bot = Chatbot(settings, embedder=real_embedder)
    bot.warm_up()
    store = ConversationStore(scratch_database_url(tmp_path_factory.mktemp("widget-db"), "chat.sqlite3"),
                              public_contact=settings.support_contact)
    widget = f"http://127.0.0.1:{api_sock.getsockname()[1]}/widget.js"
    # a signed-in customer's page: the store's server wrote their email and its signature into the script tag
    signed_in = f'data-customer-email="{CUSTOMER}" data-customer-hash="{sign_email(IDENTITY_SECRET, CUSTOMER)}"'
    with serving(create_server(bot, store, settings), api_sock), store_page(shop_sock, widget) as shop, \
            store_page(other_sock, widget) as other, store_page(signed_sock, widget, signed_in) as signed:
        yield {"shop": shop, "other": other, "signed": signed, "store": store, "bot": bot}
    store.close()


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


def ask(page, question: str) -> None:
    page.locator(".launcher").click()  # Playwright's CSS locators reach into the open shadow root
    box = page.get_by_label("Your question")
    expect(box).to_be_focused()
    box.fill(question)
    box.press("Enter")


def questions_today(store) -> int:
    return sum(day["questions"] for day in store.stats(days=1)["questions_per_day"])


def test_shopper_asks_and_sees_a_cited_answer(site, browser):
    page = browser.new_page(viewport={"width": 1100, "height": 760})
    page.goto(site["shop"])
    ask(page, "Do you ship to Canada?")
    answer = page.locator(".msg.bot").last
    expect(answer.locator(".sources li").first).to_be_visible(timeout=30_000)
    assert "19.99" in answer.locator(".text").inner_text()
    sources = answer.locator(".sources li").all_inner_texts()
    assert sources and any("Shipping" in s or "Canada" in s for s in sources), sources
    # the screenshot shows the answer with its sources and rating buttons
    page.screenshot(path=str(screenshot_path("widget.png")))
    answer.get_by_role("button", name="Helpful", exact=True).click()
    expect(answer.locator(".rate")).to_have_text("Thanks for the feedback!")
    deadline = time.monotonic() + 10  # the feedback POST is fire-and-forget in the widget
    while site["store"].stats(days=1)["thumbs"]["up"] < 1:
        assert time.monotonic() < deadline, "the thumbs-up did not reach the store"
        time.sleep(0.05)
    # the turn is in the database under the conversation the widget keeps
    conversation = page.evaluate("document.querySelector('store-chat-widget').conversationId")
    transcript = site["store"].get_transcript(conversation)
    assert transcript[0]["text"] == "Do you ship to Canada?" and "19.99" in transcript[1]["text"]
    page.close()


def test_on_a_phone_the_panel_fills_the_screen_and_offers_a_person(site, browser):
    page = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page.goto(site["shop"])
    ask(page, "Do you sell replacement parts for the Zorblax 9000?")
    panel = page.locator(".panel")
    box = panel.bounding_box()
    assert box["width"] == 390 and box["height"] == 844
    person = page.get_by_role("button", name="Talk to a person")
    expect(person).to_be_visible(timeout=30_000)
    before = {t["id"] for t in site["store"].list_tickets()}
    person.click()
    expect(page.locator(".handoff")).to_contain_text("ticket #", timeout=10_000)
    opened = {t["id"] for t in site["store"].list_tickets()} - before
    assert len(opened) == 1 and ticket_ref(opened.pop()) in page.locator(".handoff").inner_text()
    page.close()


def test_a_page_from_an_unlisted_origin_is_refused(site, browser):
    page = browser.new_page()
    refused = []
    page.on("requestfailed", lambda request: refused.append(request.url) if "/api/chat" in request.url else None)
    before = questions_today(site["store"])
    page.goto(site["other"])
    ask(page, "Do gift cards expire?")
    error = page.locator(".msg.error")
    expect(error).to_be_visible(timeout=15_000)
    assert "can't be reached" in error.inner_text()
    assert refused, "the browser should have been refused the chat request"
    assert page.locator(".sources").count() == 0 and questions_today(site["store"]) == before  # no answer was made
    page.close()


def test_the_widget_sends_a_signed_in_customers_email_and_hash_with_each_question(site, browser):
    """The store's page names the signed-in customer in the script tag; each POST /api/chat carries both (the
    server checks the hash: a wrong one is anonymous, tests/test_order_responder.py). Without them, neither."""
    page = browser.new_page()
    sent = []
    page.on("request", lambda r: sent.append(json.loads(r.post_data)) if r.url.endswith("/api/chat") else None)
    page.goto(site["signed"])
    ask(page, "Do you ship to Canada?")
    expect(page.locator(".msg.bot .sources li").first).to_be_visible(timeout=30_000)
    page.get_by_label("Your question").fill("And to Mexico?")
    page.get_by_label("Your question").press("Enter")
    expect(page.locator(".msg.bot .sources").nth(1)).to_be_visible(timeout=30_000)
    assert [(b["customer_email"], b["customer_hash"]) for b in sent] == [
        (CUSTOMER, sign_email(IDENTITY_SECRET, CUSTOMER))] * 2
    page.goto(site["shop"])  # an anonymous shopper's page
    ask(page, "Do gift cards expire?")
    expect(page.locator(".msg.bot .sources").first).to_be_visible(timeout=30_000)
    assert "customer_email" not in sent[-1] and "customer_hash" not in sent[-1]
    page.close()


def test_a_reply_from_the_team_reaches_the_open_widget_and_waits_for_the_next_visit(site, browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(site["shop"])
    ask(page, "Where is my order 48213?")  # the bot hands this off itself
    expect(page.locator(".handoff")).to_contain_text("A person will reply here", timeout=30_000)
    conversation = page.evaluate("document.querySelector('store-chat-widget').conversationId")
    store = site["store"]
    ticket = store.ticket_for(conversation)["id"]

    store.join_ticket(ticket, "ana")  # what the agent window does (tested through the browser in test_ui_browser)
    store.send_staff_reply(ticket, "ana", "Hi! Order 48213 left our warehouse today and arrives on Friday.")
    expect(page.locator(".msg.status").filter(has_text="Ana from our team has joined")).to_be_visible(timeout=10_000)
    reply = page.locator(".msg.agent").last
    expect(reply).to_contain_text("arrives on Friday", timeout=10_000)
    assert reply.locator(".who").inner_text() == "Ana · Harbor & Pine team"  # marked as from a person
    page.screenshot(path=str(screenshot_path("widget-reply.png")))

    page.get_by_label("Your question").fill("Great, can it be left with a neighbour?")
    page.get_by_label("Your question").press("Enter")  # a person has the chat: the bot does not answer
    expect(page.locator(".msg.status").last).to_contain_text("Ana from our team has your message", timeout=10_000)
    assert "neighbour" in store.list_tickets()[0]["transcript"][-1]["text"]

    page.get_by_role("button", name="Close chat").click()
    store.send_staff_reply(ticket, "ana", "Yes, we'll ask the courier to do that.")
    expect(page.get_by_role("button", name="Chat with Harbor & Pine (new message)")).to_be_visible(timeout=10_000)

    page.reload()  # the next visit: the conversation and the replies are still there
    page.locator(".launcher").click()
    expect(page.locator(".msg.agent")).to_have_count(2, timeout=10_000)
    expect(page.locator(".msg.user").first).to_have_text("Where is my order 48213?")
    page.get_by_role("button", name="Start a new chat").click()
    expect(page.locator(".msg")).to_have_count(1)  # just the greeting
    assert page.evaluate("Object.keys(localStorage).length") == 0
    # the team is told: the ticket closes with a note, since a reply would no longer reach this shopper
    deadline = time.monotonic() + 10
    while store.ticket(ticket)["status"] == "open" and time.monotonic() < deadline:
        time.sleep(0.2)
    assert store.ticket(ticket)["transcript"][-1]["kind"] == "left"
    context.close()


def test_escape_closes_the_panel_from_anywhere_in_it(site, browser):
    page = browser.new_page()
    page.goto(site["shop"])
    for focus in ("input", "log", "body"):
        page.locator(".launcher").click()
        expect(page.locator(".panel")).to_be_visible()
        if focus == "log":
            page.locator(".log .msg").first.click()  # a click on the text, not on a control
        elif focus == "body":
            page.evaluate("document.activeElement.blur()")
        page.keyboard.press("Escape")
        expect(page.locator(".panel")).to_be_hidden()
    page.close()


def test_the_accessibility_checker_finds_nothing_serious_in_the_widget(site, browser):
    page = browser.new_page(viewport={"width": 1100, "height": 760})
    page.goto(site["shop"])
    ask(page, "Do you ship to Canada?")
    expect(page.locator(".msg.bot .sources li").first).to_be_visible(timeout=30_000)
    results = Axe().run(page, context={"include": [["store-chat-widget"]]})
    problems = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]]) for v in results.response["violations"]
                if v["impact"] in ("serious", "critical")]
    assert problems == [], problems
    assert results.response["passes"], "axe checked nothing: the widget was not found"
    page.close()


def test_a_catalog_question_shows_product_cards_that_set_the_product_in_focus(site, browser):
    page = browser.new_page(viewport={"width": 1100, "height": 760})
    page.goto(site["shop"])
    ask(page, "Do you have any toys under $20?")
    cards = page.locator(".msg.bot .card")
    expect(cards.first).to_be_visible(timeout=30_000)
    assert cards.count() >= 3
    for text in cards.all_inner_texts():
        price = float(text.split("$")[1].split()[0])
        assert price <= 20, text
    first = cards.first.locator(".name").inner_text()
    cards.first.get_by_role("button", name=f"Ask about {first}").click()
    page.get_by_label("Your question").fill("What is it made of?")
    page.get_by_label("Your question").press("Enter")
    expect(page.locator(".msg.bot .text").last).to_contain_text(f"The {first}", timeout=30_000)
    page.close()


def test_on_a_phone_the_widget_offers_the_stores_own_questions_and_queues_what_is_sent_meanwhile(
        site, browser, monkeypatch):
    bot, release = site["bot"], threading.Event()
    real_stream = bot.stream

    def held_stream(question, **kwargs):  # the first answer stays in progress until the others are sent
        if "return policy" in question:
            release.wait(30)
        yield from real_stream(question, **kwargs)

    monkeypatch.setattr(bot, "stream", held_stream)
    page = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page.goto(site["shop"])
    page.locator(".launcher").click()
    examples = page.get_by_role("group", name="Example questions").get_by_role("button")
    expect(examples).to_have_count(3, timeout=10_000)
    faq = [json.loads(line)["question"] for line in (KNOWLEDGE / "faq.jsonl").read_text().splitlines()]
    offered = examples.all_inner_texts()
    assert all(q in faq for q in offered), offered  # from the store's FAQ, not written into the widget
    first = next(q for q in offered if "return policy" in q)
    examples.filter(has_text=first).click()
    expect(page.locator(".msg.bot.pending")).to_have_count(1)
    box = page.get_by_label("Your question")
    for question in ("Do you ship to Canada?", "Do gift cards expire?"):  # Enter while the answer is coming
        box.fill(question)
        box.press("Enter")
        expect(box).to_have_value("")  # taken, not ignored
    expect(page.locator(".msg.user")).to_have_count(3)
    release.set()
    answers = page.locator(".msg.bot:not(.greeting)")
    expect(answers).to_have_count(3, timeout=60_000)
    expect(answers.last.locator(".sources li").first).to_be_visible(timeout=60_000)
    texts = answers.locator(".text").all_inner_texts()
    assert "30 days" in texts[0] and "19.99" in texts[1] and "expire" in texts[2], texts  # each after the last
    assert page.locator(".msg.user").all_inner_texts() == [first, "Do you ship to Canada?", "Do gift cards expire?"]
    page.close()


def test_a_long_widget_answer_opens_at_its_first_line_and_comes_back_with_cards_and_sources(site, browser):
    context = browser.new_context(viewport={"width": 360, "height": 640}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(site["shop"])
    ask(page, "Do you have any toys under $20?")
    answer = page.locator(".msg.bot").last
    expect(answer.locator(".sources li").first).to_be_visible(timeout=30_000)
    page.wait_for_timeout(300)
    shown = page.evaluate("""() => { const root = document.querySelector('store-chat-widget').shadowRoot;
        const log = root.querySelector('.log').getBoundingClientRect();
        const bots = root.querySelectorAll('.msg.bot'), a = bots[bots.length - 1].getBoundingClientRect();
        return {taller: a.height > log.height, top: a.top, logTop: log.top, logBottom: log.bottom}; }""")
    assert shown["taller"], "the answer should be taller than the panel for this test to mean anything"
    assert shown["logTop"] <= shown["top"] < shown["logBottom"] - 20, shown  # its first line shows, not its end
    cards = answer.locator(".card").count()
    sources = answer.locator(".sources li").count()
    assert cards >= 3 and sources >= 3

    page.reload()  # the next visit shows the answer as it was
    page.locator(".launcher").click()
    restored = page.locator(".msg.bot:not(.greeting)")
    expect(restored).to_have_count(1, timeout=10_000)
    expect(restored.locator(".card")).to_have_count(cards)
    expect(restored.locator(".sources li")).to_have_count(sources)
    markers = [int(n) for n in re.findall(r"\[(\d+)\]", restored.locator(".text").inner_text())]
    assert markers and max(markers) <= sources  # every "[n]" has its source
    context.close()
