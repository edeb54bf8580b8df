"""The Gradio app in a real browser (Debian chromium driven by Playwright), on a real server and database.

A shopper asks a question and sees a streamed, cited answer; a thumbs-down
lands in the database; "Talk to a person" opens a ticket. The shopper's page
has no staff controls and cannot open the agent window; an agent signs in
(pressing Enter) and the agent window shows the ticket with draft replies; a
wrong admin password is refused, and a policy the admin uploads becomes
answerable after re-indexing.
"""

from __future__ import annotations

import re
import shutil

import pytest

from chatbot.chunking import Chunker
from chatbot.config import Settings
from chatbot.indexer import update_index
from chatbot.pipeline import Chatbot
from conftest import KNOWLEDGE, STAFF_PASSWORD, screenshot_path, whole_site

playwright_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright (scripts/setup.sh does)")
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
PASSWORD = STAFF_PASSWORD


@pytest.fixture(scope="module")
def site(tmp_path_factory, real_embedder):
    """The whole app as launch.py serves it: shopper chat at /, agents at /agent, admin at /admin, sign-in."""
    folder = tmp_path_factory.mktemp("site")
    shutil.copytree(KNOWLEDGE, folder / "knowledge")
    settings = Settings(index_dir=str(folder / "index"), knowledge_dir=str(folder / "knowledge"),
                        uploads_dir=str(folder / "uploads"),
                        database_url=f"sqlite:///{folder / 'chat.sqlite3'}")
    update_index([folder / "knowledge"], settings.index_dir, real_embedder, Chunker())
    bot = Chatbot(settings, embedder=real_embedder)
    bot.warm_up()
    with whole_site(bot, settings) as (url, store, _):
        yield {"url": url, "store": store, "folder": folder, "bot": bot}
    bot.close()


def sign_in(page, url: str, path: str, name: str, password: str = PASSWORD) -> None:
    """Open a staff page as a browser does: sent to the sign-in form, fill it, press Enter."""
    page.goto(url + path)
    page.wait_for_url(re.compile(r"/signin\?next="))
    page.get_by_label("Name").fill(name)
    page.get_by_label("Password").fill(password)
    page.get_by_label("Password").press("Enter")


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def ask(page, question: str, timeout: float = 90_000) -> str:
    """Type a question in the shopper chat; return the bot's last message once its sources (or answer) show."""
    bubbles = page.locator("#shopper-chat .message.bot")
    before = bubbles.count()
    page.locator("#shopper-input textarea").fill(question)
    page.locator("#shopper-input textarea").press("Enter")
    page.wait_for_function(
        """([n]) => { const b = document.querySelectorAll('#shopper-chat .message.bot');
                     return b.length > n && b[b.length - 1].innerText.trim().length > 0; }""",
        arg=[before], timeout=timeout)
    page.wait_for_function(  # the final render adds the sources list (or an abstention) after the stream
        """() => { const b = document.querySelectorAll('#shopper-chat .message.bot'); const t = b[b.length-1].innerText;
                   return t.includes('Sources') || t.includes("couldn't") || t.includes('person'); }""",
        timeout=timeout)
    return bubbles.last.inner_text()


def test_shopper_asks_rates_and_hands_off_then_agent_drafts(site, browser):
    page = browser.new_page(viewport={"width": 390, "height": 844})  # a phone-sized screen
    page.goto(site["url"])
    streamed = []
    page.expose_function("record", lambda text: streamed.append(text))
    page.evaluate("""() => new MutationObserver(() => { const b = document.querySelectorAll('#shopper-chat .message.bot');
                       if (b.length) window.record(b[b.length-1].innerText); })
                     .observe(document.body, {subtree: true, childList: true, characterData: true})""")
    reply = ask(page, "How long do I have to return an item?")
    assert "30 days" in reply and "Sources" in reply and "Returns and Refunds" in reply
    partial = [t for t in streamed if t.strip() and "Sources" not in t]
    assert partial, "the answer should appear before its sources (streamed), not all at once"
    page.screenshot(path=str(screenshot_path("shopper-chat.png")), full_page=True)

    page.locator("#shopper-chat .message.bot").last.hover()
    page.get_by_role("button", name="Dislike").last.click()
    page.wait_for_function("() => document.querySelector('#handoff-notice').innerText.includes('Thanks')")
    store = site["store"]
    assert store.stats(1)["thumbs"] == {"up": 0, "down": 1, "ratio": 0.0}

    page.locator("#talk-to-person").click()
    page.wait_for_function("() => document.querySelector('#handoff-notice').innerText.includes('ticket')")
    tickets = store.list_tickets("open")
    assert len(tickets) == 1 and "return" in tickets[0]["last_question"].lower()

    assert page.get_by_role("tab", name="Agent assist").count() == 0  # no staff controls for shoppers
    assert page.locator("#ticket-queue, #admin-reindex").count() == 0

    page = browser.new_page(viewport={"width": 1280, "height": 900})  # the agent, on a desktop screen
    sign_in(page, site["url"], "/agent/", "ana")
    page.wait_for_selector("#ticket-queue")
    page.locator("#refresh-queue").click()
    page.locator("#ticket-queue input").click()
    page.get_by_role("option").first.click()
    page.wait_for_function("() => document.querySelector('#ticket-transcript').innerText.includes('Customer')")
    page.locator("#draft-replies").click()
    page.wait_for_function("() => document.querySelector('#draft-1 textarea').value.length > 0", timeout=120_000)
    draft = page.locator("#draft-1 textarea").input_value()
    assert "30 days" in draft or "return" in draft.lower()
    assert draft.startswith("Hi there,") and "[1]" not in draft  # ready to send: no source markers
    page.screenshot(path=str(screenshot_path("agent-window.png")), full_page=True)
    page.locator("#send-draft-1").click()
    page.wait_for_function("() => document.querySelector('#agent-status').innerText.includes('sent')")
    assert store.export_agent_replies()[0]["final_text"] == draft
    assert store.list_tickets("open") == []

    page.get_by_text("Product tools").click()
    page.wait_for_timeout(1000)  # the accordion mounts its tabs when it opens
    page.get_by_role("tab", name="Recommendations").click()
    page.locator("#need textarea").fill("a gift for a 6-year-old under $30")
    page.locator("#recommend-button").click()
    page.wait_for_function("() => document.querySelector('#recommendations').innerText.includes('$')")
    picks = page.locator("#recommendations").inner_text()
    prices = [float(p) for p in __import__("re").findall(r"\$(\d+\.\d\d), under your \$30 limit", picks)]
    assert prices and all(p <= 30 for p in prices), picks
    page.close()


