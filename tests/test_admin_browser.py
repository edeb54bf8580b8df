"""The store admin in a real browser (Debian chromium driven by Playwright), on a real server, index and database.

A Word document is refused by name, with the accepted types, and nothing is saved; an empty or binary
file of an accepted type is refused too, never replacing the good copy already stored, while the good
files of the same upload are added. The uploads list shows each file's name, kind, size, upload time and
its problems at the last re-index; Remove deletes a policy and re-indexes, after which the bot no longer
answers from it. The dashboard's topics are phrases that name what shoppers asked about, not stray
words. The accessibility checker (axe-core) finds nothing serious on the admin page.
"""

from __future__ import annotations

import io
import re
import shutil
import zipfile
from datetime import datetime, timezone

import pytest
from axe_playwright_python.sync_playwright import Axe
from conftest import KNOWLEDGE, STAFF_PASSWORD, index_demo_copy, scratch_database_url, screenshot_path, whole_site
from playwright.sync_api import expect, sync_playwright

from chatbot.common.types import Answer, Citation
from chatbot.config import Settings
from chatbot.converse.chatbot import Chatbot

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
ENGRAVING = ("# Engraving\n\n## Personal engraving\nWe engrave any cutting board or knife with up to 20 "
             "characters for $12 per item. Choose engraving on the product page before checkout.\n")


@pytest.fixture(scope="module")
def site(tmp_path_factory, real_embedder, demo_index_dir):
    """The whole app as launch.py serves it, on a copy of the demo store."""
    folder = tmp_path_factory.mktemp("admin-site")
    shutil.copytree(KNOWLEDGE, folder / "knowledge")
    settings = Settings(index_dir=str(folder / "index"), knowledge_dir=str(folder / "knowledge"),
                        uploads_dir=str(folder / "uploads"), database_url=scratch_database_url(folder, "chat.sqlite3"))
    index_demo_copy(folder / "knowledge", folder / "index", demo_index_dir, real_embedder)
    bot = Chatbot(settings, embedder=real_embedder)
    bot.warm_up()
    with whole_site(bot, settings) as (url, store, _):
        yield {"url": url, "store": store, "bot": bot, "uploads": folder / "uploads"}
    bot.close()


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def admin(site, browser):
    """A signed-in admin's page, once the uploads list has drawn."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(site["url"] + "/admin/")
    page.wait_for_url(re.compile(r"/signin\?next="))
    page.get_by_label("Name").fill("lee")
    page.get_by_label("Password").fill(STAFF_PASSWORD)
    page.get_by_label("Password").press("Enter")
    expect(page.locator("#uploads-list")).to_contain_text("problems at the last re-index", timeout=60_000)
    yield page
    page.close()


def upload(page, *files, kind: str = "Policy") -> str:
    """Upload ``files`` as ``kind`` and return what the page says once the action has finished."""
    page.get_by_label(kind, exact=True).check()
    page.locator("#admin-upload input[type=file]").set_input_files([str(f) for f in files])
    return press(page, "#admin-reindex")


def press(page, button: str) -> str:
    """Press an action button; its result replaces the last one, so wait for a new text."""
    page.evaluate("() => { document.querySelector('#reindex-result').dataset.before ="
                  " document.querySelector('#reindex-result').innerText; }")
    page.locator(button).click()
    page.wait_for_function("() => { const r = document.querySelector('#reindex-result'), t = r.innerText;"
                           " return t !== r.dataset.before && /✓|❌|first\\./.test(t)"
                           " && !r.matches('.pending, .generating') && !r.querySelector('.pending, .generating'); }",
                           timeout=120_000)
    return page.locator("#reindex-result").inner_text()


def table_rows(page, elem_id: str) -> list[list[str]]:
    """A Gradio table's body cells, row by row (the grid's rows, not its hidden sizing copy)."""
    return page.evaluate(f"""() => [...document.querySelectorAll('#{elem_id} [role=row]')]
        .filter(row => row.querySelector('[role=gridcell]'))
        .sort((a, b) => a.getAttribute('aria-rowindex') - b.getAttribute('aria-rowindex'))
        .map(row => [...row.querySelectorAll('[role=gridcell]')].map(cell => cell.innerText.trim()))""")


def stored_files(site) -> list[str]:
    root = site["uploads"]
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file() and
                  not p.name.startswith(".")) if root.exists() else []


def ask(browser, site, question: str) -> str:
    """The shopper chat's reply to ``question``, once its sources (or its refusal) show."""
    page = browser.new_page()
    page.goto(site["url"])
    page.wait_for_selector("#shopper-input textarea", timeout=60_000)
    page.locator("#shopper-input textarea").fill(question)
    page.locator("#shopper-input textarea").press("Enter")
    page.wait_for_function(
        """() => { const b = document.querySelectorAll('#shopper-chat .message.bot'); if (!b.length) return false;
                   const t = b[b.length-1].innerText;
                   return t.includes('Sources') || t.includes("couldn't") || t.includes('person'); }""",
        timeout=90_000)
    reply = page.locator("#shopper-chat .message.bot").last.inner_text()
    page.close()
    return reply


