"""The verified-answer cache: keys, bounds, and never an answer from before a re-index of what it cites."""

from __future__ import annotations

import shutil

import pytest
from conftest import KNOWLEDGE, index_demo_copy

from chatbot.common.types import Answer, Citation
from chatbot.config import Settings
from chatbot.converse.answer_cache import AnswerCache, normalise
from chatbot.converse.chatbot import Chatbot
from chatbot.ingest.chunking import Chunker
from chatbot.ingest.indexer import update_index


def answer(text: str, *chunk_ids: str) -> Answer:
    return Answer(question="q", text=text, citations=[Citation(c, c, c, 0.9) for c in chunk_ids], confidence=0.8,
                  abstained=False, handoff=False, retrieved=list(chunk_ids), latency_ms={})


@pytest.mark.parametrize("a,b", [
    ("What's your return policy?", "what's your RETURN policy"),
    ("  Do you ship to   Canada?? ", "do you ship to canada"),
])
def test_case_spacing_and_punctuation_do_not_matter(a, b):
    assert normalise(a) == normalise(b)


def test_numbers_and_prices_still_matter():
    assert normalise("Is it $19.99?") != normalise("Is it $1999?")
    assert normalise("under $20") != normalise("under $30")


def test_scope_is_part_of_the_key():
    cache = AnswerCache()
    cache.put("Is it waterproof?", "HP-1", answer("Yes [1].", "c1"))
    assert cache.get("is it waterproof", "HP-1", lambda c: True).text == "Yes [1]."
    assert cache.get("is it waterproof", "HP-2", lambda c: True) is None
    assert cache.get("is it waterproof", None, lambda c: True) is None


def test_an_answer_of_an_earlier_knowledge_version_is_never_served():
    # another replica re-indexed (the shared version went from 3 to 4): even an answer whose chunks are all still
    # indexed is not replayed, since a new document may now answer the question better
    cache = AnswerCache()
    cache.put("Do you ship to Canada?", None, answer("Yes [1].", "c1"), version=3)
    assert cache.get("do you ship to canada", None, lambda c: True, version=4) is None
    assert cache.get("do you ship to canada", None, lambda c: True, version=3).text == "Yes [1]."


def test_an_answer_citing_a_chunk_that_is_gone_is_dropped():
    cache = AnswerCache()
    cache.put("q", None, answer("A [1][2].", "c1", "c2"))
    assert cache.get("q", None, lambda c: c != "c2") is None
    assert cache.get("q", None, lambda c: True) is None  # dropped for good, not just hidden
    assert cache.stats()["entries"] == 0


def test_least_recently_used_goes_first_and_stats_count():
    cache = AnswerCache(max_entries=2)
    cache.put("a", None, answer("A [1].", "c"))
    cache.put("b", None, answer("B [1].", "c"))
    assert cache.get("a", None, lambda c: True) is not None  # "a" is now the most recent
    cache.put("c", None, answer("C [1].", "c"))
    assert cache.get("b", None, lambda c: True) is None
    assert cache.get("a", None, lambda c: True) is not None
    stats = cache.stats()
    assert stats["entries"] == 2 and stats["hits"] == 2 and stats["misses"] == 1
    assert stats["hit_rate"] == pytest.approx(2 / 3)


def test_answers_without_sources_are_not_kept():
    cache = AnswerCache()
    cache.put("q", None, answer("no sources"))
    assert cache.stats()["entries"] == 0
    AnswerCache(max_entries=0).put("q", None, answer("A [1].", "c"))


# ---- through the real pipeline: real embedder, real FAISS index on disk, re-indexed for real


@pytest.fixture
def store(tmp_path, real_embedder, demo_index_dir):
    knowledge = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, knowledge)
    index = tmp_path / "index"
    index_demo_copy(knowledge, index, demo_index_dir, real_embedder)
    # FAQ matching off, so the questions below go through retrieval and cite the policy pages
    bot = Chatbot(Settings(index_dir=str(index), generator="extractive", faq_match=1.01), embedder=real_embedder)
    return bot, knowledge, index


RETURNS = "How many days do I have to return something?"
CANADA = "How much does it cost to ship an order to Canada?"


def test_the_same_question_is_answered_from_the_cache(store):
    bot, _, _ = store
    first = bot.ask(RETURNS)
    again = bot.ask("how many days do I have to return something")
    assert first.origin == "quoted" and not first.abstained
    assert again.origin == "cache" and again.text == first.text and again.citations == first.citations
    assert again.question == "how many days do I have to return something"
    assert bot.cache.stats()["hits"] == 1


def test_reindexing_a_cited_document_drops_its_answers_and_keeps_the_others(store, real_embedder):
    bot, knowledge, index = store
    returns = bot.ask(RETURNS)
    canada = bot.ask(CANADA)
    assert returns.citations[0].doc_id == "policies/returns-and-refunds.md" and "30 days" in returns.text
    assert all(c.doc_id != "policies/returns-and-refunds.md" for c in canada.citations)
    page = knowledge / "policies" / "returns-and-refunds.md"
    page.write_text(page.read_text(encoding="utf-8").replace("30 days", "45 days"), encoding="utf-8")
    update_index([knowledge], index, real_embedder, Chunker())
    bot.reload_index()
    after = bot.ask(RETURNS)
    first_sentence = after.text.split("[1]")[0]
    assert after.origin != "cache" and "45 days" in first_sentence and "30 days" not in first_sentence
    assert bot.ask(CANADA).origin == "cache"  # its sources did not change


def test_follow_ups_and_handoffs_never_come_from_the_cache(store):
    bot, _, _ = store
    history = [{"role": "user", "content": CANADA}, {"role": "assistant", "content": "..."}]
    bot.ask("and to Mexico?", history=history)
    assert bot.ask("and to Mexico?", history=history).origin != "cache"
    assert bot.cache.stats()["entries"] == 0
    for _ in range(2):
        handed = bot.ask("I want to talk to a human")
        assert handed.handoff and handed.origin == "handoff"
    assert bot.cache.stats()["entries"] == 0


def test_abstentions_are_not_cached(store):
    bot, _, _ = store
    for _ in range(2):
        declined = bot.ask("What is the capital of Australia?")
        assert declined.abstained and declined.origin == "declined"
    assert bot.cache.stats()["entries"] == 0