def test_admin_refuses_a_wrong_password_and_an_uploaded_policy_becomes_answerable(site, browser, tmp_path):
    page = browser.new_page()
    sign_in(page, site["url"], "/admin/", "lee", password="wrong password")
    page.wait_for_selector("text=wrong name or password")
    assert page.locator("#admin-reindex").count() == 0

    page.get_by_label("Name").fill("ana")  # an agent is not an admin
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Password").press("Enter")
    page.wait_for_selector("text=needs the admin role")
    assert page.locator("#admin-reindex").count() == 0

    page.goto(site["url"] + "/signout")
    sign_in(page, site["url"], "/admin/", "lee")
    page.wait_for_selector("#admin-reindex", state="visible")
    policy = tmp_path / "gift-wrapping.md"
    policy.write_text("# Gift wrapping\n\n## Gift wrap service\nWe gift wrap any item in recycled kraft paper "
                      "with a handwritten card for $4.99 per item. Choose gift wrap at checkout.\n")
    page.get_by_label("Policy", exact=True).check()  # filed as what the admin says it is
    page.locator("#admin-upload input[type=file]").set_input_files(str(policy))
    page.locator("#admin-reindex").click()
    page.wait_for_function("() => document.querySelector('#reindex-result').innerText.includes('✅')",
                           timeout=120_000)
    assert "1 embedded" in page.locator("#reindex-result").inner_text()
    assert (site["folder"] / "uploads" / "uploaded" / "policies" / "gift-wrapping.md").exists()  # outside the code
    assert site["bot"].documents["uploaded/policies/gift-wrapping.md"].kind == "policy"
    assert [(a["actor"], a["action"]) for a in site["store"].audit_log()] == [("lee", "reindex"), ("lee", "upload")]

    shopper = browser.new_page()
    shopper.goto(site["url"])
    reply = ask(shopper, "Do you offer gift wrapping?")
    assert "4.99" in reply and "Gift wrapping" in reply
    assert ask(shopper, "Do you offer gift wrapping?") == reply  # the second time from the answer cache
    shopper.close()

    page.locator("#refresh-dashboard").click()
    page.wait_for_function("() => document.querySelector('#dashboard-summary').innerText.includes('Answer cache')")
    summary = page.locator("#dashboard-summary").inner_text()
    assert re.search(r"hit rate \d+% \([1-9]\d* of \d+ repeated-question lookups\)", summary), summary
    assert "Model:" in summary and "is ready" in summary and "worker process" in summary
    page.wait_for_function("() => document.querySelector('#topic-outcomes').innerText.includes('gift')")
    outcomes = page.locator("#topic-outcomes").inner_text()
    assert "thumbs down (of answered)" in outcomes and "handed off" in outcomes
    page.wait_for_timeout(1000)  # the plots draw after the data arrives
    page.screenshot(path=str(screenshot_path("admin-dashboard.png")), full_page=True)
    page.close()


def test_product_page_context_from_the_url(site, browser):
    page = browser.new_page()
    page.goto(site["url"] + "/?product=HP-1001")
    page.wait_for_function("() => { const i = document.querySelector('#product-picker input'); "
                           "return i && i.value.includes('Tidepool'); }", timeout=60_000)
    reply = ask(page, "Does it need batteries?")
    assert "Tidepool Marble Run" in reply and "no" in reply.lower()
    page.locator("#shopper-chat .message.bot").last.hover()
    page.get_by_role("button", name="Like").last.click()
    page.wait_for_function("() => document.querySelector('#handoff-notice').innerText.includes('Thanks')")
    ask(page, "What age is it for?")
    assert "Thanks" not in page.locator("#handoff-notice").inner_text()  # the next question clears it
    page.close()
