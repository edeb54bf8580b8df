"""Messages that ask two or three things: split into questions, each answered, said together."""

from __future__ import annotations

import re

import pytest

from chatbot.config import Settings
from chatbot.converse.chatbot import Chatbot
from chatbot.converse.question_parts import question_parts
from chatbot.ingest.store import KnowledgeIndex


@pytest.mark.parametrize("message,parts", [
    ("is the marble run good for a 5 year old and how much is shipping?",
     ["is the marble run good for a 5 year old", "how much is shipping?"]),
    ("what's the cheapest tent and do you ship to canada?", ["what's the cheapest tent", "do you ship to canada?"]),
    ("Do gift cards expire? Can I return one?", ["Do gift cards expire?", "Can I return one?"]),
    ("what is the price; is it in stock", ["what is the price", "is it in stock"]),
    # one question, however long: statements stay with the question they explain
    ("I bought a tent last week. How do I return it?", None),
    ("where is order 48213? my email is sam@example.com", None),
    ("Hi! What's your return policy?", None),
    ("is the mixer dishwasher safe and quiet?", None),
    ("compare the tent and the hammock", None),
    ("do you have tents and sleeping bags", None),
    ("how much is shipping? and?", None),
    ("ok and how long does delivery take to Scotland?", None),  # "ok" is no question of its own
    # four questions are a story: answered whole
    ("is it good for 5 year olds and does it need batteries and how much is it and is it in stock", None),
])
def test_a_message_is_split_where_a_new_question_starts(message, parts):
    assert question_parts(message) == (parts or [message])


@pytest.fixture(scope="module")
def bot(demo_index_dir, real_embedder, shared_model_dir):
    index = KnowledgeIndex.load(demo_index_dir, real_embedder.name, real_embedder.dimension)
    settings = Settings(index_dir=str(demo_index_dir), generator="extractive",
                        model_dir=shared_model_dir)
    return Chatbot(settings, embedder=real_embedder, index=index)


def _markers_point_at_citations(answer) -> bool:
    markers = [int(n) for n in re.findall(r"\[(\d+)\]", answer.text)]
    return bool(markers) and all(1 <= n <= len(answer.citations) for n in markers)


def test_a_catalog_question_and_a_policy_question_are_both_answered_and_cited(bot):
    answer = bot.ask("is the marble run good for a 5 year old and how much is shipping?")
    age, shipping = answer.text.split("\n\n")
    assert "Tidepool Marble Run" in age and "6-12" in age
    assert "$5.99" in shipping or "free" in shipping.lower()
    cited = [c.doc_id for c in answer.citations]
    assert cited[0] == "product:HP-1001" and any("shipping" in d for d in cited[1:]), cited
    assert _markers_point_at_citations(answer) and not answer.abstained
    assert "[2]" in shipping  # the second answer's citations are numbered after the first's


def test_it_in_the_second_question_is_the_product_of_the_first(bot):
    answer = bot.ask("how much is the marble run and does it need batteries?")
    price, batteries = answer.text.split("\n\n")
    assert "$34.99" in price and batteries.startswith("No, the Tidepool Marble Run")
    assert answer.product_id == "HP-1001" and _markers_point_at_citations(answer)


def test_a_part_the_store_cannot_answer_is_named_and_a_person_offered_once(bot):
    answer = bot.ask("what's the cheapest tent and who won the world cup in 2010?")
    assert answer.text.startswith("Our cheapest tent is the Pinecone Pop-Up Kids' Tent")
    assert "your second question" in answer.text and answer.text.count("connect you with a person") == 1
    assert "world cup" not in answer.text.lower()  # named by its place: a shopper's words are not said back
    assert answer.reason == "partly_answered" and not answer.abstained


def test_an_order_part_is_handed_off_and_the_policy_part_still_answered(bot):
    answer = bot.ask("where is order 48213 and what's your return policy?")
    assert answer.handoff and "passing this to a member of our team" in answer.text
    assert "30 days" in answer.text and _markers_point_at_citations(answer)


def test_an_agents_first_draft_answers_every_question_of_the_message(bot):
    drafts = bot.drafts("what's the cheapest tent and do you ship to canada?", n=2)
    assert "Pinecone Pop-Up Kids' Tent" in drafts[0].text and "Canada" in drafts[0].text.split("\n\n")[1]
    assert drafts[0].products[0]["name"] == "Pinecone Pop-Up Kids' Tent"


def test_a_source_cited_by_two_parts_keeps_one_number(bot):
    answer = bot.ask("How long are the braided USB-C cables and how many watts can they charge at?",
                     product_id="HP-1045")
    length, watts = answer.text.split("\n\n")
    assert "6 ft" in length and "60W" in watts and "Charging Stand" not in answer.text
    assert [c.doc_id for c in answer.citations] == ["product:HP-1045"] and watts.endswith("[1].")


def _history(bot, *questions, product_id=None) -> list:
    from chatbot.converse.conversation import answered_turns
    turns = []
    for question in questions:
        turns += answered_turns(question, product_id, bot.ask(question, product_id=product_id, history=turns))
    return turns


def test_a_store_question_after_a_product_talk_leaves_the_product_out(bot):
    """After the blanket's reviews, "is it free?" follows the delivery question, not the blanket."""
    history = _history(bot, "What do reviewers say about the Chunky Knit Weighted Blanket?")
    answer = bot.ask("How long does delivery take to Hawaii and is it free?", history=history)
    assert "Hawaii" in answer.text and "$5.99" in answer.text
    assert "Blanket" not in answer.text and "catalog doesn't list" not in answer.text, answer.text
    assert len(answer.text.split("\n\n")) == 1  # the second part said nothing the first had not
    answer = bot.ask("Do you ship to Canada and how much does it cost?", history=history)
    assert "$19.99" in answer.text and "$89.00" not in answer.text and "Blanket" not in answer.text, answer.text


def test_on_a_product_page_a_store_question_is_answered_for_the_store(bot):
    answer = bot.ask("How long does delivery take to Hawaii and is it free?", product_id="HP-1043")
    assert "Hawaii" in answer.text and "Blanket" not in answer.text and answer.product_id is None, answer.text
    again = bot.ask("Do you ship to Canada?", product_id="HP-1043")
    assert "$19.99" in again.text and again.product_id is None
    washable = bot.ask("is it machine washable?", product_id="HP-1043")  # the page's product, still
    assert "Chunky Knit Weighted Blanket" in washable.text and "hand wash cold" in washable.text