def word_document() -> bytes:
    """A small real .docx (a zip of XML parts), as Word saves one."""
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as docx:
        docx.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        docx.writestr("word/document.xml", "<w:document><w:body><w:p><w:r><w:t>Returns within 30 days"
                                           "</w:t></w:r></w:p></w:body></w:document>")
    return data.getvalue()


def test_a_word_document_is_refused_by_name_and_nothing_is_saved(site, admin, browser, tmp_path):
    docx = tmp_path / "Return policy.docx"
    docx.write_bytes(word_document())
    said = upload(admin, docx)
    assert "Return policy.docx was not added: it is a Word document, which the knowledge loaders cannot read" in said
    assert "Accepted types: .csv, .htm, .html, .jsonl, .markdown, .md, .ndjson, .pdf, .txt" in said
    assert "✓" not in said and "problem(s)" not in said  # no re-index ran to report it
    assert stored_files(site) == []
    assert table_rows(admin, "uploads-list")[0][0] == "(no uploads yet)"
    assert [a["action"] for a in site["store"].audit_log()][:1] == ["upload_refused"]

    # an empty and a binary file of accepted types are refused beside a good one, which is still added
    good, empty, binary = tmp_path / "engraving.md", tmp_path / "sizes.txt", tmp_path / "care-guide.md"
    good.write_text(ENGRAVING)
    empty.write_bytes(b"")
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4)
    said = upload(admin, good, empty, binary)
    assert "✓ Added uploaded/policies/engraving.md." in said and "1 embedded" in said, said
    assert "sizes.txt was not added: the file is empty" in said
    assert "care-guide.md was not added: the file looks like a binary file" in said
    assert stored_files(site) == ["uploaded/policies/engraving.md"]

    # a broken copy under the same name is refused and the stored one keeps answering
    broken = tmp_path / "again" / "engraving.md"
    broken.parent.mkdir()
    broken.write_bytes(b"\x00\x01\x02" * 100)
    assert "engraving.md was not added" in upload(admin, broken)
    assert (site["uploads"] / "uploaded/policies/engraving.md").read_text() == ENGRAVING
    assert "$12" in ask(browser, site, "Do you offer engraving?")
    admin.locator("#remove-choice input").click()
    admin.get_by_role("option").filter(has_text="uploaded/policies/engraving.md").click()
    assert "✓ Removed uploaded/policies/engraving.md." in press(admin, "#remove-upload")


def test_the_uploads_list_and_remove_make_the_bot_stop_answering_from_a_policy(site, admin, browser, tmp_path):
    policy = tmp_path / "gift-wrapping.md"
    policy.write_text("# Gift wrapping\n\n## Gift wrap service\nWe gift wrap any item in recycled kraft paper "
                      "with a handwritten card for $4.99 per item. Choose gift wrap at checkout.\n")
    faq = tmp_path / "store-faq.jsonl"
    faq.write_text('{"question": "Do you sell gift boxes?", "answer": "Yes, sturdy gift boxes for $3."}\n'
                   '{"question": "Do you price match?"}\n')
    assert "✓" in upload(admin, policy)
    said = upload(admin, faq, kind="FAQ")
    assert "✓ Added uploaded/faq/store-faq.jsonl." in said and "line 2" in said, said
    rows = {r[0]: r for r in table_rows(admin, "uploads-list")}
    today = datetime.now(timezone.utc).strftime("%Y-%m-%d")
    wrap = rows["uploaded/policies/gift-wrapping.md"]
    assert wrap[1:3] == ["Policy", f"{policy.stat().st_size} bytes"] and wrap[3].startswith(today)
    assert wrap[4] == "none"
    assert rows["uploaded/faq/store-faq.jsonl"][1] == "FAQ"
    assert rows["uploaded/faq/store-faq.jsonl"][4].startswith("line 2: ")  # the bad record, from the index run
    assert "4.99" in ask(browser, site, "Do you offer gift wrapping?")
    admin.locator("#uploads-list").scroll_into_view_if_needed()
    admin.screenshot(path=str(screenshot_path("admin-uploads.png")), full_page=True)

    said = press(admin, "#reindex-only")  # Re-index alone: nothing changed, the problem is still listed
    assert "✓ Re-indexed" in said and "unchanged" in said
    assert {r[0]: r for r in table_rows(admin, "uploads-list")}["uploaded/faq/store-faq.jsonl"][4].startswith("line 2")

    admin.locator("#remove-choice input").click()
    admin.get_by_role("option").filter(has_text="uploaded/policies/gift-wrapping.md").click()
    said = press(admin, "#remove-upload")
    assert "✓ Removed uploaded/policies/gift-wrapping.md." in said and "1 documents removed" in said, said
    assert [r[0] for r in table_rows(admin, "uploads-list")] == ["uploaded/faq/store-faq.jsonl"]
    assert stored_files(site) == ["uploaded/faq/store-faq.jsonl"]
    assert "uploaded/policies/gift-wrapping.md" not in site["bot"].documents
    reply = ask(browser, site, "Do you offer gift wrapping?")
    assert "4.99" not in reply and "kraft" not in reply, reply  # not from the index, nor from the answer cache
    actions = [(a["actor"], a["action"]) for a in site["store"].audit_log()]
    assert actions[:2] == [("lee", "reindex"), ("lee", "remove_upload")]


