"""FAQ matches: a message that asks what an FAQ entry asks gets the store's own answer, cited, without the model."""

from __future__ import annotations

import json

import pytest
from conftest import KNOWLEDGE

from chatbot.config import Settings
from chatbot.converse.chatbot import Chatbot
from chatbot.ingest.store import KnowledgeIndex
from chatbot.retrieve.faq_match import FaqMatcher, faq_answer

FAQ = {json.loads(line)["question"]: json.loads(line)["answer"]
       for line in (KNOWLEDGE / "faq.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()}


class NoModel:
    """A model that must not be asked: FAQ matches are answered without one."""

    style, name, context_window = "chat", "must-not-run", 2048

    def count_tokens(self, text):
        raise AssertionError("the model was asked")

    def stream(self, prompt, options):
        raise AssertionError("the model was asked")


@pytest.fixture(scope="module")
def bot(demo_index_dir, real_embedder):
    return Chatbot(Settings(index_dir=str(demo_index_dir), answer_cache_size=0), embedder=real_embedder,
                   index=KnowledgeIndex.load(demo_index_dir), generator=NoModel())


@pytest.mark.parametrize("message,faq", [
    ("Do you offer expedited shipping?", "Do you offer expedited shipping?"),
    ("how do I file a warranty claim", "How do I make a warranty claim?"),
    ("What payment methods do you accept?", "Which payment methods do you accept?"),
    ("Do I need an account to order?", "Do I need an account to place an order?"),
])
def test_a_close_match_gets_the_faq_answer_cited(bot, message, faq):
    answer = bot.ask(message)
    assert answer.origin == "faq" and not answer.abstained
    assert answer.text == f"{FAQ[faq].rstrip('.')} [1]."  # the store's own words, whole, with the citation
    assert [c.doc_id for c in answer.citations] == [answer.citations[0].doc_id]
    assert answer.citations[0].doc_id.startswith("faq:") and answer.citations[0].title == faq
    assert "Q:" not in answer.text and "A:" not in answer.text


def test_a_question_the_faq_does_not_ask_goes_on_to_retrieval(demo_index_dir, real_embedder):
    bot = Chatbot(Settings(index_dir=str(demo_index_dir), generator="extractive"), embedder=real_embedder)
    answer = bot.ask("How long is the warranty on the Harbor Buds Wireless Earbuds?")
    assert answer.origin == "quoted" and answer.citations


def test_on_a_product_page_it_questions_are_about_the_product(demo_index_dir, real_embedder):
    bot = Chatbot(Settings(index_dir=str(demo_index_dir), generator="extractive"), embedder=real_embedder)
    answer = bot.ask("Can I return it?", product_id="HP-1035")
    assert answer.origin != "faq"


def test_faq_answer_text_and_another_products_faq(demo_index_dir, real_embedder):
    index = KnowledgeIndex.load(demo_index_dir)
    chunk = next(c for c in index.chunks if c.kind == "faq")
    assert faq_answer(chunk) and not faq_answer(chunk).startswith("Q:")
    matcher = FaqMatcher(index, real_embedder, threshold=0.9)
    vector = real_embedder.embed([chunk.title])[0]
    assert matcher.match(vector).hit.chunk.id == chunk.id
    chunk.product_id = "HP-9999"  # an FAQ entry for one product never answers on another product's page
    try:
        matcher = FaqMatcher(index, real_embedder, threshold=0.9)
        other_page = matcher.match(vector, product_id="HP-1001")
        assert other_page is None or other_page.hit.chunk.id != chunk.id
        assert matcher.match(vector, product_id="HP-9999").hit.chunk.id == chunk.id
    finally:
        chunk.product_id = None


@pytest.mark.parametrize("message,faq,opener", [
    ("do i have to pay for return shipping if i just changed my mind?", "Do I have to pay for return shipping?", ""),
    ("How much does it cost to ship an order to Canada?", "How much does shipping cost?", ""),
    # the entry's "Yes, for standard shipping." is its own question's answer, not the expedited one's
    ("can expedited shipping go to a po box", "Can you ship to a PO box?", "Yes, for standard shipping. "),
])
def test_a_longer_question_asked_within_an_faq_entry_gets_its_answer(bot, message, faq, opener):
    """The shopper's condition or detail ("to Canada") is one the entry's answer covers: the store's words, whole,
    but for a "Yes" or "No" that answered a case the shopper did not ask about."""
    answer = bot.ask(message)
    said = FAQ[faq].removeprefix(opener)
    assert opener == "" or FAQ[faq].startswith(opener)
    assert answer.origin == "faq" and answer.text == f"{said.rstrip('.')} [1].", answer.text


def test_a_longer_question_about_something_the_entry_does_not_say_is_not_given_it():
    from chatbot.common.types import Chunk, Hit
    from chatbot.retrieve.faq_match import covering_faq

    entry = Chunk(id="faq:cost", doc_id="faq:cost", title="How much does shipping cost?", kind="faq",
                  text="Q: How much does shipping cost?\nA: Standard shipping is $5.99; to Canada it's $19.99.",
                  embed_text="")
    sure = Hit(entry, 1.0, 0.95)
    assert covering_faq("How much does shipping cost to Canada?", sure, 0.8).answer.startswith("Standard")
    assert covering_faq("How much does shipping cost for a return?", sure, 0.8) is None  # "return": not said
    assert covering_faq("How much does shipping cost to Canada?", Hit(entry, 1.0, 0.5), 0.8) is None  # unsure
    assert covering_faq("How much is it?", sure, 0.8) is None  # the entry's question is not in the message
