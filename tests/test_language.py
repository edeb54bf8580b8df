"""Messages in other languages get an honest English reply that offers a person, and are counted."""

from __future__ import annotations

import json

import pytest
from conftest import KNOWLEDGE, ROOT, scratch_database_url

from chatbot.config import Settings
from chatbot.converse.chatbot import Chatbot
from chatbot.converse.language import detect, foreign
from chatbot.data.storage import ConversationStore


@pytest.mark.parametrize("message,code", [
    ("¿Hacen envíos a Canadá?", "es"), ("你们接受退货吗？", "zh"), ("Livrez-vous au Canada ?", "fr"),
    ("Wie lange dauert der Versand?", "de"),
])
def test_other_languages_are_recognised(message, code):
    assert foreign(message).code == code


def every_english_question() -> list[str]:
    """Every shopper question the project keeps: the demo evaluation set, the load benchmark, the FAQ."""
    demo = [json.loads(line)["question"] for line in (ROOT / "eval" / "demo_questions.jsonl").read_text().splitlines()]
    load = json.loads((ROOT / "benchmarks" / "load_questions.json").read_text())
    faq = [json.loads(line)["question"] for line in (KNOWLEDGE / "faq.jsonl").read_text().splitlines() if line]
    return demo + load["common"] + load["distinct"] + faq


def test_no_english_question_of_ours_is_taken_for_another_language():
    wrong = [(q, detect(q)) for q in every_english_question() if foreign(q) is not None]
    assert wrong == []


@pytest.mark.parametrize("message", ["ok", "HP-1001", "thanks", "Tidepool Marble Run", "", "😀😀", "do u ship 2 canada",
                                     "bags under $40", "vests under $40"])  # fastText says Norwegian, 0.62
def test_short_or_mixed_messages_are_not_foreign(message):
    assert foreign(message) is None


@pytest.fixture(scope="module")
def bot(demo_index_dir, real_embedder):
    return Chatbot(Settings(index_dir=str(demo_index_dir), generator="extractive"), embedder=real_embedder)


@pytest.mark.parametrize("message,name", [("¿Hacen envíos a Canadá?", "Spanish"), ("你们接受退货吗？", "Chinese")])
def test_the_reply_says_in_english_that_the_bot_answers_in_english_and_offers_a_person(bot, message, name):
    answer = bot.ask(message)
    assert answer.abstained and not answer.handoff and answer.citations == []
    assert answer.reason.startswith("not_english:") and name in answer.text
    assert "only answer in English" in answer.text and "Talk to a person" in answer.text
    assert bot.settings.support_contact in answer.text


def test_a_generator_that_answers_spanish_gets_spanish_messages(demo_index_dir, real_embedder):
    bot = Chatbot(Settings(index_dir=str(demo_index_dir), generator="extractive", answer_languages="en, es"),
                  embedder=real_embedder)
    answer = bot.ask("¿Hacen envíos a Canadá?")
    assert not (answer.reason or "").startswith("not_english")


def test_the_dashboard_counts_messages_by_language(bot):
    store = ConversationStore(scratch_database_url())
    for message in ["¿Hacen envíos a Canadá?", "¿Puedo devolver un regalo?", "你们接受退货吗？", "Do you ship to Canada?"]:
        store.record_turn(None, message, bot.ask(message))
    assert store.stats(1)["languages"] == {"es": 2, "zh": 1}
    from ui.admin import dashboard

    assert "Messages in other languages:** Spanish 2, Chinese 1" in dashboard(store, bot)[0]
    store.close()