# a month of questions at a home-goods store, as shoppers type them (several wordings of each need), and filler
QUESTIONS = [
    "What is your return policy?", "Can I return a sale item?", "How do I start a return?",
    "return policy for opened items?",
    "Do gift cards expire?", "Can I use two gift cards on one order?", "Are gift cards refundable?",
    "Is the weighted blanket machine washable?", "How heavy is the weighted blanket?",
    "Does the weighted blanket come in a queen size?", "weighted blanket too warm for summer?",
    "Do you ship to Canada?", "How much is shipping to Canada?", "canada delivery time", "shipping cost to canada",
    "Is express shipping available?", "How long does standard shipping take?", "one more thing, is it available?",
    "hi", "thanks!",
]
FILLER = {"one", "come", "available", "get", "know", "thing", "much", "long", "env", "need", "want", "does"}


def test_dashboard_topics_are_phrases_that_name_what_shoppers_asked_about(site, browser):
    for n, question in enumerate(QUESTIONS):
        unanswered = n % 3 == 0  # a third not answered, so the "knowledge to add" table has topics too
        site["store"].record_turn(None, question, Answer(
            question=question, text="I couldn't find that." if unanswered else "Here is what our policy says [1].",
            confidence=0.2 if unanswered else 0.8, abstained=unanswered, handoff=False,
            reason="not_in_sources" if unanswered else None, retrieved=[], latency_ms={},
            citations=[] if unanswered else [Citation(doc_id="policies/x.md", chunk_id="c", title="x", score=0.9)]))
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(site["url"] + "/admin/")
    page.get_by_label("Name").fill("lee")
    page.get_by_label("Password").fill(STAFF_PASSWORD)
    page.get_by_label("Password").press("Enter")
    expect(page.locator("#topic-outcomes")).to_contain_text("weighted blanket", timeout=60_000)
    topics = {r[0]: int(r[1]) for r in table_rows(page, "topic-outcomes")}
    for subject, asked in (("return policy", 4), ("gift cards", 3), ("weighted blanket", 4),
                           ("shipping to canada", 4)):
        assert topics.get(subject, 0) >= asked, topics
    named = [t for t in topics if t != "(no clear subject)"]
    assert all(len(t.split()) >= 2 for t in named if topics[t] > 1), topics  # shared topics: several words
    assert not any(set(t.split()) <= FILLER for t in named), topics  # never a stray filler word
    missing = [r[0] for r in table_rows(page, "unanswered")]
    assert "weighted blanket" in missing or "return policy" in missing, missing
    assert not any(set(t.split()) <= FILLER for t in missing), missing
    page.close()


def test_the_accessibility_checker_finds_nothing_serious_on_the_admin_page(site, admin, tmp_path):
    bad = tmp_path / "notes.docx"
    bad.write_bytes(word_document())
    upload(admin, bad)  # the page with a refusal showing and the uploads list drawn
    expect(admin.locator("#dashboard-summary")).to_contain_text("Last 30 days", timeout=30_000)
    # nothing still updating: Gradio dims a component while its event runs, which axe would read as low contrast
    admin.wait_for_function("() => !document.querySelector('.pending, .generating')", timeout=60_000)
    # and faded back in: the dimming eases out, and a component read mid-fade is still low contrast
    admin.wait_for_function("() => [...document.querySelectorAll('.block')].every(b => getComputedStyle(b).opacity"
                            " === '1')", timeout=10_000)
    results = Axe().run(admin)
    problems = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]]) for v in results.response["violations"]
                if v["impact"] in ("serious", "critical")]
    assert problems == [], problems
    for control in ("Upload to remove", "Uploaded files"):
        assert admin.get_by_label(control).count() >= 1, control
    for button in ("Upload and re-index", "Remove and re-index", "Re-index"):
        assert admin.get_by_role("button", name=button, exact=True).count() == 1, button
