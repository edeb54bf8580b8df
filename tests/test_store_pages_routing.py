"""On stores the bot was not written around, a question about something the store's pages describe is answered
from those pages, not bent into a catalog answer about a product that shares a word with it.

The two imported stores of ``eval/stores/`` (a Shopify and a WooCommerce export, each with help pages of its
own), indexed with the real embedder and asked through the real Chatbot.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from conftest import ROOT

from chatbot.config import Settings
from chatbot.converse.chatbot import Chatbot
from chatbot.evaluate.stores import build_knowledge, read_manifest
from chatbot.ingest.chunking import Chunker
from chatbot.ingest.indexer import update_index
from chatbot.ingest.store import KnowledgeIndex


def _store_bot(name: str, tmp_path_factory, embedder) -> Chatbot:
    manifest = read_manifest(ROOT / "eval" / "stores" / name)
    folder = tmp_path_factory.mktemp(name)
    build_knowledge(manifest, folder / "knowledge")
    update_index([folder / "knowledge"], folder / "index", embedder, Chunker())
    settings = replace(Settings(), index_dir=str(folder / "index"), generator="extractive", store_name=manifest.name,
                       support_contact=manifest.support_contact, answer_cache_size=0)
    return Chatbot(settings, embedder=embedder, index=KnowledgeIndex.load(folder / "index"))


@pytest.fixture(scope="module")
def fern(tmp_path_factory, real_embedder):
    bot = _store_bot("fern-and-fjord", tmp_path_factory, real_embedder)
    yield bot
    bot.close()


@pytest.fixture(scope="module")
def larch(tmp_path_factory, real_embedder):
    bot = _store_bot("larch-and-loom", tmp_path_factory, real_embedder)
    yield bot
    bot.close()


def test_two_plans_the_pages_describe_are_not_two_products_compared(fern):
    answer = fern.ask("what's the difference between the trail and summit plans")
    assert answer.origin != "catalog" and not answer.products, answer.text
    assert answer.citations[0].doc_id == "pages/trail-club-membership.md" and "$79" in answer.text, answer.text


def test_two_products_named_by_one_word_each_are_still_compared_without_the_shops_menus(fern):
    answer = fern.ask("what's the difference between the ridgeline and the alder?")
    assert answer.origin == "catalog" and len(answer.products) == 2
    assert "category path" not in answer.text and "brand Fern & Fjord" not in answer.text, answer.text


@pytest.mark.parametrize("message, page, says", [
    ("How much is the monthly larder box?", "pages/larder-box-subscription.md", "$38"),
    ("are the larder boxes nut free?", "pages/larder-box-subscription.md", "nut"),
    ("can enamel mugs go in the dishwasher", "pages/care-guides.md", "dishwasher"),
])
def test_what_the_pages_answer_is_answered_from_them(larch, message, page, says):
    answer = larch.ask(message)
    assert answer.origin != "catalog" and not answer.abstained, answer.text
    assert answer.citations[0].doc_id == page and says in answer.text, answer.text


def test_a_variant_question_still_gets_the_catalog(larch):
    answer = larch.ask("what sizes does the hoodie come in")
    assert answer.origin == "catalog" and "M" in answer.text and "L" in answer.text, answer.text
